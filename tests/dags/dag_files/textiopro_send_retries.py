"""Sends and a campaign whose tries fail part way or after TextioPro answered.

Used by tests/dags/test_send_message_retries.py (the connection points at the sandbox, which
rate-limits the first try's second request of the 250-recipient send) and by
tests/dags/test_lost_worker.py (the campaign's group uid comes in the run's conf).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_textiopro.operators.campaigns import TextioProSendCampaignOperator
from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator

START = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
RECIPIENTS = [f"+3161234{i:04d}" for i in range(250)]


def lose_try(number: int) -> Callable[[Any, Any], None]:
    """Return a ``post_execute`` that fails try ``number`` after its send was answered.

    As a worker lost before the task is marked done would: the operator's work is done.
    """

    def lose(context: Any, result: Any) -> None:
        if context["ti"].try_number == number:
            raise RuntimeError("worker lost after TextioPro answered")

    return lose


def retried(dag_id: str, operator: type, retries: int, **kwargs: Any) -> DAG:
    """Return a DAG of one task, ``operator(**kwargs)``, retried at once ``retries`` times."""
    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        operator(retries=retries, retry_delay=datetime.timedelta(0), **kwargs)
    return dag


retries_dag = retried(
    "textiopro_send_retries",
    TextioProSendMessageOperator,
    5,
    task_id="send",
    recipients=RECIPIENTS,
    message="Maintenance tonight from 22:00",
    sender_id="Ops",
    post_execute=lose_try(2),
)
lost_send_dag = retried(
    "textiopro_lost_worker_send",
    TextioProSendMessageOperator,
    2,
    task_id="send",
    recipients=["+31612345001", "+31612345002"],
    message="Your parcel arrives today",
    sender_id="Ops",
    post_execute=lose_try(1),
)
lost_campaign_dag = retried(
    "textiopro_lost_worker_campaign",
    TextioProSendCampaignOperator,
    2,
    task_id="campaign",
    contact_list_ids="{{ dag_run.conf['group_uid'] }}",
    message="Spring sale",
    sender_id="Shop",
    post_execute=lose_try(1),
)
