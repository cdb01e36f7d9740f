"""The Celery deployment test's fan-out: 8 mapped sends of 500 recipients each, to one account.

Each mapped task texts 500 numbers of a range of its own (Ofcom's ranges for drama, which the
sandbox delivers), so that the test can count, from the sandbox, that each of the 4,000 got the
text exactly once. Retries are Airflow's: a task lost with its worker runs again on another one.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.common.compat.sdk import DAG

from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator

FAN_OUT_DAG_ID = "deploy_test_fan_out"
FAN_OUT_TEXT = "Deploy test: one of 4,000 recipients of a fan-out."
FAN_OUT_TASK_ID = "send_message"
RECIPIENTS_PER_TASK = 500
_RANGES = (
    "+44 20 7946 0",
    "+44 113 496 0",
    "+44 114 496 0",
    "+44 115 496 0",
    "+44 116 496 0",
    "+44 117 496 0",
    "+44 118 496 0",
    "+44 121 496 0",
)
FAN_OUT_RECIPIENTS = [[f"{prefix}{n:03d}" for n in range(RECIPIENTS_PER_TASK)] for prefix in _RANGES]
"""The recipients of each mapped task, in map index order."""

with DAG(
    dag_id=FAN_OUT_DAG_ID,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    schedule=None,
    catchup=False,
    max_active_tasks=len(FAN_OUT_RECIPIENTS),
):
    TextioProSendMessageOperator.partial(
        task_id=FAN_OUT_TASK_ID,
        message=FAN_OUT_TEXT,
        sender_id="DeployTest",
        retries=2,
        retry_delay=timedelta(seconds=5),
    ).expand(recipients=FAN_OUT_RECIPIENTS)
