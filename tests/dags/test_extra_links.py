"""dag.test(): the message link of a send task, failed before any send and sent, with no error logged."""

from __future__ import annotations

import logging

import pytest

from airflow_provider_textiopro.links import MESSAGE_URL_XCOM_KEY, TextioProMessageLink
from airflow_provider_textiopro.version_compat import AIRFLOW_V_3_0_PLUS
from tests.dags.dag_runner import load_dags, run_dag, use_dag_files

pytestmark = [pytest.mark.dags, pytest.mark.integration]


def link_xcom(dag_run) -> object:
    """Return what Airflow 3 stored for the UI when the task ended (the link's own XCom key)."""
    return dag_run.get_task_instance("send").xcom_pull(task_ids="send", key=TextioProMessageLink().xcom_key)


def test_a_send_that_failed_before_sending_logs_no_error_for_its_link(
    monkeypatch, textiopro_conn, caplog, capfd
):
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_links.py")

    with caplog.at_level(logging.INFO):
        dag_run = run_dag(dags["textiopro_link_failed_send"], dags)

    assert dag_run.state == "failed"
    # Airflow 3 logs through structlog to the process's output, Airflow 2.11 through logging.
    out, err = capfd.readouterr()
    logged = "\n".join((out, err, caplog.text))
    assert "more than max_segments=1" in logged  # the task's own error is in what was captured
    assert "XCom not found" not in logged
    if AIRFLOW_V_3_0_PLUS:
        assert link_xcom(dag_run) == ""


def test_a_send_keeps_its_link_to_the_message(monkeypatch, textiopro_conn, sandbox):
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_links.py")

    dag_run = run_dag(dags["textiopro_link_sent"], dags)

    assert dag_run.state == "success"
    url = dag_run.get_task_instance("send").xcom_pull(task_ids="send", key=MESSAGE_URL_XCOM_KEY)
    assert url.startswith(f"{sandbox.url}/reports/")
    if AIRFLOW_V_3_0_PLUS:
        assert link_xcom(dag_run) == url
