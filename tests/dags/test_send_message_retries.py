"""dag.test(): retries of a send never send anyone the message twice (Airflow 3.3's task state)."""

from __future__ import annotations

import json
import os
from collections import Counter
from unittest import mock

import pytest
from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_3_PLUS
from dag_runner import load_dags, run_dag, use_dag_files

from airflow_provider_textiopro.errors import TextioProRateLimitError
from airflow_provider_textiopro.hooks.textiopro import TextioProHook

pytestmark = [
    pytest.mark.dags,
    pytest.mark.integration,
    pytest.mark.skipif(not AIRFLOW_V_3_3_PLUS, reason="the task state store arrived in Airflow 3.3"),
]


def send_statuses(sandbox) -> list[int]:
    return [r.status for r in sandbox.requests if r.method == "POST" and r.path.endswith("/sms/send")]


def test_each_recipient_gets_one_message_across_tries(monkeypatch, textiopro_conn, sandbox):
    name = f"AIRFLOW_CONN_{textiopro_conn.upper()}"
    connection = json.loads(os.environ[name])
    connection["extra"]["max_retries"] = 0
    monkeypatch.setenv(name, json.dumps(connection))
    sandbox.set_faults(rate_limit=1, rate_limit_style="429")
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_send_retries.py")
    send = TextioProHook.send_message

    def retried_after_the_limit(hook, *args, **kwargs):
        try:
            return send(hook, *args, **kwargs)
        except TextioProRateLimitError:
            sandbox.advance(60)
            raise

    with mock.patch.object(TextioProHook, "send_message", autospec=True, side_effect=retried_after_the_limit):
        dag_run = run_dag(dags["textiopro_send_retries"], dags)

    assert dag_run.state == "success"
    (ti,) = dag_run.get_task_instances()
    assert ti.try_number == 3
    # Try 1: 100 sent, then rate limited. Try 2: the 150 others, then lost. Try 3: no request.
    assert send_statuses(sandbox)[:2] == [200, 429]
    assert send_statuses(sandbox).count(200) == 3
    sandbox.clear_faults()
    sent = Counter(message.to for message in TextioProHook(textiopro_conn).list_messages())
    assert len(sent) == 250
    assert set(sent.values()) == {1}
    result = ti.xcom_pull(task_ids="send")
    assert result["accepted"] == 250
    assert sorted(result["uids"]) == sorted(m.uid for m in TextioProHook(textiopro_conn).list_messages())
