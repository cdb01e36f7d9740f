"""The Celery deployment test's fan-out: mapped sends at one rate-limited account, one worker lost.

``deploy_test_fan_out`` (tests/deployment/dags/) sends to 4,000 recipients in 8 mapped tasks of
500, that is 40 requests of 100, while the sandbox allows the account :data:`RATE_LIMIT` requests
a minute: the tasks are answered ``Too Many Attempts.`` and wait. While every send task of one
Celery worker waits at the limit, that worker's whole process tree is SIGKILLed, as when its
machine is lost; Airflow finds its tasks without heartbeat and retries them on the other worker.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from deployment import Deployment, DeploymentError, load_test_dag_file, log, wait_for
from sandbox_client import Sandbox, check_exactly_once, sockets_to

RATE_LIMIT = 20
"""Requests a minute the sandbox allows the account: the fan-out's 40 requests need two minutes."""
RATE_LIMIT_RETRY = "at the account's rate limit"
"""In a task log's line of a request waiting at the limit: refused (``... was refused at the account's
rate limit (not processed); waiting 5.0 s ...``) or waiting its turn (``... waits 3.0 s for its turn at
the account's rate limit``)."""
SENT = "Sent "
"""Begins the log line of each answered request (``Sent 100 of 500 recipients.``)."""
RUN_TIMEOUT = 420.0
"""Seconds the fan-out run may take: waits at the limit, the lost tasks' heartbeat timeout, retries."""


class FanOut:
    """One run of the fan-out DAG, and the Celery worker it loses.

    :param deployment: a CeleryExecutor deployment whose ``workers`` run.
    :param sandbox: the sandbox behind ``textiopro_default``.
    :param workers: the process names of the Celery workers.
    """

    def __init__(self, deployment: Deployment, sandbox: Sandbox, workers: Sequence[str]) -> None:
        dag_file = load_test_dag_file("deploy_test_fan_out")
        self.deployment = deployment
        self.sandbox = sandbox
        self.workers = list(workers)
        self.dag_id: str = dag_file.FAN_OUT_DAG_ID
        self.task_id: str = dag_file.FAN_OUT_TASK_ID
        self.text: str = dag_file.FAN_OUT_TEXT
        self.recipients: list[str] = [n for numbers in dag_file.FAN_OUT_RECIPIENTS for n in numbers]
        self.run_id = ""
        self.lost: list[int] = []
        """The map indexes of the tasks that ran on the lost worker."""

    # The checks

    def lose_a_worker(self) -> str:
        """Trigger the fan-out at the rate limit; SIGKILL a worker's tree while all its sends wait."""
        d = self.deployment
        self.sandbox.control("POST", "faults", {"rate_limit": RATE_LIMIT})
        d.set_paused(self.dag_id, False)
        self.run_id = d.trigger(self.dag_id)
        worker, waiting = wait_for(
            "a worker whose running send tasks all wait at the rate limit",
            self._frozen_worker_waiting_at_limit,
            timeout=180,
            every=0.5,
        )
        pids = d.processes.kill_tree(worker)
        self.lost = waiting
        log(f"SIGKILLed {worker}'s process tree ({len(pids)} processes) while map indexes {waiting} waited")
        return (
            f"{worker}'s tree SIGKILLed while its send tasks (map indexes {waiting}) waited at the limit of "
            f"{RATE_LIMIT} requests a minute"
        )

    def run_succeeds(self) -> str:
        """Wait for the fan-out run to end; fail with each failed task's last error unless it succeeded."""
        if not self.run_id:
            raise DeploymentError("the fan-out run was not triggered")
        d = self.deployment
        try:
            state = d.wait_run(self.dag_id, self.run_id, RUN_TIMEOUT)
        finally:
            self.sandbox.control("DELETE", "faults")
        tis = self._task_instances()
        waits = sum(self._log(ti, attempt).count(RATE_LIMIT_RETRY) for ti in tis for attempt in _tries(ti))
        retried = {
            ti["map_index"]: f"{ti['state']} on try {ti['try_number']}"
            for ti in tis
            if ti["map_index"] in self.lost
        }
        if state != "success":
            failed = {
                ti["map_index"]: f"try {ti['try_number']}: {self._last_error(ti)}"
                for ti in tis
                if ti["state"] != "success"
            }
            raise DeploymentError(
                f"run {self.run_id} ended {state}; the lost worker's tasks: {retried}; failed: {failed}"
            )
        return (
            f"{len(tis)} sends succeeded after {waits} waits at the limit; the lost worker's tasks: {retried}"
        )

    def each_recipient_once(self) -> str:
        """Fail unless each of the fan-out's recipients has the text exactly once in the sandbox."""
        check_exactly_once(self.sandbox, self.recipients, self.text)
        return f"{len(self.recipients)} of {len(self.recipients)} recipients got the text once"

    # The moment to lose a worker

    def _frozen_worker_waiting_at_limit(self) -> tuple[str, list[int]] | None:
        """Freeze a worker whose running send tasks all wait at the limit; return it and their map indexes.

        Frozen, the worker is checked again: when a task has left its wait meanwhile, or a socket to
        the sandbox holds an answer not yet read (a request was on its way), it is thawed and None
        returned, so that the kill never lands while a request is out.
        """
        d = self.deployment
        candidate = self._worker_waiting_at_limit()
        if candidate is None:
            return None
        worker, _ = candidate
        frozen = d.processes.freeze(worker)
        time.sleep(1.0)  # the answer to a request that was on its way reaches the frozen socket
        in_flight = [
            pid for pid in frozen if any(s.unsent or s.unread for s in sockets_to(pid, self.sandbox.port))
        ]
        again = self._worker_waiting_at_limit()
        if in_flight or again is None or again[0] != worker:
            d.processes.thaw(worker)
            log(f"{worker} frozen mid-request (pids {in_flight}) or left its wait: thawed, trying again")
            return None
        return again

    def _worker_waiting_at_limit(self) -> tuple[str, list[int]] | None:
        """Return a worker whose running sends (one or more) all wait at the limit, and their map indexes."""
        d = self.deployment
        tis = self._task_instances()
        if any(ti["state"] in ("failed", "upstream_failed") for ti in tis):
            raise DeploymentError(
                f"a send task failed before the kill: {d.failure_detail(self.dag_id, self.run_id)}"
            )
        trees = {
            worker: set(d.processes.tree(worker)) for worker in self.workers if worker in d.processes.started
        }
        for worker, tree in trees.items():
            running = [
                ti for ti in tis if ti["state"] == "running" and ti.get("pid") and int(ti["pid"]) in tree
            ]
            waiting = [ti["map_index"] for ti in running if self._waits_at_limit(ti)]
            if waiting and len(waiting) == len(running):
                return worker, sorted(waiting)
        return None

    def _waits_at_limit(self, ti: dict[str, Any]) -> bool:
        """True when the task's last request line in its log is a wait at the account's rate limit."""
        lines = [
            line
            for line in self._log(ti, ti["try_number"]).splitlines()
            if RATE_LIMIT_RETRY in line or SENT in line
        ]
        return bool(lines) and RATE_LIMIT_RETRY in lines[-1]

    # Task instances and their logs

    def _task_instances(self) -> list[dict[str, Any]]:
        path = f"dags/{self.dag_id}/dagRuns/{self.run_id}/taskInstances/{self.task_id}/listMapped"
        return list(self.deployment.request("GET", path)["task_instances"])

    def _log(self, ti: dict[str, Any], attempt: int) -> str:
        path = (
            self.deployment.home
            / "logs"
            / f"dag_id={self.dag_id}"
            / f"run_id={self.run_id}"
            / f"task_id={self.task_id}"
            / f"map_index={ti['map_index']}"
            / f"attempt={attempt}.log"
        )
        try:
            return path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _last_error(self, ti: dict[str, Any]) -> str:
        """Return the exception that ended the task's last try, from its (JSON lines) log."""
        for line in reversed(self._log(ti, ti["try_number"]).splitlines()):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            details = record.get("error_detail") if isinstance(record, dict) else None
            if details:
                return "; ".join(f"{d.get('exc_type')}: {d.get('exc_value')}" for d in details)[:500]
        return "(no exception in its log)"


def _tries(ti: dict[str, Any]) -> range:
    return range(1, int(ti["try_number"]) + 1)
