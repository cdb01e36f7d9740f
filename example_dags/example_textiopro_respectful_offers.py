r"""Respectful offers: a personal text per customer, sent in their local daytime, never to opt-outs.

Each customer row (here from the Airflow Variable ``textiopro_example_subscribers``, with first
names; in production a SQL query or an upstream task) gets its own text through ``{FIRST_NAME}``
tags: customers whose texts are the same share requests, so thousands of rows take a few
requests. Numbers in the Variable ``textiopro_example_opt_outs`` are never texted; each gets a
``suppressed`` outcome (``suppress_unsubscribed_in=[group uids]`` skips a group's unsubscribed
contacts the same way). The
send window is each customer's local time (from their number): customers outside it are sent at
its next opening. The XCom keeps masked numbers only (``store_recipients="masked"``), and the
sensor follows the messages by uid.

**Who gets texted.** Nobody until you set ``textiopro_example_subscribers`` (comma-separated,
numbers you own). The window is the Variable ``textiopro_example_send_window`` (``HH:MM-HH:MM``,
09:00-21:00 without it; the demo sets the whole day so that it never waits). Set the
connection's extra ``dry_run`` to ``true`` to see the plan in the XCom without texting anyone.

Try it against the local sandbox (the demo's settings are in ``scripts/demo.env``)::

    textiopro-sandbox &
    export AIRFLOW_CONN_TEXTIOPRO_DEFAULT='textiopro://:sandbox-token@127.0.0.1:8085'
    export AIRFLOW_VAR_TEXTIOPRO_EXAMPLE_SUBSCRIBERS='+44 7700 900200,+44 7700 900206'
    airflow dags test example_textiopro_respectful_offers
"""

from __future__ import annotations

import itertools

import pendulum
from airflow.providers.common.compat.sdk import DAG, AirflowSkipException, Variable, task

from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator
from airflow_provider_textiopro.sensors.textiopro import TextioProMessageSensor

CUSTOMERS_VARIABLE = "textiopro_example_subscribers"
OPT_OUTS_VARIABLE = "textiopro_example_opt_outs"
WINDOW_VARIABLE = "textiopro_example_send_window"
FIRST_NAMES = ["Alex", None, "Robin"]  # a missing name takes the tag's default


def _listed(name: str) -> list[str]:
    """Return the comma-separated entries of an Airflow Variable (none when it is not set)."""
    # The default is positional: Airflow 2 calls it default_var, Airflow 3 default.
    return [entry.strip() for entry in Variable.get(name, "").split(",") if entry.strip()]


with DAG(
    dag_id="example_textiopro_respectful_offers",
    description="Personal texts in each customer's local daytime, never to those who opted out",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "textiopro"],
) as dag:

    @task
    def customers() -> list[dict[str, str | None]]:
        """Stand-in for a SQL query: one row per customer, the number under PHONE."""
        numbers = _listed(CUSTOMERS_VARIABLE)
        if not numbers:
            raise AirflowSkipException(
                f"Nobody texted: set the Airflow Variable {CUSTOMERS_VARIABLE} to the customers' numbers "
                "(comma-separated, numbers you own)."
            )
        return [
            {"PHONE": number, "FIRST_NAME": name}
            for number, name in zip(numbers, itertools.cycle(FIRST_NAMES))
        ]

    @task
    def opt_outs() -> list[str]:
        """Stand-in for your do-not-text list: numbers in any format."""
        return _listed(OPT_OUTS_VARIABLE)

    @task
    def send_window() -> list[str]:
        """Return the local window, e.g. ``["09:00", "21:00"]``, from the Variable."""
        return Variable.get(WINDOW_VARIABLE, "09:00-21:00").split("-")

    send_offer = TextioProSendMessageOperator(
        task_id="send_offer",
        recipients=customers(),
        message="Hi {FIRST_NAME|there}, 20% off this week with code SPRING20. Reply STOP to opt out.",
        sender_id="MyShop",
        send_window=send_window(),
        suppress=opt_outs(),
        store_recipients="masked",
    )

    TextioProMessageSensor(
        task_id="wait_for_delivery", message_uids=send_offer.output, poke_interval=1, timeout=10 * 60
    )
