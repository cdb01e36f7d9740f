"""The demo's closing summary (scripts/demo_summary.py) after the example DAGs have run.

The ``example_runs`` fixture runs every example DAG with ``dag.test()``, in the demo's order,
and calls the script's ``main`` (imported by path) right after the last run, as
scripts/demo.sh does: later runs of the same DAGs by other tests cannot change which runs it
reads.
"""

from __future__ import annotations

import pytest

from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from tests.dags.example_runs import CAMPAIGN, MARKETING, use_textiopro, xcom

pytestmark = pytest.mark.dags


def test_summary_shows_messages_campaign_stats_and_contact_counts(example_runs, monkeypatch):
    lines = {" ".join(line.split()) for line in example_runs.summary.splitlines()}
    marketing = xcom(example_runs.runs[MARKETING], "send_campaign")
    warehouse = xcom(example_runs.runs[CAMPAIGN], "send_campaign")
    balance = TextioProHook(use_textiopro(monkeypatch, example_runs.sandbox)).get_balance().remaining

    expected = {
        # messages sent, and delivered by now
        "approval.ask_for_approval 1 recipient 1 delivered",
        "pipeline_alerts.send_alert 2 recipients 2 delivered",
        "respectful_offers.send_offer 3 recipients 3 delivered",
        # each campaign's stats
        f"scheduled_marketing.send_campaign {marketing} done, 4 messages: 4 delivered",
        f"warehouse_campaign.send_campaign {warehouse} done, 7 messages: 7 delivered",
        # contacts created / updated / unchanged, per sync
        "scheduled_marketing.upsert_subscribers 'Weekly newsletter' 4 created, 0 updated, 0 unchanged",
        "warehouse_sync.sync_customers 'Warehouse customers' 7 created, 0 updated, 0 unchanged, 1 invalid",
        # the account: the approval request and its reply, 2 alerts, 3 offers and 4 + 7 campaign messages
        "messages 18 messages: 18 delivered",
        f"balance left {balance}",
    }
    assert expected <= lines, example_runs.summary
