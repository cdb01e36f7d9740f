"""A two-recipient send and a campaign whose first try is lost after TextioPro answered.

Used by tests/dags/test_lost_worker.py (the connection points at the sandbox; the campaign's
group uid comes in the run's conf).
"""

from __future__ import annotations

import datetime
from typing import Any

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_textiopro.operators.campaigns import TextioProSendCampaignOperator
from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator

START = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
RECIPIENTS = ["+31612345001", "+31612345002"]
RETRIES = {"retries": 2, "retry_delay": datetime.timedelta(0)}


def lose_the_first_try(context: Any, result: Any) -> None:
    """Fail the first try after its send was answered, as a worker lost before the task is marked done."""
    if context["ti"].try_number == 1:
        raise RuntimeError("worker lost after TextioPro answered")


with DAG("textiopro_lost_worker_send", schedule=None, start_date=START, catchup=False) as send_dag:
    TextioProSendMessageOperator(
        task_id="send",
        recipients=RECIPIENTS,
        message="Your parcel arrives today",
        sender_id="Ops",
        post_execute=lose_the_first_try,
        **RETRIES,
    )

with DAG("textiopro_lost_worker_campaign", schedule=None, start_date=START, catchup=False) as campaign_dag:
    TextioProSendCampaignOperator(
        task_id="campaign",
        contact_list_ids="{{ dag_run.conf['group_uid'] }}",
        message="Spring sale",
        sender_id="Shop",
        post_execute=lose_the_first_try,
        **RETRIES,
    )
