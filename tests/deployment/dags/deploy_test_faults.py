"""DAGs of the deployment test's fault scenarios (scripts/deploy-test.sh), one text per scenario.

Each scenario texts numbers of its own, so that the test can count, from the sandbox, that each
recipient got its text exactly once. No retries: a lost try is cleared by the test itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pendulum
from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_textiopro.operators.campaigns import TextioProSendCampaignOperator
from airflow_provider_textiopro.operators.contacts import (
    TextioProCreateGroupOperator,
    TextioProUpsertContactsOperator,
)
from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator
from airflow_provider_textiopro.sensors.textiopro import TextioProCampaignSensor, TextioProMessageSensor

# Fictional UK numbers (Ofcom's range for drama): the sandbox delivers them.
SCENARIOS = {
    "deploy_test_triggerer_kill": {
        "campaign": (
            ["+44 7700 900410", "+44 7700 900416"],
            "Deploy test: a campaign waited on across a triggerer kill.",
        ),
        "message": (
            ["+44 7700 900420", "+44 7700 900426"],
            "Deploy test: a message waited on across a triggerer kill.",
        ),
    },
    "deploy_test_task_kill": {
        "message": (
            ["+44 7700 900430", "+44 7700 900436"],
            "Deploy test: a send whose task process is killed.",
        ),
    },
    "deploy_test_scheduler_kill": {
        "message": (["+44 7700 900440", "+44 7700 900446"], "Deploy test: a send whose scheduler is killed."),
    },
}
DEFAULTS = {"start_date": pendulum.datetime(2025, 1, 1, tz="UTC"), "schedule": None, "catchup": False}


def _send(dag_id: str) -> TextioProSendMessageOperator:
    recipients, text = SCENARIOS[dag_id]["message"]
    return TextioProSendMessageOperator(
        task_id="send_message", recipients=recipients, message=text, sender_id="DeployTest", retries=0
    )


for _dag_id in ("deploy_test_task_kill", "deploy_test_scheduler_kill"):
    with DAG(dag_id=_dag_id, **DEFAULTS):
        _send(_dag_id)


with DAG(dag_id="deploy_test_triggerer_kill", **DEFAULTS):
    _campaign_recipients, _campaign_text = SCENARIOS["deploy_test_triggerer_kill"]["campaign"]

    @task
    def in_an_hour() -> str:
        """Return the time in an hour (UTC, the account's timezone): the test moves the sandbox's clock."""
        return (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")

    group = TextioProCreateGroupOperator(task_id="ensure_group", name="Deploy test", if_exists="reuse")
    contacts = TextioProUpsertContactsOperator(
        task_id="upsert_contacts",
        group_uid=group.output,
        records=[{"PHONE": n} for n in _campaign_recipients],
    )
    campaign = TextioProSendCampaignOperator(
        task_id="send_campaign",
        contact_list_ids=group.output,
        message=_campaign_text,
        sender_id="DeployTest",
        schedule_time=in_an_hour(),
        retries=0,
    )
    message = _send("deploy_test_triggerer_kill")
    contacts >> campaign >> message
    TextioProCampaignSensor(
        task_id="wait_for_campaign",
        campaign_uid=campaign.output,
        deferrable=True,
        poke_interval=2,
        timeout=600,
    )
    TextioProMessageSensor(
        task_id="wait_for_message", message_uids=message.output, deferrable=True, poke_interval=2, timeout=600
    )
