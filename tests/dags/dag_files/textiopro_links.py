"""A send that fails before it sends (too many segments), and one that succeeds, each with its extra link.

Used by tests/dags/test_extra_links.py (the connection points at the sandbox).
"""

from __future__ import annotations

import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator

START = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)

with DAG("textiopro_link_failed_send", schedule=None, start_date=START, catchup=False) as failed:
    TextioProSendMessageOperator(
        task_id="send",
        recipients=["+31612340001"],
        message="A text far too long for one SMS segment. " * 10,
        sender_id="Ops",
        max_segments=1,
    )

with DAG("textiopro_link_sent", schedule=None, start_date=START, catchup=False) as sent:
    TextioProSendMessageOperator(
        task_id="send", recipients=["+31612340002"], message="Maintenance tonight", sender_id="Ops"
    )
