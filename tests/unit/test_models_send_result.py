"""SendResult adds up a send: the counts, segments and cost the send operator reports."""

from __future__ import annotations

from airflow_provider_textiopro.models import RecipientOutcome, SendResult

SENT = RecipientOutcome(
    recipient="31600000001", uid="6065ecdc9184a", status="Delivered", cost="0.05", segments=2
)
ESTIMATED = RecipientOutcome(
    recipient="31600000002", uid="6065ecdc9184b", status="Delivered", cost="1,000.10"
)
REFUSED = RecipientOutcome(recipient="31600000003", error="Number contains in the blacklist", cost="9")


def test_the_cost_sums_the_accepted_messages():
    assert SendResult(outcomes=[SENT, ESTIMATED, REFUSED]).cost == "1000.15"


def test_the_cost_is_unknown_when_a_message_reports_none_or_not_a_number():
    assert SendResult(outcomes=[SENT, RecipientOutcome(recipient="1", uid="u", cost=None)]).cost is None
    assert SendResult(outcomes=[SENT, RecipientOutcome(recipient="1", uid="u", cost="free")]).cost is None
    assert SendResult(outcomes=[SENT, RecipientOutcome(recipient="1", uid="u", cost="inf")]).cost is None


def test_segments_are_the_server_s_else_the_estimate():
    assert SendResult(outcomes=[SENT, ESTIMATED, REFUSED]).total_segments(3) == 5


def test_the_summary_holds_the_counts_segments_and_cost():
    summary = SendResult(outcomes=[SENT, REFUSED]).summary(1)
    assert summary == {
        "uids": ["6065ecdc9184a"],
        "outcomes": [SENT.to_dict(), REFUSED.to_dict()],
        "accepted": 1,
        "refused": 1,
        "scheduled": False,
        "sent_immediately": 0,
        "total_segments": 2,
        "cost": "0.05",
    }
