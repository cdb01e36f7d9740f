"""A send to 250 recipients whose tries fail part way and after the send.

Used by tests/dags/test_send_message_retries.py (the connection points at the sandbox, which
rate-limits the first try's second request).
"""

from __future__ import annotations

import datetime
from typing import Any

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator

START = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
RECIPIENTS = [f"+3161234{i:04d}" for i in range(250)]


def lose_the_second_try(context: Any, result: Any) -> None:
    """Fail the try that finishes the send, as a worker lost before the task is marked done would."""
    if context["ti"].try_number == 2:
        raise RuntimeError("worker lost after the send")


with DAG("textiopro_send_retries", schedule=None, start_date=START, catchup=False) as dag:
    TextioProSendMessageOperator(
        task_id="send",
        recipients=RECIPIENTS,
        message="Maintenance tonight from 22:00",
        sender_id="Ops",
        retries=5,
        retry_delay=datetime.timedelta(0),
        post_execute=lose_the_second_try,
    )
