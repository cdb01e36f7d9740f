"""The example DAGs: each parses, and runs to success with ``dag.test()`` against the sandbox.

``dag.test()`` runs the tasks, and the deferred sensors' triggers, in this process; the
``textiopro_conn`` fixture points ``textiopro_default`` at the in-process sandbox. Every run's
state is asserted, so a failing task fails the test.
"""

from __future__ import annotations

import ast
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowSkipException
from dag_runner import run_dag
from warehouse import use_sqlite

from airflow_provider_textiopro.hooks.textiopro import TextioProHook

pytestmark = pytest.mark.dags

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"
ALERTS = "example_textiopro_pipeline_alerts"
MARKETING = "example_textiopro_scheduled_marketing"
SYNC = "example_textiopro_warehouse_sync"
CAMPAIGN = "example_textiopro_warehouse_campaign"
ALL_DAG_IDS = {ALERTS, MARKETING, SYNC, CAMPAIGN}
ALLOWED_AIRFLOW_IMPORTS = {"airflow.providers.common.compat.sdk"}


@pytest.fixture(scope="module")
def dag_bag() -> Any:
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2
        from airflow.models.dagbag import DagBag

        return DagBag(dag_folder=str(EXAMPLE_DAGS), include_examples=False)
    return DagBag(dag_folder=str(EXAMPLE_DAGS))


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the warehouse example's SQLite connection at a file of this test."""
    path = tmp_path / "warehouse.db"
    use_sqlite(monkeypatch, "textiopro_example_warehouse", path)
    return path


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


def messages(conn_id: str) -> list[Any]:
    return list(TextioProHook(conn_id).list_messages())


def test_every_example_file_parses_into_its_dags(dag_bag):
    assert dag_bag.import_errors == {}
    assert set(dag_bag.dag_ids) == ALL_DAG_IDS
    files = {Path(dag.fileloc).name for dag in dag_bag.dags.values()}
    assert files == {path.name for path in EXAMPLE_DAGS.glob("*.py")}


@pytest.mark.parametrize("path", sorted(EXAMPLE_DAGS.glob("*.py")), ids=lambda path: path.stem)
def test_examples_import_only_public_names_and_the_compat_layer(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        if node.module.split(".")[0] == "airflow":
            assert node.module in ALLOWED_AIRFLOW_IMPORTS, f"{path.name}: from {node.module} import ..."
        if node.module.startswith("airflow_provider_textiopro"):
            private = [part for part in node.module.split(".") if part.startswith("_")]
            private += [alias.name for alias in node.names if alias.name.startswith("_")]
            assert not private, f"{path.name}: from {node.module} imports private {private}"


def test_pipeline_alerts_texts_the_breach_and_waits_until_delivered(dag_bag, textiopro_conn):
    dag_run = run(dag_bag, ALERTS)

    assert_success(dag_run)
    sent = messages(textiopro_conn)
    assert sorted(m.to for m in sent) == ["447700900100", "447700900106"]
    assert {m.status.value for m in sent} == {"Delivered"}
    assert {m.message for m in sent} == {
        "Payments alert: 11.0% of the last hour's payments failed (limit 5.0%)."
    }
    assert {m["status"] for m in xcom(dag_run, "wait_for_delivery")} == {"Delivered"}


def test_pipeline_alerts_within_the_limit_sends_nothing(dag_bag, textiopro_conn):
    dag_run = run(dag_bag, ALERTS, max_failed_share=0.5)

    assert dag_run.state == "success"
    states = task_states(dag_run)
    assert {states[t] for t in ("check_threshold", "send_alert", "wait_for_delivery")} == {"skipped"}
    assert messages(textiopro_conn) == []


def test_pipeline_alerts_failure_fails_the_run_and_texts_on_call(dag_bag, textiopro_conn):
    dag_run = run(dag_bag, ALERTS, fail=True)

    assert dag_run.state == "failed"
    assert task_states(dag_run)["extract_payments"] == "failed"
    alerts = messages(textiopro_conn)
    assert sorted(m.to for m in alerts) == ["447700900100", "447700900106"]
    text = alerts[0].message
    assert "example_textiopro_pipeline_alerts.extract_payments failed" in text
    assert "RuntimeError: The payments export is missing" in text


def test_scheduled_marketing_sends_the_campaign_and_reports_its_stats(dag_bag, textiopro_conn):
    dag_run = run(dag_bag, MARKETING)

    assert_success(dag_run)
    assert xcom(dag_run, "upsert_subscribers")["created"] == 4
    report = xcom(dag_run, "report_stats")
    assert report["uid"] == xcom(dag_run, "send_campaign")
    assert report["status"] == "done"
    assert report["stats"]["delivered"] == 4
    assert len(messages(textiopro_conn)) == 4


def test_scheduled_marketing_schedules_the_campaign_at_send_at(dag_bag, textiopro_conn, sandbox):
    send_at = (datetime.now(timezone.utc) + timedelta(minutes=10)).replace(second=0, microsecond=0)
    # The campaign stays "scheduled" until send_at on the sandbox's clock: move that clock past it.
    sandbox.advance(15 * 60)

    dag_run = run(dag_bag, MARKETING, send_at=send_at.strftime("%Y-%m-%d %H:%M"))

    assert_success(dag_run)
    campaign = sandbox.state.accounts[sandbox.token].campaigns[xcom(dag_run, "send_campaign")]
    assert campaign.scheduled
    assert campaign.start_at == send_at.timestamp()
    assert xcom(dag_run, "report_stats")["stats"]["delivered"] == 4


def test_warehouse_sync_upserts_the_table_then_the_campaign_dag_texts_the_group(
    dag_bag, textiopro_conn, warehouse
):
    dag_run = run(dag_bag, SYNC)

    assert_success(dag_run)
    assert warehouse.exists()
    counts = xcom(dag_run, "sync_customers")
    assert (counts["rows"], counts["created"], counts["invalid"]) == (8, 7, 1)
    group = TextioProHook(textiopro_conn).find_group_by_name("Warehouse customers")
    assert group is not None
    contacts = {c.phone: c.fields for c in TextioProHook(textiopro_conn).list_contacts(group.uid)}
    assert contacts["447700900316"] == {"FIRST_NAME": "Barbara", "LAST_NAME": "Liskov", "CITY": "Boston"}
    assert "447700900326" not in contacts  # opted out of marketing

    rerun = run(dag_bag, SYNC)
    assert xcom(rerun, "ensure_group") == group.uid
    again = xcom(rerun, "sync_customers")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 7)

    campaign_run = run(dag_bag, CAMPAIGN)

    assert_success(campaign_run)
    assert xcom(campaign_run, "warehouse_group_uid") == group.uid
    campaign = TextioProHook(textiopro_conn).get_campaign(xcom(campaign_run, "send_campaign"))
    assert (campaign.status.value, campaign.stats.delivered) == ("done", 7)


def test_warehouse_campaign_runs_only_for_the_warehouse_group(dag_bag, textiopro_conn):
    uid = TextioProHook(textiopro_conn).create_group("Warehouse customers").uid
    pick_group = dag_bag.get_dag(CAMPAIGN).get_task("warehouse_group_uid").python_callable

    def triggered_by(*group_uids: str) -> dict[str, list[Any]]:
        return {f"textiopro://group/{g}": [SimpleNamespace(extra={"group_uid": g})] for g in group_uids}

    assert pick_group() == uid
    assert pick_group(triggering_asset_events=triggered_by(uid, "0123456789abc")) == uid
    assert pick_group(triggering_dataset_events=triggered_by(uid)) == uid
    with pytest.raises(AirflowSkipException):
        pick_group(triggering_asset_events=triggered_by("0123456789abc"))


def test_warehouse_campaign_without_the_group_fails_and_says_what_to_run(dag_bag, textiopro_conn):
    dag_run = run(dag_bag, CAMPAIGN)

    assert dag_run.state == "failed"
    assert task_states(dag_run)["warehouse_group_uid"] == "failed"
