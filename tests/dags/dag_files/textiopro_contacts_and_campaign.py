"""Sync contacts into a group, then send it a campaign; the same with waits that time out, and retried.

Used by tests/dags/test_contacts_and_campaign.py (the connection points at the sandbox).
"""

from __future__ import annotations

import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_textiopro.operators.campaigns import TextioProSendCampaignOperator
from airflow_provider_textiopro.operators.contacts import (
    TextioProCreateGroupOperator,
    TextioProUpsertContactsOperator,
)

START = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
RECORDS = [{"PHONE": f"+3161234{i:04d}", "FIRST_NAME": f"Customer {i}"} for i in range(1, 31)]


def sync_then(dag_id: str, **campaign_kwargs) -> DAG:
    """Return a DAG: create (or reuse) the group, upsert RECORDS, send a campaign to the group."""
    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        group = TextioProCreateGroupOperator(task_id="group", name="Customers")
        upsert = TextioProUpsertContactsOperator(
            task_id="upsert", group_uid=group.output, records=RECORDS, max_workers=3
        )
        campaign = TextioProSendCampaignOperator(
            task_id="campaign",
            contact_list_ids=group.output,
            message="Spring sale on {{ ds }}",
            sender_id="Shop",
            wait_for_completion=True,
            **campaign_kwargs,
        )
        upsert >> campaign
    return dag


deferred_dag = sync_then("textiopro_sync_then_campaign", deferrable=True, poll_interval=0.2, timeout=60)
# Each wait gives up after 0.3 s while the test's sandbox campaign takes about 4.5 s: the first
# tries fail, and their retries must follow the campaign already sent instead of sending it again.
retried_dag = sync_then(
    "textiopro_campaign_retries",
    poll_interval=0.1,
    timeout=0.3,
    retries=40,
    retry_delay=datetime.timedelta(0),
)
# The tests make the campaign request of its first try go wrong (no answer, or a worker lost before
# the uid is written): no retry may send a second campaign.
once_dag = sync_then(
    "textiopro_campaign_once",
    poll_interval=0.1,
    timeout=10,
    retries=3,
    retry_delay=datetime.timedelta(0),
)
