"""Send to batches of recipients with dynamic task mapping, then wait for every message.

Used by tests/dags/test_mapped_send_message.py.
"""

from __future__ import annotations

import datetime

from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator
from airflow_provider_textiopro.sensors.textiopro import TextioProMessageSensor

START = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)

with DAG("textiopro_mapped_send", schedule=None, start_date=START, catchup=False) as dag:

    @task
    def on_call_batches() -> list[list[str]]:
        return [["+31 6 1234 0001", "+31 6 1234 0002", "not a number"], ["+44 7700 900000"]]

    send = TextioProSendMessageOperator.partial(
        task_id="send", message="Load of {{ ds }} failed", sender_id="Ops", on_invalid="skip"
    ).expand(recipients=on_call_batches())

    TextioProMessageSensor(task_id="wait", message_uids=send.output, poke_interval=0.2, timeout=60)
