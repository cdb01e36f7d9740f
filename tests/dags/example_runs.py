"""Run the example DAGs with ``dag.test()``, and read what their runs left in Airflow's database.

:func:`run_examples` runs every example DAG once, in the demo's order, against a sandbox of its
own (the ``example_runs`` fixture of tests/dags/conftest.py shares those runs between test
modules). The other helpers read one run: its task states and XComs, the asset events it queued,
and every place where a secret could end up (XComs, rendered template fields, task logs).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import shlex
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pytest
import requests

from airflow_provider_textiopro.hooks._internal.redaction import token_forms
from airflow_provider_textiopro.version_compat import AIRFLOW_V_3_0_PLUS
from tests.dags.dag_runner import run_dag
from tests.support.warehouse import use_sqlite
from textiopro_sandbox import SandboxServer, run_sandbox

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_DAGS = ROOT / "example_dags"
DEMO_SUMMARY = ROOT / "scripts" / "demo_summary.py"
APPROVAL = "example_textiopro_approval"
DEMO_SETTINGS = ROOT / "scripts" / "demo.env"
ALERTS = "example_textiopro_pipeline_alerts"
RESPECTFUL = "example_textiopro_respectful_offers"
MARKETING = "example_textiopro_scheduled_marketing"
SYNC = "example_textiopro_warehouse_sync"
CAMPAIGN = "example_textiopro_warehouse_campaign"
# scripts/demo.sh runs the DAGs in file order, which is this order.
DEMO_ORDER = (APPROVAL, ALERTS, RESPECTFUL, MARKETING, SYNC, CAMPAIGN)
# scripts/demo.env's setting (not a Variable) of the sandbox's automatic replies, "ENDING=TEXT ...".
AUTO_REPLIES_SETTING = "TEXTIOPRO_SANDBOX_AUTO_REPLIES"
WAREHOUSE_CONN_ID = "textiopro_example_warehouse"
EXAMPLES_TOKEN = "7|example-runs-token"
CONN_ID = "textiopro_default"


def load_dag_bag() -> Any:
    """Parse example_dags/ as the DAG processor does."""
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2
        from airflow.models.dagbag import DagBag

        return DagBag(dag_folder=str(EXAMPLE_DAGS), include_examples=False)
    return DagBag(dag_folder=str(EXAMPLE_DAGS))


def run(dag_bag: Any, dag_id: str, **conf: Any) -> Any:
    """Run an example DAG with ``dag.test()`` and ``conf`` as its params; return its DagRun."""
    return run_dag(dag_bag.get_dag(dag_id), dag_bag.dags, run_conf=conf or None)


def task_states(dag_run: Any) -> dict[str, str]:
    return {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in dag_run.get_task_instances()}


def assert_success(dag_run: Any) -> None:
    states = task_states(dag_run)
    assert dag_run.state == "success", f"{dag_run.dag_id} ended {dag_run.state}: {states}"
    assert set(states.values()) == {"success"}, states


def xcom(dag_run: Any, task_id: str) -> Any:
    return dag_run.get_task_instance(task_id).xcom_pull(task_ids=task_id)


def use_textiopro(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, auth_style: str = "bearer") -> str:
    """Point ``textiopro_default`` at ``sandbox`` in ``auth_style``; return the conn id."""
    connection = {
        "conn_type": "textiopro",
        "host": sandbox.url,
        "password": sandbox.token,
        "extra": {"auth_style": auth_style, "timeout": 10, "retry_wait_min": 0.01, "retry_wait_max": 0.1},
    }
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps(connection))
    return CONN_ID


def _demo_env() -> dict[str, str]:
    """Return every setting of scripts/demo.env (``NAME="value"`` lines)."""
    settings = {}
    for line in DEMO_SETTINGS.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            settings[name.strip()] = shlex.split(value)[0]
    return settings


def demo_settings() -> dict[str, str]:
    """Return the Airflow Variables scripts/demo.env sets (``AIRFLOW_VAR_*``), as demo.sh exports them."""
    return {name: value for name, value in _demo_env().items() if name.startswith("AIRFLOW_VAR_")}


def demo_auto_replies() -> dict[str, str]:
    """Return the sandbox's automatic replies of scripts/demo.env, as demo.sh passes them (``--auto-reply``).

    ``{number ending: reply text}``, the ``auto_replies`` of :func:`run_sandbox`: the approval
    example's approver answers YES.
    """
    items = _demo_env()[AUTO_REPLIES_SETTING].split()
    return dict(item.split("=", 1) for item in items)


# The sandbox answers the approval example's approver, as scripts/demo.sh makes it do.
AUTO_REPLIES = demo_auto_replies()


def use_demo_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Set the examples' Variables (the numbers they text) as scripts/demo.sh does."""
    for name, value in demo_settings().items():
        monkeypatch.setenv(name, value)


def unpause(monkeypatch: pytest.MonkeyPatch, dag_ids: set[str]) -> None:
    """Unpause ``dag_ids`` and the DAGs created from now on, so that asset events can queue runs."""
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session

    monkeypatch.setenv("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "False")
    with create_session() as session:
        session.query(DagModel).filter(DagModel.dag_id.in_(dag_ids)).update(
            {DagModel.is_paused: False}, synchronize_session=False
        )


def _queue_model() -> Any:
    if AIRFLOW_V_3_0_PLUS:
        from airflow.models.asset import AssetDagRunQueue

        return AssetDagRunQueue
    from airflow.models.dataset import DatasetDagRunQueue

    return DatasetDagRunQueue


def clear_queue(target_dag_id: str) -> None:
    """Delete the asset-triggered runs queued for ``target_dag_id``."""
    from airflow.utils.session import create_session

    queue = _queue_model()
    with create_session() as session:
        session.query(queue).filter(queue.target_dag_id == target_dag_id).delete()


def queued_assets(target_dag_id: str) -> list[str]:
    """Return the URIs of the asset events that queued a run of ``target_dag_id``.

    These are the rows the scheduler turns into an asset-triggered run.
    """
    from airflow.utils.session import create_session

    queue = _queue_model()
    with create_session() as session:
        rows = session.query(queue).filter(queue.target_dag_id == target_dag_id)
        return sorted((row.asset if AIRFLOW_V_3_0_PLUS else row.dataset).uri for row in rows)


def scheduler_creates_run(dag: Any) -> bool:
    """Whether the scheduler's next loop would create an asset-triggered run of ``dag``.

    Asks ``DagModel.dags_needing_dagruns``, the query the scheduler runs, then rolls back what it
    changed (it may delete stale queue rows). That query evaluates the DAG's schedule on its
    serialized form; ``dag.test()`` on Airflow 2.11 stores none (3.x does), and without one the
    query leaves the DAG in unchecked, so the DAG is parsed again and serialized first, as the DAG
    processor does: Airflow 2.11 expands a schedule's alias into the datasets it has at parse time,
    so a DAG parsed before the alias's first event would never see it.
    """
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session

    if not AIRFLOW_V_3_0_PLUS:
        from airflow.models.dagbag import DagBag
        from airflow.models.serialized_dag import SerializedDagModel

        SerializedDagModel.write_dag(DagBag(dag.fileloc, include_examples=False).get_dag(dag.dag_id))
    with create_session() as session:
        _, triggered = DagModel.dags_needing_dagruns(session)
        session.rollback()
    return dag.dag_id in triggered


def _stored_xcoms(dag_run: Any) -> dict[str, str]:
    """The run's XComs as stored (before deserialization), as text by ``task_id.key``."""
    from airflow.utils.session import create_session
    from sqlalchemy import select

    try:
        from airflow.models.xcom import XComModel as XCom
    except ImportError:  # Airflow 2
        from airflow.models.xcom import XCom  # type: ignore[no-redef]

    with create_session() as session:
        rows = session.execute(
            select(XCom.task_id, XCom.key, XCom.value).where(
                XCom.dag_id == dag_run.dag_id, XCom.run_id == dag_run.run_id
            )
        )
        return {
            f"XCom {task_id}.{key}": value.decode(errors="replace")
            if isinstance(value, bytes)
            else json.dumps(value, default=str, ensure_ascii=False)
            for task_id, key, value in rows
        }


def rendered_fields(dag_run: Any) -> dict[str, str]:
    """The run's rendered template fields, as Airflow stores them for the UI, as text by task id."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields as Rendered
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(Rendered.task_id, Rendered.rendered_fields, Rendered.k8s_pod_yaml).where(
                Rendered.dag_id == dag_run.dag_id, Rendered.run_id == dag_run.run_id
            )
        )
        return {
            f"rendered fields of {task_id}": json.dumps([fields, pod], default=str, ensure_ascii=False)
            for task_id, fields, pod in rows
        }


def log_files(dag_run: Any) -> dict[str, str]:
    """The run's task log files under ``[logging] base_log_folder``, by path.

    ``dag.test()`` writes none on Airflow 2.11 or 3.3 (its task logs go to stdout), so this is
    empty there; it is read so that a version writing them is checked too.
    """
    from airflow.configuration import conf

    folder = Path(conf.get("logging", "base_log_folder")) / f"dag_id={dag_run.dag_id}"
    files = (folder / f"run_id={dag_run.run_id}").rglob("*")
    return {f"log file {path}": path.read_text(errors="replace") for path in files if path.is_file()}


def token_places(dag_run: Any, logs: str) -> dict[str, str]:
    """Everything a run leaves that a person may read, by place: XComs, rendered fields, logs."""
    return {**_stored_xcoms(dag_run), **rendered_fields(dag_run), **log_files(dag_run), "task logs": logs}


def token_leaks(places: dict[str, str], token: str) -> list[str]:
    """Return the places whose text holds ``token``, written as is or URL-encoded."""
    forms = token_forms(token)
    return [place for place, text in places.items() if any(form in text for form in forms)]


class MaskedFormatter(logging.Formatter):
    """Format a record, then mask it with Airflow's secrets masker, as Airflow's task log handler does."""

    def format(self, record: logging.LogRecord) -> str:
        from airflow_provider_textiopro.version_compat import redact

        return str(redact(super().format(record)))


@contextlib.contextmanager
def captured_logs(level: int = logging.INFO) -> Iterator[io.StringIO]:
    """Collect what is printed (Airflow 3's task logs) and logged (Airflow 2's) in the block.

    Below INFO, other libraries' records (urllib3 prints each URL at DEBUG) are written as Airflow's
    own handler writes them: through the secrets masker.
    """
    text = io.StringIO()
    handler = logging.StreamHandler(text)
    handler.setLevel(level)
    formatter = logging.Formatter if level >= logging.INFO else MaskedFormatter
    handler.setFormatter(formatter("%(levelname)s [%(name)s] %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
            yield text
    finally:
        root.removeHandler(handler)


def demo_summary(dag_ids: tuple[str, ...], since: float) -> str:
    """Return what scripts/demo_summary.py prints for ``dag_ids`` (imported by path, as demo.sh runs it)."""
    spec = importlib.util.spec_from_file_location("textiopro_demo_summary", DEMO_SUMMARY)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    printed = io.StringIO()
    disabled = logging.root.manager.disable
    try:
        with contextlib.redirect_stdout(printed):
            module.main(["--since", str(since), *dag_ids])
    finally:
        logging.disable(disabled)  # main() silences INFO logs for the rest of its process
    return printed.getvalue()


@dataclass
class ExampleRuns:
    """One run of each example DAG against ``sandbox``, what each logged, and what followed."""

    sandbox: SandboxServer
    warehouse: Path
    runs: dict[str, Any] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    queued_by_sync: list[str] = field(default_factory=list)
    scheduler_creates_campaign_run: bool = False
    summary: str = ""


@contextlib.contextmanager
def run_examples(
    dag_bag: Any, warehouse: Path, *, auth_style: str = "bearer", sandbox_log: TextIO | None = None
) -> Iterator[ExampleRuns]:
    """Run every example DAG once, in the demo's order, against a sandbox started for them.

    Right after the warehouse sync, the runs it queued are read; after the last run, the demo's
    summary, so that runs made later by other tests change neither. The connections are set
    only until then; the sandbox lives until the block ends.

    :param auth_style: the connection's style.
    :param sandbox_log: where the sandbox writes its request log (default: it is quiet).
    """
    with (
        run_sandbox(
            port=0,
            tokens=(EXAMPLES_TOKEN,),
            seed=4321,
            delivery_delay=0.3,
            campaign_step_delay=0.3,
            auto_replies=AUTO_REPLIES,
            auto_reply_delay=0,
            quiet=sandbox_log is None,
            log_stream=sandbox_log,
        ) as sandbox,
        pytest.MonkeyPatch.context() as monkeypatch,
    ):
        examples = ExampleRuns(sandbox, warehouse)
        use_textiopro(monkeypatch, sandbox, auth_style)
        use_sqlite(monkeypatch, WAREHOUSE_CONN_ID, warehouse)
        use_demo_settings(monkeypatch)
        unpause(monkeypatch, set(DEMO_ORDER))
        start = time.time()
        for dag_id in DEMO_ORDER:
            if dag_id == SYNC:
                clear_queue(CAMPAIGN)  # the marketing DAG's upsert queued it too: any group sync does
            with captured_logs(logging.getLogger().getEffectiveLevel()) as logs:
                examples.runs[dag_id] = run(dag_bag, dag_id)
            examples.logs[dag_id] = logs.getvalue()
            if dag_id == SYNC:
                examples.queued_by_sync = queued_assets(CAMPAIGN)
                examples.scheduler_creates_campaign_run = scheduler_creates_run(dag_bag.get_dag(CAMPAIGN))
        examples.summary = demo_summary(DEMO_ORDER, start)
        monkeypatch.undo()
        yield examples


def write_token_report(out: Path) -> None:
    """Run every example DAG in ``api_token`` style; write to ``out`` (JSON) what a person can read.

    Run as ``python tests/dags/example_runs.py OUT.json`` in a process of its own, so that
    Airflow configures its logging from the environment (``AIRFLOW__LOGGING__LOGGING_LEVEL``).
    The report holds each run's task states, and by place the text of its XComs, rendered
    fields and logs, the sandbox's request log on stderr and its ``GET /_sandbox/requests``.
    """
    sandbox_log = io.StringIO()
    dag_bag = load_dag_bag()
    with run_examples(
        dag_bag, out.with_suffix(".db"), auth_style="api_token", sandbox_log=sandbox_log
    ) as runs:
        shown = requests.get(f"{runs.sandbox.url}/_sandbox/requests", timeout=10).text
        places = {
            f"{dag_id}: {place}": text
            for dag_id, dag_run in runs.runs.items()
            for place, text in token_places(dag_run, runs.logs[dag_id]).items()
        }
        report = {
            "token": runs.sandbox.token,
            "states": {dag_id: task_states(dag_run) for dag_id, dag_run in runs.runs.items()},
            "places": {**places, "sandbox stderr": sandbox_log.getvalue(), "GET /_sandbox/requests": shown},
        }
    out.write_text(json.dumps(report))


if __name__ == "__main__":
    write_token_report(Path(sys.argv[1]))
