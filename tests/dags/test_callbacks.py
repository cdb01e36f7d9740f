"""dag.test(): TextioProNotifier texts as a task's retry and success callback and a DAG's failure callback."""

from __future__ import annotations

import pytest

from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from tests.dags.dag_runner import load_dags, run_dag, use_dag_files

pytestmark = [pytest.mark.dags, pytest.mark.integration]

DAG_FILE = "textiopro_callbacks.py"
ON_RETRY, ON_SUCCESS, ON_DAG_FAILURE = "447700900101", "447700900102", "447700900103"  # as in DAG_FILE


def texts_by_recipient(conn_id: str) -> dict[str, list[str]]:
    """Return the texts the sandbox received, by recipient."""
    texts: dict[str, list[str]] = {}
    for message in TextioProHook(textiopro_conn_id=conn_id).list_messages():
        texts.setdefault(message.to, []).append(str(message.message))
    return texts


def assert_alerts_went_out(text: str) -> None:
    assert "Could not render" not in text
    assert "could not be sent" not in text
    assert "not sent to" not in text


def test_task_retry_and_success_callbacks_text_their_alerts(monkeypatch, textiopro_conn, logged):
    use_dag_files(monkeypatch)
    dags = load_dags(DAG_FILE)

    dag_run = run_dag(dags["textiopro_task_callbacks"], dags)

    assert dag_run.state == "success"
    (ti,) = dag_run.get_task_instances()
    assert ti.try_number == 2
    texts = texts_by_recipient(textiopro_conn)
    assert sorted(texts) == [ON_RETRY, ON_SUCCESS]
    (retry,) = texts[ON_RETRY]
    assert retry.startswith(
        f"Airflow: textiopro_task_callbacks.flaky up_for_retry (try 1) run {dag_run.run_id}: "
        "RuntimeError: the export is not ready yet http"
    )
    (success,) = texts[ON_SUCCESS]
    assert success.startswith(
        f"Airflow: textiopro_task_callbacks.flaky success (try 2) run {dag_run.run_id} http"
    )
    assert_alerts_went_out(logged())


def test_dag_failure_callback_texts_its_alert(monkeypatch, textiopro_conn, logged):
    use_dag_files(monkeypatch)
    dags = load_dags(DAG_FILE)

    dag_run = run_dag(dags["textiopro_dag_failure_callback"], dags)

    assert dag_run.state == "failed"
    texts = texts_by_recipient(textiopro_conn)
    assert list(texts) == [ON_DAG_FAILURE]
    (alert,) = texts[ON_DAG_FAILURE]
    assert alert.startswith(
        f"Airflow: textiopro_dag_failure_callback.broken failed (try 1) run {dag_run.run_id}: "
        "task_failure http"
    )
    assert_alerts_went_out(logged())
