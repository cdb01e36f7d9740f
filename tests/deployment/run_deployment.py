"""Run the example DAGs and faults in a real Airflow 3.3 deployment; count what the sandbox got.

Usage (scripts/deploy-test.sh runs it, in the 3.3 virtualenv, with textiopro_default pointing at a
running sandbox)::

    python tests/deployment/run_deployment.py --sandbox-url URL --work-dir DIR [--executor celery] DAG_ID ...

The DAG ids are the examples'. With the LocalExecutor (the default) the faults are a triggerer, a
task process and a scheduler killed; with ``--executor celery`` (PostgreSQL, a Redis broker and two
Celery workers of 4 slots) a fan-out of mapped sends at a rate-limited account that loses one
worker (:mod:`fan_out`). Prints one PASS or FAIL line per check, then ``N passed, N failed``;
exits 1 when a check failed (the two counts also go to ``counts`` in the work directory). Every
process it started is stopped by its id before it exits.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import requests
from deployment import (
    COMPONENTS,
    REPO_ROOT,
    TEST_DAGS,
    Database,
    Deployment,
    DeploymentError,
    Redis,
    celery_settings,
    load_test_dag_file,
    log,
    wait_for,
)
from fan_out import FanOut
from processes import ProcessTable, descendants
from sandbox_client import Sandbox, check_exactly_once, connected_to

SLOW_SEND = 8.0
"""Seconds the sandbox waits before answering, while a task process is killed mid-request."""
SLOW_SEND_SCHEDULER = 30.0
"""The same while the scheduler is killed: long enough for the new scheduler to find the running task
orphaned (its scheduler's heartbeat 10 s old), reset it and run it again while the first request is out."""
TRIGGERER_DOWN_SECONDS = 10.0
"""How long the killed triggerer stays down: longer than the scheduler takes to read executor events."""
CELERY_WORKERS = 2
WORKER_SLOTS = 4
"""Task slots of each Celery worker (``airflow celery worker --concurrency``)."""


def load_scenarios() -> dict[str, dict[str, tuple[list[str], str]]]:
    """Return the fault DAGs' recipients and texts, from their DAG file."""
    return load_test_dag_file("deploy_test_faults").SCENARIOS  # type: ignore[no-any-return]


def task_process_in_request(deployment: Deployment, sandbox: Sandbox, dag_id: str, run_id: str) -> int | None:
    """Return the pid of the run's task process while it waits for the sandbox's answer, else None."""
    deployment.processes.record()
    ti = deployment.task_instances(dag_id, run_id).get("send_message") or {}
    if ti.get("state") != "running" or not ti.get("pid"):
        return None
    for pid in [int(ti["pid"]), *descendants(int(ti["pid"]))]:
        if connected_to(pid, sandbox.port):
            return pid
    return None


class DeploymentTest:
    """The checks, run one after another against one deployment.

    :param workers: the Celery workers' process names (CeleryExecutor), none for the LocalExecutor.
    """

    def __init__(
        self,
        deployment: Deployment,
        sandbox: Sandbox,
        example_dag_ids: list[str],
        workers: Sequence[str] = (),
    ) -> None:
        self.deployment = deployment
        self.sandbox = sandbox
        self.example_dag_ids = example_dag_ids
        self.scenarios = load_scenarios()
        self.fan_out = FanOut(deployment, sandbox, workers) if workers else None
        self.results: list[tuple[str, bool, str]] = []

    def check(self, name: str, body: Callable[[], str]) -> bool:
        """Run one check, record and print its result; a failure does not stop the next checks."""
        started = time.monotonic()
        try:
            detail = body()
            passed = True
        except (DeploymentError, AssertionError, requests.RequestException) as error:
            detail, passed = str(error), False
        took = time.monotonic() - started
        self.results.append((name, passed, detail))
        log(f"{'PASS' if passed else 'FAIL'}  {name} ({took:.0f}s){': ' + detail if detail else ''}")
        return passed

    # The examples

    def run_examples(self) -> None:
        """Trigger each example (those scheduled on assets after the others) and check its run succeeded."""
        d = self.deployment
        asset_scheduled = [
            i for i in self.example_dag_ids if d.request("GET", f"dags/{i}/details").get("asset_expression")
        ]
        for batch in ([i for i in self.example_dag_ids if i not in asset_scheduled], asset_scheduled):
            runs = {}
            for dag_id in batch:
                d.set_paused(dag_id, False)
                runs[dag_id] = d.trigger(dag_id)
            for dag_id, run_id in runs.items():
                self.check(
                    f"example {dag_id} runs through the scheduler",
                    lambda dag_id=dag_id, run_id=run_id: self._succeeds(dag_id, run_id, 240),
                )
                d.set_paused(dag_id, True)
        self.check("each recipient got each example text once", self._examples_texted_once)

    def _succeeds(self, dag_id: str, run_id: str, timeout: float) -> str:
        state = self.deployment.wait_run(dag_id, run_id, timeout)
        if state != "success":
            raise DeploymentError(
                f"run {run_id} ended {state}: {self.deployment.failure_detail(dag_id, run_id)}"
            )
        return "success"

    def _examples_texted_once(self) -> str:
        counts = self.sandbox.texts()
        twice = {pair: n for pair, n in counts.items() if n > 1}
        if twice:
            raise DeploymentError(f"texted more than once: {twice}")
        if not counts:
            raise DeploymentError("the examples sent no message")
        per_text = Counter(text for _, text in counts)
        return f"{len(counts)} messages, " + "; ".join(f"{n} x {text[:40]!r}" for text, n in per_text.items())

    # The faults

    def triggerer_kill(self) -> str:
        """Kill the triggerer while a campaign wait and a message wait are deferred; a new one ends both."""
        d, dag_id = self.deployment, "deploy_test_triggerer_kill"
        d.set_paused(dag_id, False)
        run_id = d.trigger(dag_id)
        waits = ("wait_for_campaign", "wait_for_message")

        def both_deferred() -> bool | None:
            d.processes.record()
            tis = d.task_instances(dag_id, run_id)
            if any(tis[t]["state"] in ("failed", "upstream_failed", "success") for t in waits):
                raise DeploymentError(f"a wait ended before the kill: {d.failure_detail(dag_id, run_id)}")
            return True if all(tis[t]["state"] == "deferred" for t in waits) else None

        wait_for("both waits to be deferred", both_deferred, timeout=180, every=1)
        pid, orphans = d.processes.kill(d.current("triggerer"))
        log(f"SIGKILLed the triggerer (pid {pid}) with both waits deferred; orphans left: {orphans}")
        # Stay down until the scheduler has handled the deferring task processes' exit: a trigger
        # that fires before then re-queues its task while the executor's "success" for the
        # deferral is still unread, and Airflow 3.3 then fails the task ("finished with state
        # success, but the task instance's state attribute is queued"), a race in Airflow itself.
        time.sleep(TRIGGERER_DOWN_SECONDS)
        d.start("triggerer")
        # The campaign is scheduled an hour ahead: move the sandbox's clock past it.
        self.sandbox.control("POST", "clock", {"advance": 2 * 3600})
        self._succeeds(dag_id, run_id, 180)
        for recipients, text in self.scenarios[dag_id].values():
            check_exactly_once(self.sandbox, recipients, text)
        return "a new triggerer ended both waits; one message per recipient"

    def task_kill(self) -> str:
        """Kill the task process while its send request waits for the answer, clear the task: no duplicate."""
        d, dag_id = self.deployment, "deploy_test_task_kill"
        run_id = self._kill_mid_send(dag_id, self._kill_task_process, SLOW_SEND)
        wait_for(
            "the killed task to fail",
            lambda: True if d.task_instances(dag_id, run_id)["send_message"]["state"] == "failed" else None,
            timeout=90,
            every=1,
        )
        d.clear_task(dag_id, run_id, "send_message")
        log("cleared the killed task")
        return self._ends_with_one_send(dag_id, run_id)

    def scheduler_kill(self) -> str:
        """Kill the scheduler while a task's send waits for the answer, start a new one: no duplicate."""
        d, dag_id = self.deployment, "deploy_test_scheduler_kill"

        orphans: list[int] = []

        def kill_scheduler(_task_pid: int) -> None:
            pid, left = d.processes.kill(d.current("scheduler"))
            orphans.extend(left)
            log(f"SIGKILLed the scheduler (pid {pid}) mid-send; its executor workers live on: {left}")
            d.start("scheduler")

        run_id = self._kill_mid_send(dag_id, kill_scheduler, SLOW_SEND_SCHEDULER)
        # The new scheduler resets the orphaned task and runs it again (or the orphaned worker ends it
        # first). While the killed scheduler's orphans live, the new scheduler does not end the run
        # (seen for over 3 minutes; they were forked holding the killed scheduler's database
        # connections, and likely its row locks): stop them, as a service manager would.
        wait_for(
            "the send task to end",
            lambda: (
                d.task_instances(dag_id, run_id)["send_message"]["state"] in ("success", "failed") or None
            ),
            timeout=120,
            every=1,
        )
        d.processes.kill_pids(orphans)
        log(f"SIGKILLed the killed scheduler's orphans {orphans}")
        return self._ends_with_one_send(dag_id, run_id)

    def _kill_mid_send(self, dag_id: str, kill: Callable[[int], None], slow: float) -> str:
        """Slow the sandbox, trigger ``dag_id``, ``kill`` while its send waits; return the run id."""
        d = self.deployment
        self.sandbox.control("DELETE", "requests")
        self.sandbox.control("POST", "faults", {"slow": slow})
        d.set_paused(dag_id, False)
        run_id = d.trigger(dag_id)
        task_pid = wait_for(
            "the send request to be on its way",
            lambda: task_process_in_request(d, self.sandbox, dag_id, run_id),
            timeout=120,
            every=0.2,
        )
        time.sleep(1)  # the request is on the sandbox's side, waiting to be answered
        kill(task_pid)
        # The sandbox still handles the request it holds: the message goes out, unanswered.
        wait_for("the sandbox to handle the send", lambda: True if self.sandbox.sends() else None, slow + 30)
        self.sandbox.control("DELETE", "faults")
        return run_id

    def _kill_task_process(self, pid: int) -> None:
        self.deployment.processes.kill_pids([pid])
        log(f"SIGKILLed the task process (pid {pid}) mid-send")

    def _ends_with_one_send(self, dag_id: str, run_id: str) -> str:
        state = self.deployment.wait_run(dag_id, run_id, 180)
        recipients, text = self.scenarios[dag_id]["message"]
        check_exactly_once(self.sandbox, recipients, text)
        sends = self.sandbox.sends()
        if sends != 1:
            raise DeploymentError(f"{sends} send requests reached the sandbox, expected 1")
        ti = self.deployment.task_instances(dag_id, run_id)["send_message"]
        return (
            f"run ended {state}, the send task {ti['state']} on try {ti['try_number']}; "
            "one send request, one message per recipient"
        )

    def run(self) -> None:
        """Run every check: the examples, then the faults of the executor."""
        self.run_examples()
        if self.fan_out is not None:
            fan_out = self.fan_out
            self.check(
                "fan-out: SIGKILL a Celery worker's tree while its sends wait at the limit",
                fan_out.lose_a_worker,
            )
            self.check(
                "fan-out: the run succeeds, the lost tasks retried on the other worker", fan_out.run_succeeds
            )
            self.check(
                "fan-out: each of the 4,000 recipients got the text exactly once", fan_out.each_recipient_once
            )
            return
        self.check("SIGKILL the triggerer during two deferred waits", self.triggerer_kill)
        self.check("SIGKILL the task process mid-send, clear it", self.task_kill)
        self.check("SIGKILL the scheduler mid-send", self.scheduler_kill)


def start_workers(deployment: Deployment) -> list[str]:
    """Start the Celery workers, each with its own slots and hostname; return their process names."""
    workers = []
    for _ in range(CELERY_WORKERS):
        deployment.start("worker", "--concurrency", str(WORKER_SLOTS))
        workers.append(deployment.current("worker"))
    return workers


def main(argv: Sequence[str] | None = None) -> int:
    """Set the deployment up, run the checks, stop everything it started; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox-url", required=True)
    parser.add_argument("--work-dir", required=True, type=Path)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--executor", choices=("local", "celery"), default="local")
    parser.add_argument("dag_ids", nargs="+", metavar="DAG_ID")
    args = parser.parse_args(argv)

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    shutil.rmtree(args.work_dir, ignore_errors=True)
    args.work_dir.mkdir(parents=True)
    processes = ProcessTable()
    test: DeploymentTest | None = None
    setup_error = ""
    started = time.monotonic()
    executor = "CeleryExecutor" if args.executor == "celery" else "LocalExecutor"
    try:
        database = Database(args.work_dir, processes)
        database.start(args.database)
        log(f"metadata database: {database.kind}; executor: {executor}")
        settings = {}
        if args.executor == "celery":
            redis = Redis(args.work_dir, processes)
            redis.start()
            log(f"Redis broker on {redis.url}")
            settings = celery_settings(redis.url, database.url)
        deployment = Deployment(
            args.work_dir,
            processes,
            database.url,
            {"examples": REPO_ROOT / "example_dags", "deploy_test": TEST_DAGS},
            settings,
        )
        deployment.airflow("db", "migrate")
        log("migrated the metadata database")
        for component in COMPONENTS:
            deployment.start(component)
        workers = start_workers(deployment) if args.executor == "celery" else []
        deployment.wait_healthy(timeout=180)
        log(f"components healthy; api-server on {deployment.api}")
        for worker in workers:
            deployment.wait_worker(worker, timeout=120)
        test = DeploymentTest(deployment, Sandbox(args.sandbox_url), list(args.dag_ids), workers)
        own_dags = [test.fan_out.dag_id] if test.fan_out else list(test.scenarios)
        deployment.wait_dags([*args.dag_ids, *own_dags], timeout=180)
        test.run()
    except (DeploymentError, OSError, requests.RequestException) as error:
        setup_error = str(error)
        log(f"FAIL  set-up: {error}")
    finally:
        killed = processes.stop_all(last=("postgres", "redis"))
        left = processes.alive()
        log(f"stopped every process the test started{f' (SIGKILLed {killed})' if killed else ''}")
        if left:
            log(f"FAIL  processes still running: {left}")
    stopped = ("every process the test started is stopped (signalled by pid only)", not left, "")
    results = [*(test.results if test else []), stopped]
    failed = sum(not passed for _, passed, _ in results) + bool(setup_error)
    verdict = "FAIL" if failed else "PASS"
    print(f"\ndeployment test ({executor}): {verdict} in {time.monotonic() - started:.0f}s")
    for name, passed, _ in results:
        print(f"  {'PASS' if passed else 'FAIL'}  {name}")
    passed = len(results) - sum(not p for _, p, _ in results)
    (args.work_dir / "counts").write_text(f"{passed} {failed}\n")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
