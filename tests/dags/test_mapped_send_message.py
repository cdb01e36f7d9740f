"""dag.test(): the send-message operator mapped over recipient batches, then the message sensor."""

from __future__ import annotations

import re

import pytest

from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from tests.dags.dag_runner import load_dags, run_dag, use_dag_files

pytestmark = [pytest.mark.dags, pytest.mark.integration]


def test_mapped_send_then_wait(monkeypatch, textiopro_conn, sandbox):
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_mapped_send.py")

    dag_run = run_dag(dags["textiopro_mapped_send"], dags)

    assert dag_run.state == "success"
    tis = {(ti.task_id, ti.map_index): ti for ti in dag_run.get_task_instances()}
    assert sorted(tis) == [("on_call_batches", -1), ("send", 0), ("send", 1), ("wait", -1)]
    assert all(ti.state == "success" for ti in tis.values())
    results = [tis[("send", index)].xcom_pull(task_ids="send", map_indexes=index) for index in (0, 1)]
    assert [r["accepted"] for r in results] == [2, 1]
    assert results[0]["invalid"] == [
        {"recipient": "not a number", "reason": results[0]["invalid"][0]["reason"]}
    ]
    sent = {m.uid: m for m in TextioProHook(textiopro_conn).list_messages()}
    assert sorted(sent) == sorted(results[0]["uids"] + results[1]["uids"])
    assert all(re.fullmatch(r"Load of \d{4}-\d{2}-\d{2} failed", m.message) for m in sent.values())
