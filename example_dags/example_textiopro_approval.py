"""Approval by SMS: text the approver, wait (deferred) for YES or NO, and branch on the answer.

Before the nightly payout run is released, the on-call approver gets an SMS: "Reply YES to
release it, NO to hold it". ``TextioProReplySensor`` waits in the triggerer, without holding
a worker slot, for a reply from that number to this very message (``after=`` the send's
result, so an old "YES" never counts). The branch then releases the payouts on YES, holds
them on NO, and escalates when no answer came in time (the sensor is skipped:
``soft_fail=True``).

Try it against the local sandbox, which answers for the fictional approver (``--auto-reply``)::

    textiopro-sandbox --auto-reply 900107=YES --auto-reply 900117=NO &
    export AIRFLOW_CONN_TEXTIOPRO_DEFAULT='textiopro://:sandbox-token@127.0.0.1:8085'
    airflow dags test example_textiopro_approval
    airflow dags test example_textiopro_approval -c '{"approver": "+44 7700 900117"}'
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.providers.common.compat.sdk import DAG, Param, task

from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator
from airflow_provider_textiopro.sensors.textiopro import TextioProReplySensor

# A fictional UK number (Ofcom's range for drama); the sandbox demo makes it reply YES.
APPROVER = "+44 7700 900107"

with DAG(
    dag_id="example_textiopro_approval",
    description="Release the payout run only when the approver replies YES by SMS",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    params={"approver": Param(APPROVER, type="string", description="Who approves the payout run.")},
    tags=["example", "textiopro"],
) as dag:
    ask = TextioProSendMessageOperator(
        task_id="ask_for_approval",
        recipients="{{ params.approver }}",
        message="Payout run {{ ds }} is ready. Reply YES to release it or NO to hold it.",
        sender_id="Payouts",
    )

    wait = TextioProReplySensor(
        task_id="wait_for_answer",
        numbers="{{ params.approver }}",
        keywords=["YES", "NO"],
        # Only replies to this message count: the wait starts at the send's message uid.
        after=ask.output,
        deferrable=True,
        poke_interval=5,
        timeout=30 * 60,
        # No answer in time: skip instead of failing, and let the branch escalate.
        soft_fail=True,
    )

    @task.branch(trigger_rule="all_done")
    def route(**context: Any) -> str:
        """Follow the approver's answer; no answer (the wait was skipped) escalates."""
        reply = context["ti"].xcom_pull(task_ids="wait_for_answer")
        if not reply:
            return "escalate"
        return {"YES": "release_payouts", "NO": "hold_payouts"}[reply["keyword"]]

    @task
    def release_payouts() -> str:
        """Release the payout run (a stand-in for the real job)."""
        return "released"

    @task
    def hold_payouts() -> str:
        """Hold the payout run until someone looks at it."""
        return "held"

    @task
    def escalate() -> str:
        """Nobody answered: page the next person in the rota."""
        return "escalated"

    ask >> wait >> route() >> [release_payouts(), hold_payouts(), escalate()]
