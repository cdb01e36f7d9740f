"""Each example, and each operator that records asset events, run as a new user does: on a fresh database.

Every run has a process and a metadata database of its own, copied from one just migrated
(tests/dags/fresh_airflow.py): no scheduler or DAG processor ever parsed the DAG, and nothing is
serialized before it runs. ``airflow dags test`` runs the examples; ``dag.test()`` runs a DAG file
imported by path, as a user's script does. Both against a sandbox of their own, set up as
scripts/demo.sh sets up the demo: the Variables of scripts/demo.env (the numbers the examples
text) in each run's environment, and the sandbox answering the approval example's approver.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider_textiopro.version_compat import AIRFLOW_V_3_0_PLUS
from tests.dags.dag_runner import DAG_FILES
from tests.dags.example_runs import (
    APPROVAL,
    AUTO_REPLIES,
    CAMPAIGN,
    CONN_ID,
    DEMO_ORDER,
    EXAMPLE_DAGS,
    SYNC,
    WAREHOUSE_CONN_ID,
    demo_settings,
)
from tests.dags.fresh_airflow import FreshAirflow, Run
from textiopro_sandbox import run_sandbox

pytestmark = [pytest.mark.dags, pytest.mark.integration, pytest.mark.cli]

TOKEN = "9|fresh-database-token"
# The approver answers YES (the sandbox's auto-replies): the payouts are released, the rest skipped.
BRANCHES_NOT_TAKEN = {APPROVAL: frozenset({"hold_payouts", "escalate"})}


@pytest.fixture(scope="module")
def fresh(fresh_airflow_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshAirflow]:
    """Fresh databases for runs against a sandbox and a warehouse of their own, with the demo's settings.

    As scripts/demo.sh: the Variables of scripts/demo.env in each run's environment, and the
    sandbox's auto-replies of scripts/demo.env (the approval example's approver answers YES).
    """
    workdir = tmp_path_factory.mktemp("fresh-runs")
    with run_sandbox(
        port=0,
        tokens=(TOKEN,),
        seed=99,
        delivery_delay=0.3,
        campaign_step_delay=0.3,
        auto_replies=AUTO_REPLIES,
        quiet=True,
    ) as sandbox:
        connections = {
            CONN_ID: {"conn_type": "textiopro", "host": sandbox.url, "password": TOKEN},
            WAREHOUSE_CONN_ID: {"conn_type": "sqlite", "host": str(workdir / "warehouse.db")},
        }
        yield FreshAirflow(fresh_airflow_template, workdir, connections, env=demo_settings())


def assert_succeeded(run: Run, skipped: frozenset[str] = frozenset()) -> None:
    """The run succeeded, every task with it but ``skipped`` (a branch not taken), which were skipped."""
    assert run.returncode == 0, run.failure()
    assert run.state == "success", run.failure()
    states = run.task_states
    assert {task_id for task_id, state in states.items() if state == "skipped"} == skipped, run.failure()
    assert {state for task_id, state in states.items() if task_id not in skipped} == {"success"}, (
        run.failure()
    )


@pytest.mark.parametrize("dag_id", DEMO_ORDER)
def test_airflow_dags_test_runs_each_example_on_a_fresh_database(fresh, dag_id):
    if dag_id == CAMPAIGN:  # it texts the group the warehouse sync fills
        assert_succeeded(fresh.example(SYNC, EXAMPLE_DAGS))

    assert_succeeded(fresh.example(dag_id, EXAMPLE_DAGS), BRANCHES_NOT_TAKEN.get(dag_id, frozenset()))


@pytest.mark.skipif(
    AIRFLOW_V_3_0_PLUS,
    reason="Airflow 3's dag.test() stores the DAG it runs; the 3.x runs above and the warm-database "
    "dag.test() runs cover it, and each fresh 3.x process costs most of a minute",
)
@pytest.mark.parametrize(
    ("dag_file", "dag_id", "event_kinds"),
    [
        pytest.param(
            DAG_FILES / "textiopro_contacts_and_campaign.py",
            "textiopro_sync_then_campaign",
            ["campaign", "group"],
            id="contact-upsert-and-campaign",
        ),
        pytest.param(
            EXAMPLE_DAGS / "example_textiopro_warehouse_sync.py", SYNC, ["group"], id="sql-transfer"
        ),
    ],
)
def test_dag_test_without_serializing_records_the_events_on_a_fresh_database(
    fresh, dag_file, dag_id, event_kinds
):
    run = fresh.dag_test(dag_file, dag_id)

    assert_succeeded(run)
    assert [uri.split("/")[2] for uri in run.event_uris] == event_kinds
