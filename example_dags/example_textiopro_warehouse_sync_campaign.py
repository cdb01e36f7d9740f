"""Warehouse campaign: once the warehouse sync has refreshed the customers group, text them.

This DAG has no time schedule: it runs when a TextioPro contact group has been synced. The
provider's contact operators record an asset event for the group they synced
(``textiopro://group/<uid>``) through the asset alias ``textiopro-groups``, and this DAG is
scheduled on that alias. Any group sync triggers it, so its first task checks that the
triggering event is the warehouse group's, and skips the run otherwise.

**Who gets texted.** Every run of ``example_textiopro_warehouse_sync`` queues a run of this DAG,
which texts the whole group: the customers whose numbers you put in the Airflow Variable
``textiopro_example_customers`` (without it the sync skips, and nothing queues this DAG).

When the group's uid is known in advance (it is stable once the group exists), schedule on the
group's own asset instead and drop that check::

    from airflow_provider_textiopro.assets import group_asset

    with DAG(..., schedule=[group_asset("6065ecdc9184a")]):

Try it against the local sandbox (nothing to change but the connection), after
``example_textiopro_warehouse_sync`` has created the group::

    airflow dags test example_textiopro_warehouse_campaign
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.providers.common.compat.sdk import DAG, AirflowSkipException, task

from airflow_provider_textiopro.assets import asset_alias
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.operators.campaigns import TextioProSendCampaignOperator

# The group that example_textiopro_warehouse_sync fills.
WAREHOUSE_GROUP = "Warehouse customers"

with DAG(
    dag_id="example_textiopro_warehouse_campaign",
    description="SMS campaign to the warehouse customers, run when their contact group has been synced",
    schedule=[asset_alias("group")],
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "textiopro"],
) as dag:

    @task
    def warehouse_group_uid(**context: Any) -> str:
        """Return the warehouse group's uid; skip the run when another group's sync triggered it."""
        group = TextioProHook().find_group_by_name(WAREHOUSE_GROUP)
        if group is None:
            raise LookupError(
                f"There is no contact group {WAREHOUSE_GROUP!r} yet: run example_textiopro_warehouse_sync."
            )
        # The events that triggered this run (none when it was triggered by hand). Each event's
        # extra holds the sync's counts and the group's uid. Airflow 2 names it
        # triggering_dataset_events.
        events = context.get("triggering_asset_events") or context.get("triggering_dataset_events") or {}
        synced = {event.extra.get("group_uid") for asset_events in events.values() for event in asset_events}
        if synced and group.uid not in synced:
            raise AirflowSkipException(f"The sync that triggered this run was not {WAREHOUSE_GROUP!r}'s.")
        return group.uid

    # One task sends and waits: it submits the campaign on the worker, then defers until TextioPro
    # has sent it (the trigger only reads). It fails if the campaign fails or is cancelled; a done
    # campaign succeeds even if some messages failed (its counts are in the log and asset event).
    # On Airflow 3.3+ a retry follows the campaign already sent instead of sending it again; below
    # 3.3 a failure after the send is final (no retry), and only a worker lost mid-task could send
    # twice: to rule that out too, wait with TextioProCampaignSensor as the marketing example does.
    TextioProSendCampaignOperator(
        task_id="send_campaign",
        contact_list_ids=warehouse_group_uid(),
        message="Thanks for shopping with MyShop! Your loyalty points are waiting at myshop.example/points",
        sender_id="MyShop",
        wait_for_completion=True,
        deferrable=True,
        poll_interval=5,
        timeout=6 * 60 * 60,
    )

if __name__ == "__main__":
    dag.test()
