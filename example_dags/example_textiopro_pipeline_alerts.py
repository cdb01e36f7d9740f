"""Pipeline alerts: an SMS when a task fails, and an SMS alert (checked delivered) above a threshold.

A small payments pipeline runs every hour. Two kinds of alert:

* **Failure alerts.** ``TextioProNotifier`` is every task's ``on_failure_callback`` (through
  ``default_args``): when a task fails for good, the on-call numbers get an SMS saying which
  task failed, on which try, the error's first line and the log URL. Trigger the DAG with
  ``{"fail": true}`` to see one.
* **Threshold alerts.** When the share of failed payments goes over ``max_failed_share``,
  ``TextioProSendMessageOperator`` texts the on-call numbers and ``TextioProMessageSensor``
  waits (deferred, without holding a worker slot) until every SMS is delivered, so a
  message that cannot reach anyone fails the run instead of going unnoticed.

**Who gets texted.** Only the numbers in the Airflow Variable ``textiopro_example_on_call``
(comma-separated; set it to your team's numbers). Without it the DAG texts no one: the alert
task skips, saying so in its log, and a failure alert logs that it had no recipient. Unpausing
the DAG starts a run at once (Airflow creates the latest hourly run even with ``catchup=False``),
so set the Variable before you unpause it, and only to numbers you own.

Try it against the local sandbox (the demo's settings are in ``scripts/demo.env``)::

    textiopro-sandbox &
    export AIRFLOW_CONN_TEXTIOPRO_DEFAULT='textiopro://:sandbox-token@127.0.0.1:8085'
    export AIRFLOW_VAR_TEXTIOPRO_EXAMPLE_ON_CALL='+44 7700 900100,+44 7700 900106'
    airflow dags test example_textiopro_pipeline_alerts
    airflow dags test example_textiopro_pipeline_alerts -c '{"fail": true}'
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.providers.common.compat.sdk import DAG, AirflowSkipException, Param, Variable, task

from airflow_provider_textiopro.notifications.textiopro import TextioProNotifier
from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator
from airflow_provider_textiopro.sensors.textiopro import TextioProMessageSensor

# The on-call numbers, comma-separated, from an Airflow Variable: nothing real is texted until you
# set it. Templated, so the Variable is read when a task runs, not when the file is parsed.
ON_CALL_VARIABLE = "textiopro_example_on_call"
ON_CALL = "{{ var.value.get('textiopro_example_on_call', '') }}"

with DAG(
    dag_id="example_textiopro_pipeline_alerts",
    description="Payments pipeline with SMS alerts on task failure and on a failed-payments threshold",
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    params={
        "fail": Param(False, type="boolean", description="Make the extract fail, to see the failure SMS."),
        "max_failed_share": Param(
            0.05,
            type="number",
            minimum=0,
            maximum=1,
            description="Alert above this share of failed payments.",
        ),
    },
    # A notifier is a callable, so it goes wherever Airflow takes a callback. In default_args it
    # applies to every task; it never raises, so a failed alert never hides the task's own error.
    default_args={"on_failure_callback": TextioProNotifier(recipients=ON_CALL, sender_id="Airflow")},
    tags=["example", "textiopro"],
) as dag:

    @task
    def extract_payments(**context: Any) -> list[dict[str, Any]]:
        """Return the last hour's payments (a stand-in for a query against your payments system)."""
        if context["params"]["fail"]:
            raise RuntimeError("The payments export is missing (run with fail=true).")
        return [{"payment_id": i, "status": "failed" if i % 9 == 0 else "paid"} for i in range(1, 101)]

    @task
    def failed_share(payments: list[dict[str, Any]]) -> float:
        """Return the share of failed payments."""
        return sum(payment["status"] == "failed" for payment in payments) / len(payments)

    @task
    def check_threshold(share: float, **context: Any) -> str:
        """Return the alert text when the share is over the limit; skip the alert otherwise."""
        limit = context["params"]["max_failed_share"]
        if share <= limit:
            # Skipping this task skips the send and the wait below: no SMS when all is well.
            raise AirflowSkipException(f"{share:.1%} of payments failed, within the {limit:.1%} limit.")
        alert = f"Payments alert: {share:.1%} of the last hour's payments failed (limit {limit:.1%})."
        # The default is positional: Airflow 2 calls it default_var, Airflow 3 default.
        if not Variable.get(ON_CALL_VARIABLE, "").strip():
            raise AirflowSkipException(
                f"No SMS sent: set the Airflow Variable {ON_CALL_VARIABLE} to the on-call numbers "
                f"(comma-separated) to be texted. The alert would have been: {alert}"
            )
        return alert

    alert_text = check_threshold(failed_share(extract_payments()))

    # Recipients are normalised and checked, the text's SMS segments counted, before anything is
    # sent. max_segments guards against a runaway template turning into a 10-part SMS.
    send_alert = TextioProSendMessageOperator(
        task_id="send_alert",
        recipients=ON_CALL,
        message=alert_text,
        sender_id="Payments",
        max_segments=2,
    )

    # The sensor takes the send operator's result as it is (its "uids"). Deferred, it waits in the
    # triggerer; it fails, naming the recipients, if a message ends undelivered.
    wait_for_delivery = TextioProMessageSensor(
        task_id="wait_for_delivery",
        message_uids=send_alert.output,
        deferrable=True,
        poke_interval=5,
        timeout=15 * 60,
    )

if __name__ == "__main__":
    dag.test()
