"""A task that records a group's asset event at run time, and a DAG scheduled on that group.

Used by tests/dags/test_asset_events.py.
"""

from __future__ import annotations

import datetime

from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_textiopro.assets import default_outlets, emit_asset_event, group_asset

GROUP_UID = "6065ecdc9184a"
START = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
NESTED_EXTRA = {"created": 2, "stats": {"delivered": 1, "failed": {"count": 1}}, "uids": ["a", "b"]}

with DAG("textiopro_sync_group", schedule=None, start_date=START, catchup=False) as sync_dag:

    @task(outlets=default_outlets("group"))
    def sync_group(**context) -> bool:
        return emit_asset_event(context, group_asset(GROUP_UID), {"created": 2, "updated": 1})

    sync_group()

with DAG("textiopro_sync_group_nested_extra", schedule=None, start_date=START, catchup=False) as nested_dag:

    @task(outlets=default_outlets("group"))
    def sync_group_nested_extra(**context) -> bool:
        return emit_asset_event(context, group_asset(GROUP_UID), NESTED_EXTRA)

    sync_group_nested_extra()

with DAG(
    "textiopro_after_group_sync", schedule=[group_asset(GROUP_UID)], start_date=START, catchup=False
) as after_sync_dag:

    @task
    def report() -> None:
        print("The group was synced.")

    report()
