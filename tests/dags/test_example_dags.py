"""The example DAGs: each parses, and runs to success with ``dag.test()`` against the sandbox.

``dag.test()`` runs the tasks, and the deferred sensors' triggers, in this process. The runs of
the ``example_runs`` fixture (tests/dags/conftest.py: every example once, in the demo's order,
against a sandbox of their own) serve the tests of what a plain run does; the tests of other
params and failures run their DAG again against the ``textiopro_conn`` sandbox. Every run's
state is asserted, so a failing task fails the test.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowSkipException

import tests.dags.example_runs as example_runs
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from tests.dags.dag_runner import recorded_events
from tests.dags.example_runs import (
    ALERTS,
    CAMPAIGN,
    DEMO_ORDER,
    EXAMPLE_DAGS,
    MARKETING,
    RESPECTFUL,
    SYNC,
    WAREHOUSE_CONN_ID,
    assert_success,
    demo_settings,
    load_dag_bag,
    rendered_fields,
    run,
    task_states,
    token_leaks,
    token_places,
    use_demo_settings,
    use_textiopro,
    xcom,
)
from tests.support.warehouse import use_sqlite

pytestmark = pytest.mark.dags

ALLOWED_AIRFLOW_IMPORTS = {"airflow.providers.common.compat.sdk"}
TESTS = Path(__file__).resolve().parents[1]
# Airflow 3's dag.test() runs tasks with in-process comms that log each message to the supervisor at
# DEBUG, the secret of a MaskSecret included (InProcessSupervisorComms.send). A real supervisor logs
# "Received message from task runner (body omitted)" for it. These lines are Airflow's test harness.
DAG_TEST_MASK_SECRET_LINE = re.compile(r"^.*Sending request\s.*msg=MaskSecret\(value=.*$", re.MULTILINE)


@pytest.fixture
def examples_conn(example_runs, monkeypatch):
    """The connections of the ``example_runs`` DAGs (their sandbox and warehouse), and the demo's numbers."""
    use_sqlite(monkeypatch, WAREHOUSE_CONN_ID, example_runs.warehouse)
    use_demo_settings(monkeypatch)
    return use_textiopro(monkeypatch, example_runs.sandbox)


@pytest.fixture
def demo_numbers(monkeypatch):
    """The Variables of scripts/demo.env: the numbers the examples text."""
    use_demo_settings(monkeypatch)


def messages(conn_id: str) -> list[Any]:
    return list(TextioProHook(conn_id).list_messages())


def test_every_example_file_parses_into_its_dags(dag_bag):
    assert dag_bag.import_errors == {}
    assert set(dag_bag.dag_ids) == set(DEMO_ORDER)
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


def test_respectful_offers_texts_each_customer_their_text_except_opt_outs(example_runs, examples_conn):
    dag_run = example_runs.runs[RESPECTFUL]

    assert_success(dag_run)
    result = xcom(dag_run, "send_offer")
    hook = TextioProHook(examples_conn)
    sent = {m.to: m.message for m in (hook.get_message(uid) for uid in result["uids"])}
    offer = ", 20% off this week with code SPRING20. Reply STOP to opt out."
    assert sent == {
        "447700900200": "Hi Alex" + offer,
        "447700900206": "Hi there" + offer,
        "447700900210": "Hi Alex" + offer,
    }
    assert result["suppressed"] == 1
    assert [o["recipient"] for o in result["outcomes"] if o["status"] == "suppressed"] == ["+4477*****207"]
    assert "447700900" not in json.dumps(result)  # masked numbers only
    assert {m["status"] for m in xcom(dag_run, "wait_for_delivery")} == {"Delivered"}


def test_pipeline_alerts_texts_the_breach_and_waits_until_delivered(example_runs, examples_conn):
    dag_run = example_runs.runs[ALERTS]

    assert_success(dag_run)
    hook = TextioProHook(examples_conn)
    sent = [hook.get_message(uid) for uid in xcom(dag_run, "send_alert")["uids"]]
    assert sorted(m.to for m in sent) == ["447700900100", "447700900106"]
    assert {m.status.value for m in sent} == {"Delivered"}
    assert {m.message for m in sent} == {
        "Payments alert: 11.0% of the last hour's payments failed (limit 5.0%)."
    }
    assert {m["status"] for m in xcom(dag_run, "wait_for_delivery")} == {"Delivered"}


def test_pipeline_alerts_within_the_limit_sends_nothing(dag_bag, textiopro_conn, demo_numbers):
    dag_run = run(dag_bag, ALERTS, max_failed_share=0.5)

    assert dag_run.state == "success"
    states = task_states(dag_run)
    assert {states[t] for t in ("check_threshold", "send_alert", "wait_for_delivery")} == {"skipped"}
    assert messages(textiopro_conn) == []


def test_pipeline_alerts_failure_fails_the_run_and_texts_on_call(
    dag_bag, textiopro_conn, sandbox, logged, demo_numbers
):
    dag_run = run(dag_bag, ALERTS, fail=True)

    assert dag_run.state == "failed"
    assert task_states(dag_run)["extract_payments"] == "failed"
    alerts = messages(textiopro_conn)
    assert sorted(m.to for m in alerts) == ["447700900100", "447700900106"]
    text = alerts[0].message
    assert "example_textiopro_pipeline_alerts.extract_payments failed" in text
    assert "RuntimeError: The payments export is missing" in text
    # The failure callback's SMS and log lines hold the error and the log URL, never the token.
    assert token_leaks(token_places(dag_run, logged()), sandbox.token) == []


def test_scheduled_marketing_sends_the_campaign_and_reports_its_stats(example_runs, examples_conn):
    dag_run = example_runs.runs[MARKETING]

    assert_success(dag_run)
    assert xcom(dag_run, "upsert_subscribers")["created"] == 4
    report = xcom(dag_run, "report_stats")
    assert report["uid"] == xcom(dag_run, "send_campaign")
    assert report["status"] == "done"
    assert report["stats"]["delivered"] == 4
    campaign = TextioProHook(examples_conn).get_campaign(report["uid"])
    assert (campaign.status.value, campaign.stats.total) == ("done", 4)


def test_scheduled_marketing_schedules_the_campaign_at_send_at(
    dag_bag, textiopro_conn, sandbox, demo_numbers
):
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
    dag_bag, example_runs, examples_conn
):
    dag_run = example_runs.runs[SYNC]

    assert_success(dag_run)
    assert example_runs.warehouse.exists()
    counts = xcom(dag_run, "sync_customers")
    assert (counts["rows"], counts["created"], counts["invalid"]) == (8, 7, 1)
    group = TextioProHook(examples_conn).find_group_by_name("Warehouse customers")
    assert group is not None
    contacts = {c.phone: c.fields for c in TextioProHook(examples_conn).list_contacts(group.uid)}
    assert contacts["447700900316"] == {"FIRST_NAME": "Barbara", "LAST_NAME": "Liskov", "CITY": "Boston"}
    assert "447700900326" not in contacts  # opted out of marketing

    campaign_run = example_runs.runs[CAMPAIGN]
    assert_success(campaign_run)
    assert xcom(campaign_run, "warehouse_group_uid") == group.uid
    campaign = TextioProHook(examples_conn).get_campaign(xcom(campaign_run, "send_campaign"))
    assert (campaign.status.value, campaign.stats.delivered) == ("done", 7)

    rerun = run(dag_bag, SYNC)
    assert xcom(rerun, "ensure_group") == group.uid
    again = xcom(rerun, "sync_customers")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 7)


def test_warehouse_sync_event_queues_a_run_of_the_campaign_dag(example_runs):
    dag_run = example_runs.runs[SYNC]
    group_uid = xcom(dag_run, "ensure_group")
    group_uri = f"textiopro://group/{group_uid}"

    [event] = recorded_events(dag_run)
    assert (event["uri"], event["task_id"]) == (group_uri, "sync_customers")
    assert event["extra"]["group_uid"] == group_uid
    assert event["extra"]["created"] == 7
    # The campaign DAG is scheduled on the textiopro-groups alias, which the operator attached
    # the group's asset to: the event queued a run of it, and the scheduler's own query says
    # its next loop creates that run. (The test ran the campaign DAG by hand afterwards.)
    assert example_runs.queued_by_sync == [group_uri]
    assert example_runs.scheduler_creates_campaign_run


@pytest.mark.parametrize("dag_id", DEMO_ORDER)
def test_no_run_leaks_the_token(example_runs, dag_id):
    dag_run = example_runs.runs[dag_id]
    places = token_places(dag_run, example_runs.logs[dag_id])

    assert token_leaks(places, example_runs.sandbox.token) == []
    # The check looked at something: the run's XComs, its tasks' rendered fields, the provider's logs.
    assert any(place.startswith("XCom ") for place in places)
    assert rendered_fields(dag_run)
    assert "airflow_provider_textiopro" in places["task logs"]


def test_a_debug_run_in_api_token_style_leaves_the_token_nowhere(tmp_path):
    report_file = tmp_path / "report.json"
    env = {
        **os.environ,
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "DEBUG",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS.parent), os.environ.get("PYTHONPATH")])),
    }
    process = subprocess.run(
        [sys.executable, example_runs.__file__, str(report_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    report = json.loads(report_file.read_text())
    places = {**report["places"], "output of the run's process": process.stdout + process.stderr}

    shown = {place: DAG_TEST_MASK_SECRET_LINE.sub("", text) for place, text in places.items()}
    assert token_leaks(shown, report["token"]) == []

    # What was checked: every example ran (campaigns need the bearer API, so those tasks failed and
    # their exception texts are in the logs), at DEBUG, with urllib3's line for each request's URL.
    states = report["states"]
    assert set(states[ALERTS].values()) == set(states[SYNC].values()) == {"success"}
    assert states[MARKETING]["send_campaign"] == states[CAMPAIGN]["send_campaign"] == "failed"
    logs = "\n".join(text for place, text in places.items() if place.endswith("task logs"))
    assert "TextioProAuthStyleError" in logs
    assert re.search(r"(?i)debug.*TextioPro POST http://127\.0\.0\.1:\d+/api/http/sms/send", logs)
    urls = re.findall(r'urllib3.connectionpool\] http://\S+ "(\w+ /api/http/\S*) HTTP/1\.1"', logs)
    assert "POST /api/http/sms/send" in urls
    assert all("api_token=***" in url for url in urls if "api_token" in url)
    assert "POST /api/http/sms/send -> 200" in places["sandbox stderr"]
    assert '"path": "/api/http/sms/send"' in places["GET /_sandbox/requests"]


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


def test_the_demo_sets_every_variable_the_examples_read():
    read = set()
    for path in EXAMPLE_DAGS.glob("*.py"):
        read |= {name.upper() for name in re.findall(r'_VARIABLE = "(\w+)"', path.read_text())}
    assert {f"AIRFLOW_VAR_{name}" for name in read} == set(demo_settings())


def test_without_the_variables_the_examples_text_no_one(textiopro_conn, sandbox, monkeypatch, logged):
    for name in demo_settings():
        monkeypatch.delenv(name, raising=False)
    # Parsed afresh, as a deployment's task does: a shared DAG object keeps what earlier runs
    # rendered into it (the notifier's recipients) and the params of their conf.
    dag_bag = load_dag_bag()

    runs = {dag_id: run(dag_bag, dag_id) for dag_id in (ALERTS, RESPECTFUL, MARKETING, SYNC)}
    failed = run(dag_bag, ALERTS, fail=True)

    for dag_id, dag_run in runs.items():
        assert dag_run.state == "success", (dag_id, task_states(dag_run))
    assert task_states(runs[ALERTS])["send_alert"] == "skipped"
    assert task_states(runs[MARKETING])["send_campaign"] == "skipped"
    assert task_states(runs[RESPECTFUL])["send_offer"] == "skipped"
    assert task_states(runs[SYNC])["sync_customers"] == "skipped"
    assert recorded_events(runs[SYNC]) == []  # so no run of the campaign DAG is queued
    assert failed.state == "failed"
    assert [r.path for r in sandbox.requests if r.method == "POST" and "/contacts" not in r.path] == []
    assert messages(textiopro_conn) == []
    text = logged()
    for variable in ("on_call", "subscribers", "customers"):
        assert f"set the Airflow Variable textiopro_example_{variable}" in text
