r"""Scheduled marketing: a weekly campaign to a contact group, sent at a set time, then its statistics.

Every Monday morning the DAG makes sure the newsletter group exists, upserts its subscribers,
sends the week's campaign (scheduled for ``send_at``, or at once when it is empty), waits
until TextioPro has finished sending it (deferred: no worker slot is held meanwhile) and
reports how many messages were delivered.

**Who gets texted.** The subscribers' numbers come from the Airflow Variable
``textiopro_example_subscribers`` (comma-separated; numbers you own). Without it the DAG texts
no one: ``subscribers`` skips, saying so in its log, and the upsert, the campaign and the wait
skip with it. Unpausing the DAG starts a run at once (Airflow creates the latest weekly run even
with ``catchup=False``), which sends the campaign when the Variable is set. The upsert records a
group event, which queues a run of ``example_textiopro_warehouse_campaign`` (scheduled on every
group sync); that run skips, as the group is not the warehouse's.

Try it against the local sandbox (the demo's settings are in ``scripts/demo.env``)::

    textiopro-sandbox &
    export AIRFLOW_CONN_TEXTIOPRO_DEFAULT='textiopro://:sandbox-token@127.0.0.1:8085'
    export AIRFLOW_VAR_TEXTIOPRO_EXAMPLE_SUBSCRIBERS='+44 7700 900200,+44 7700 900206'
    airflow dags test example_textiopro_scheduled_marketing

To see a scheduled send, give a time in the account's timezone (the connection's ``timezone``
extra, UTC by default). The campaign waits ``scheduled`` until then; while the DAG waits, move
the sandbox's clock past that time from another shell instead of waiting::

    airflow dags test example_textiopro_scheduled_marketing \
        -c "{\"send_at\": \"$(date -u -d '+10 min' '+%Y-%m-%d %H:%M')\"}"
    curl -X POST http://127.0.0.1:8085/_sandbox/clock -d '{"advance": 900}'
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pendulum
from airflow.providers.common.compat.sdk import DAG, AirflowSkipException, Param, Variable, task

from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.operators.campaigns import TextioProSendCampaignOperator
from airflow_provider_textiopro.operators.contacts import (
    TextioProCreateGroupOperator,
    TextioProUpsertContactsOperator,
)
from airflow_provider_textiopro.sensors.textiopro import TextioProCampaignSensor

log = logging.getLogger(__name__)

NEWSLETTER_GROUP = "Weekly newsletter"

# The subscribers' numbers, comma-separated: nothing real is texted until you set this Variable.
SUBSCRIBERS_VARIABLE = "textiopro_example_subscribers"
FIRST_NAMES = ["Alex", "Sam", "Robin", "Charlie"]

with DAG(
    dag_id="example_textiopro_scheduled_marketing",
    description="Weekly SMS campaign to the newsletter group, sent at a set time, with its statistics",
    schedule="0 7 * * 1",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    params={
        "send_at": Param(
            "",
            type="string",
            description="When TextioPro sends the campaign, 'YYYY-MM-DD HH:MM' in the account's "
            "timezone; empty sends at once.",
        ),
    },
    tags=["example", "textiopro"],
) as dag:
    # Safe to re-run: the group is looked up by name and reused; its uid goes to XCom.
    ensure_group = TextioProCreateGroupOperator(
        task_id="ensure_group",
        name=NEWSLETTER_GROUP,
        if_exists="reuse",
    )

    @task
    def subscribers() -> list[dict[str, str]]:
        """Stand-in for your subscriber list: the Variable's numbers, as TextioPro field tags.

        PHONE is the key of the upsert. See example_textiopro_warehouse_sync for a sync from a
        SQL table.
        """
        # The default is positional: Airflow 2 calls it default_var, Airflow 3 default.
        numbers = [n.strip() for n in Variable.get(SUBSCRIBERS_VARIABLE, "").split(",") if n.strip()]
        if not numbers:
            raise AirflowSkipException(
                f"No campaign sent: set the Airflow Variable {SUBSCRIBERS_VARIABLE} to the subscribers' "
                "numbers (comma-separated, numbers you own) to upsert them and text them."
            )
        return [
            {"PHONE": number, "FIRST_NAME": name}
            for number, name in zip(numbers, itertools.cycle(FIRST_NAMES))
        ]

    # Creates new contacts, updates changed ones and leaves the rest alone: a second run with the
    # same subscribers writes nothing. Returns the counts (created, updated, unchanged ...).
    upsert_subscribers = TextioProUpsertContactsOperator(
        task_id="upsert_subscribers",
        group_uid=ensure_group.output,
        records=subscribers(),
    )

    # The campaign is submitted once, on the worker, and its uid returned. schedule_time is
    # templated: in production you could write "{{ data_interval_end.replace(hour=9, minute=0) }}"
    # to send at 09:00 on the run's Monday. A time in the past is refused before anything is sent.
    send_campaign = TextioProSendCampaignOperator(
        task_id="send_campaign",
        contact_list_ids=ensure_group.output,
        message="This week only: 20% off everything with code WEEKLY20. Reply STOP to opt out.",
        sender_id="MyShop",
        schedule_time="{{ params.send_at }}",
    )

    # Waiting in a separate sensor (rather than wait_for_completion=True) keeps the wait safe to
    # retry on every Airflow version: the sensor only reads, so a retry never sends again.
    # Deferred, it waits in the triggerer until the campaign is done, whenever it was scheduled.
    wait_for_campaign = TextioProCampaignSensor(
        task_id="wait_for_campaign",
        campaign_uid=send_campaign.output,
        deferrable=True,
        poke_interval=5,
        timeout=24 * 60 * 60,
    )

    @task
    def report_stats(campaign_uid: str) -> dict[str, Any]:
        """Log and return the finished campaign's status and per-status message counts."""
        campaign = TextioProHook().get_campaign(campaign_uid)
        stats = campaign.stats.to_dict()
        log.info(
            "Campaign %s is %s: %d messages, %s.",
            campaign.uid,
            campaign.status.value,
            campaign.stats.total,
            ", ".join(f"{count} {name}" for name, count in stats.items() if count) or "none sent",
        )
        return campaign.to_dict()

    upsert_subscribers >> send_campaign
    wait_for_campaign >> report_stats(send_campaign.output)

if __name__ == "__main__":
    dag.test()
