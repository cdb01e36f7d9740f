"""dag.test(): the approval-by-SMS example waits (deferred) for YES or NO from the sandbox, and branches.

The sandbox answers sends itself (``auto_replies``): the YES approver replies YES, the NO
approver NO, anyone else nothing. Every run is checked task by task: the branch taken runs,
the two others are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.dags.example_runs import APPROVAL, run, task_states
from tests.support.sandbox import SANDBOX_TOKEN
from textiopro_sandbox import SandboxServer, run_sandbox

pytestmark = [pytest.mark.dags, pytest.mark.integration]

YES_APPROVER = "+44 7700 900107"
NO_APPROVER = "+44 7700 900117"
SILENT_APPROVER = "+44 7700 900100"
BRANCHES = ("release_payouts", "hold_payouts", "escalate")


@pytest.fixture(scope="module")
def answering_sandbox() -> Iterator[SandboxServer]:
    """A sandbox whose YES and NO approvers reply at once to every send."""
    with run_sandbox(
        port=0,
        tokens=(SANDBOX_TOKEN,),
        seed=77,
        delivery_delay=0.3,
        auto_replies={"900107": "Yes, go ahead", "900117": "no"},
        auto_reply_delay=0,
        quiet=True,
    ) as server:
        yield server


@pytest.fixture(params=["bearer", "api_token"])
def approval_conn(request, answering_sandbox, monkeypatch) -> str:
    """textiopro_default on the answering sandbox, reset, in each auth style."""
    answering_sandbox.reset()
    connection = {
        "conn_type": "textiopro",
        "host": answering_sandbox.url,
        "password": answering_sandbox.token,
        "extra": {"auth_style": request.param, "retry_wait_min": 0.01, "retry_wait_max": 0.1},
    }
    monkeypatch.setenv("AIRFLOW_CONN_TEXTIOPRO_DEFAULT", json.dumps(connection))
    return "textiopro_default"


def run_approval(dag_bag: Any, monkeypatch, approver: str, *, timeout: float | None = None) -> Any:
    """Run the example (parsed as the DAG processor does) for ``approver``; a short wait with ``timeout``."""
    wait = dag_bag.get_dag(APPROVAL).get_task("wait_for_answer")
    assert wait.deferrable
    if timeout is not None:
        monkeypatch.setattr(wait, "timeout", timeout)
        monkeypatch.setattr(wait, "poke_interval", 0.2)
    return run(dag_bag, APPROVAL, approver=approver)


def taken(dag_run: Any) -> dict[str, str]:
    states = task_states(dag_run)
    assert dag_run.state == "success", states
    assert states["ask_for_approval"] == "success", states
    assert states["route"] == "success", states
    return {task_id: states[task_id] for task_id in BRANCHES}


def reply_of(dag_run: Any) -> Any:
    return dag_run.get_task_instance("route").xcom_pull(task_ids="wait_for_answer")


def test_yes_releases_the_payouts(dag_bag, monkeypatch, approval_conn):
    dag_run = run_approval(dag_bag, monkeypatch, YES_APPROVER)

    assert taken(dag_run) == {"release_payouts": "success", "hold_payouts": "skipped", "escalate": "skipped"}
    reply = reply_of(dag_run)
    assert (reply["number"], reply["keyword"], reply["text"]) == ("447700900107", "YES", "Yes, go ahead")


def test_no_holds_the_payouts(dag_bag, monkeypatch, approval_conn):
    dag_run = run_approval(dag_bag, monkeypatch, NO_APPROVER)

    assert taken(dag_run) == {"release_payouts": "skipped", "hold_payouts": "success", "escalate": "skipped"}
    assert reply_of(dag_run)["keyword"] == "NO"


def test_no_answer_escalates(dag_bag, monkeypatch, approval_conn):
    dag_run = run_approval(dag_bag, monkeypatch, SILENT_APPROVER, timeout=1)

    assert task_states(dag_run)["wait_for_answer"] == "skipped"
    assert taken(dag_run) == {"release_payouts": "skipped", "hold_payouts": "skipped", "escalate": "success"}


def test_a_yes_sent_before_the_wait_is_ignored(dag_bag, monkeypatch, approval_conn, answering_sandbox):
    answer = requests.post(
        f"{answering_sandbox.url}/_sandbox/inbound",
        json={"from": SILENT_APPROVER, "message": "YES"},
        timeout=5,
    )
    answer.raise_for_status()

    dag_run = run_approval(dag_bag, monkeypatch, SILENT_APPROVER, timeout=1)

    assert taken(dag_run)["escalate"] == "success"
    assert reply_of(dag_run) is None
