"""dag.test(): retries of a send never send anyone the message twice (task state, or a Variable below 3.3)."""

from __future__ import annotations

from collections import Counter
from unittest import mock

import pytest

from airflow_provider_textiopro.exceptions import TextioProRateLimitError
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from tests.dags.dag_runner import load_dags, run_dag, use_dag_files
from tests.support.sandbox import post_statuses, set_conn_extra

pytestmark = [pytest.mark.dags, pytest.mark.integration]


def test_each_recipient_gets_one_message_across_tries(monkeypatch, textiopro_conn, sandbox):
    set_conn_extra(monkeypatch, textiopro_conn, max_retries=0)
    sandbox.set_faults(rate_limit=1, rate_limit_style="429")
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_send_retries.py")
    send = TextioProHook.send_prepared

    def retried_after_the_limit(hook, *args, **kwargs):
        try:
            return send(hook, *args, **kwargs)
        except TextioProRateLimitError:
            sandbox.advance(60)
            raise

    with mock.patch.object(
        TextioProHook, "send_prepared", autospec=True, side_effect=retried_after_the_limit
    ):
        dag_run = run_dag(dags["textiopro_send_retries"], dags)

    assert dag_run.state == "success"
    (ti,) = dag_run.get_task_instances()
    assert ti.try_number == 3
    # Try 1: 100 sent, then rate limited. Try 2: the 150 others, then lost. Try 3: no request.
    assert post_statuses(sandbox, "/sms/send")[:2] == [200, 429]
    assert post_statuses(sandbox, "/sms/send").count(200) == 3
    sandbox.clear_faults()
    sent = Counter(message.to for message in TextioProHook(textiopro_conn).list_messages())
    assert len(sent) == 250
    assert set(sent.values()) == {1}
    result = ti.xcom_pull(task_ids="send")
    assert result["accepted"] == 250
    assert sorted(result["uids"]) == sorted(m.uid for m in TextioProHook(textiopro_conn).list_messages())
