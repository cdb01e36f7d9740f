"""TextioProNotifier as a task's retry and success callback and as a DAG's failure callback.

Used by tests/dags/test_callbacks.py (the connection points at the sandbox). Each callback
texts its own number, so the test can tell the alerts apart; the DAG failure alert's number
comes from a template.
"""

from __future__ import annotations

import datetime
from typing import Any

from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_textiopro.notifications.textiopro import TextioProNotifier

START = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
ON_RETRY = "447700900101"
ON_SUCCESS = "447700900102"
ON_DAG_FAILURE = "447700900103"
NOTIFY_DAG_FAILURE = TextioProNotifier(recipients="{{ params.on_call }}")


@task(
    retries=1,
    retry_delay=datetime.timedelta(0),
    on_retry_callback=TextioProNotifier(recipients=ON_RETRY),
    on_success_callback=TextioProNotifier(recipients=ON_SUCCESS),
)
def flaky(**context: Any) -> None:
    """Fail on the first try only."""
    if context["ti"].try_number == 1:
        raise RuntimeError("the export is not ready yet")


@task
def broken() -> None:
    """Fail on every try."""
    raise RuntimeError("the export is missing")


with DAG("textiopro_task_callbacks", schedule=None, start_date=START, catchup=False) as task_callbacks:
    flaky()

with DAG(
    "textiopro_dag_failure_callback",
    schedule=None,
    start_date=START,
    catchup=False,
    params={"on_call": ON_DAG_FAILURE},
    on_failure_callback=NOTIFY_DAG_FAILURE,
) as dag_failure_callback:
    broken()
