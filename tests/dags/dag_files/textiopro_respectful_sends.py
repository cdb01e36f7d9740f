"""Personal texts, send windows, opt-outs, dry runs and private data, each in a DAG.

Used by tests/dags/test_respectful_sends.py; the run's conf gives the recipients and options.
"""

from __future__ import annotations

import datetime

from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator
from airflow_provider_textiopro.sensors.textiopro import TextioProMessageSensor

START = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
NAMES = ("Jo", "Al", None)


with DAG("textiopro_personal_texts", schedule=None, start_date=START, catchup=False) as personal:

    @task
    def customers() -> list[dict[str, object]]:
        """10,000 rows whose names make 3 distinct texts (a missing name takes the default)."""
        return [
            {"PHONE": f"+31 6 1{index:07d}", "FIRST_NAME": NAMES[index % 3], "SHOP": "Acme"}
            for index in range(10_000)
        ]

    TextioProSendMessageOperator(
        task_id="send",
        recipients=customers(),
        message="Hi {FIRST_NAME|there}, {SHOP} opens at {OPENS}.",
        tag_defaults={"OPENS": "nine"},
        max_concurrent_requests=16,
    )


with DAG(
    "textiopro_respectful_send",
    schedule=None,
    start_date=START,
    catchup=False,
    render_template_as_native_obj=True,
) as respectful:
    TextioProSendMessageOperator(
        task_id="send",
        recipients="{{ dag_run.conf['recipients'] }}",
        message="Hi {FIRST_NAME|there}, our sale starts today.",
        send_window="{{ dag_run.conf.get('send_window') }}",
        suppress="{{ dag_run.conf.get('suppress') }}",
        suppress_unsubscribed_in="{{ dag_run.conf.get('groups') }}",
        on_invalid="skip",
    )


with DAG("textiopro_private_send", schedule=None, start_date=START, catchup=False) as private:
    code = TextioProSendMessageOperator(
        task_id="code",
        recipients=["+31 6 1234 5678"],
        message="Your login code is 482913",
        sender_id="Acme",
        type="otp",
    )
    masked = TextioProSendMessageOperator(
        task_id="masked",
        recipients=["+31 6 1234 5677", "+31 6 1234 5676"],
        message="Your parcel is on its way.",
        store_recipients="masked",
    )
    (
        code
        >> masked
        >> TextioProMessageSensor(task_id="wait", message_uids=masked.output, poke_interval=0.2, timeout=60)
    )
