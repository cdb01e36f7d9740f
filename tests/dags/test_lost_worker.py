"""dag.test(): a worker lost after TextioPro answered a send or a campaign; its retry sends nothing again.

The first try of each task fails after the operator's work is done (its ``post_execute`` raises,
as a worker lost before the task is marked done), so Airflow retries it. Airflow 3.3 keeps what was
sent in the task state store; below 3.3 an Airflow Variable of the task instance does.
"""

from __future__ import annotations

from collections import Counter

import pytest

from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.utils.send_progress import VariableTaskStateStore
from tests.dags.dag_runner import load_dags, run_dag, use_dag_files
from tests.support.sandbox import post_statuses

pytestmark = [pytest.mark.dags, pytest.mark.integration]

RECIPIENTS = ["31612345001", "31612345002"]


def only_try(dag_run, task_id: str):
    (ti,) = [ti for ti in dag_run.get_task_instances() if ti.task_id == task_id]
    return ti


def task_state_variable(ti) -> list[str]:
    """Return the keys of the task state Variable of ``ti`` in Airflow's database (none or one)."""
    from airflow.models.variable import Variable
    from airflow.utils.session import create_session

    with create_session() as session:
        name = VariableTaskStateStore.for_task_instance(ti).name
        return [key for (key,) in session.query(Variable.key).filter(Variable.key == name)]


def assert_retried_and_forgotten(dag_run, task_id: str) -> None:
    """The run succeeded on its second try and left no task state Variable behind."""
    assert dag_run.state == "success"
    ti = only_try(dag_run, task_id)
    assert (ti.state, ti.try_number) == ("success", 2)
    assert task_state_variable(ti) == []


def test_a_send_retried_after_a_lost_worker_sends_each_recipient_one_message(
    monkeypatch, textiopro_conn, sandbox
):
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_send_retries.py")

    dag_run = run_dag(dags["textiopro_lost_worker_send"], dags)

    assert_retried_and_forgotten(dag_run, "send")
    assert post_statuses(sandbox, "/sms/send") == [200]
    sent = Counter(message.to for message in TextioProHook(textiopro_conn).list_messages())
    assert sent == Counter(RECIPIENTS)
    result = only_try(dag_run, "send").xcom_pull(task_ids="send")
    assert result["accepted"] == 2


def test_a_campaign_retried_after_a_lost_worker_is_sent_once(monkeypatch, textiopro_conn, sandbox):
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_send_retries.py")
    group_uid = TextioProHook(textiopro_conn).create_group("Lost worker").uid

    dag_run = run_dag(dags["textiopro_lost_worker_campaign"], dags, run_conf={"group_uid": group_uid})

    assert_retried_and_forgotten(dag_run, "campaign")
    assert post_statuses(sandbox, "/sms/campaign") == [200]
    [uid] = sandbox.state.accounts[sandbox.token].campaigns
    assert only_try(dag_run, "campaign").xcom_pull(task_ids="campaign") == uid
