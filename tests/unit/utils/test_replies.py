"""Replies in the message list: matching, telling them from own sends, the cursor, opt-outs."""

from __future__ import annotations

import logging
from unittest import mock

import pytest
import responses

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.models import Contact, Message
from airflow_provider_textiopro.utils.replies import (
    ReplyMatcher,
    check_replies,
    check_wait_for,
    find_replies,
    unsubscribe_opt_outs,
)
from tests.support.hooks import V3, make_hook, ok, paginator

BOSS = "31612345671"
DEPUTY = "31612345672"
ACCOUNT = "12025550100"


def listed(uid: str, sender: str, to: str, text: str) -> Message:
    """A message as ``GET sms`` lists it on the platform: no date, no direction."""
    return Message.from_api(
        {"uid": uid, "to": to, "from": sender, "message": text, "customer_status": "Delivered", "cost": "1"}
    )


def inbound(uid: str, number: str, text: str) -> Message:
    return listed(uid, f"+{number}", ACCOUNT, text)


def hook_listing(*messages: Message) -> mock.MagicMock:
    hook = mock.MagicMock(name="TextioProHook()")
    hook.list_messages_since.return_value = list(messages)
    return hook


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("YES", ("YES", False)),
        ("yes", ("YES", False)),
        ("  Yes please", ("YES", False)),
        ("no!", ("NO", False)),
        ("yesterday", None),
        ("I think yes", None),
        ("maybe", None),
        ("", None),
    ],
)
def test_keywords_match_the_start_of_a_reply_as_a_whole_word(text, expected):
    assert ReplyMatcher.build(keywords=["YES", "NO"], pattern=None).match(text) == expected


def test_case_sensitive_keywords():
    matcher = ReplyMatcher.build(keywords="YES,NO", pattern=None, case_sensitive=True)
    assert matcher.match("YES") == ("YES", False)
    assert matcher.match("yes") is None


def test_a_pattern_is_searched_and_its_match_is_the_keyword():
    matcher = ReplyMatcher.build(keywords=None, pattern=r"approve[d]?\s+\d+")
    assert matcher.match("OK, Approved 42 now") == ("Approved 42", False)
    assert matcher.match("no") is None


def test_opt_out_keywords_come_first():
    matcher = ReplyMatcher.build(keywords=None, pattern=".*", opt_out_keywords=["STOP", "UNSUBSCRIBE"])
    assert matcher.match("stop texting me") == ("STOP", True)
    assert matcher.match("whatever") == ("whatever", False)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"keywords": ["YES"], "pattern": "y.*"}, "not both"),
        ({"keywords": None, "pattern": None}, "keywords such as"),
        ({"keywords": [], "pattern": ""}, "keywords such as"),
        ({"keywords": None, "pattern": "(unclosed"}, "not a valid regular expression"),
        ({"keywords": ["!!"], "pattern": None}, "must be words"),
    ],
)
def test_bad_matcher_arguments_say_what_to_fix(kwargs, error):
    with pytest.raises(TextioProInputError, match=error):
        ReplyMatcher.build(**kwargs)


def test_wait_for_is_any_or_each():
    assert check_wait_for("each") == "each"
    with pytest.raises(TextioProInputError, match=r"'any'.*'each'"):
        check_wait_for("all")


def test_own_sends_and_strangers_are_not_replies():
    hook = hook_listing(
        listed("m3", "Payouts", BOSS, "Reply YES to release"),  # our own send to the boss
        listed("m2", BOSS, DEPUTY, "YES"),  # between two watched numbers: not a reply to us
        inbound("m1", "447700900100", "YES"),  # someone else
    )
    replies = find_replies(hook, [BOSS, DEPUTY], ["m0"], ReplyMatcher())
    assert replies == {}
    hook.list_messages_since.assert_called_once_with(["m0"])


def test_the_earliest_matching_reply_of_each_number_counts(caplog):
    caplog.set_level(logging.INFO)
    hook = hook_listing(
        inbound("m4", BOSS, "NO"),
        inbound("m3", DEPUTY, "yes"),
        inbound("m2", BOSS, "Yes, go"),
        inbound("m1", BOSS, "what is this?"),
    )
    replies = find_replies(hook, [BOSS, DEPUTY], [], ReplyMatcher())
    assert {number: (r.uid, r.keyword, r.text) for number, r in replies.items()} == {
        BOSS: ("m2", "YES", "Yes, go"),
        DEPUTY: ("m3", "YES", "yes"),
    }
    assert "does not match YES/NO" in caplog.text


def test_any_succeeds_with_the_first_reply():
    hook = hook_listing(inbound("m2", DEPUTY, "NO"), inbound("m1", BOSS, "YES"))
    completion, replies = check_replies(hook, [BOSS, DEPUTY], ["m0"], ReplyMatcher(), "any")
    assert completion.state == "success"
    assert replies == [{"number": BOSS, "text": "YES", "uid": "m1", "keyword": "YES", "opted_out": False}]


def test_each_waits_for_every_number():
    hook = hook_listing(inbound("m1", BOSS, "YES"))
    completion, replies = check_replies(hook, [BOSS, DEPUTY], ["m0"], ReplyMatcher(), "each")
    assert completion.state == "pending"
    assert f"1 of 2 numbers replied YES/NO; waiting for {DEPUTY}" in completion.message
    assert [reply["number"] for reply in replies] == [BOSS]

    hook = hook_listing(inbound("m2", BOSS, "YES"), inbound("m1", DEPUTY, "NO"))
    completion, replies = check_replies(hook, [BOSS, DEPUTY], ["m0"], ReplyMatcher(), "each")
    assert completion.state == "success"
    assert [(reply["number"], reply["keyword"]) for reply in replies] == [(BOSS, "YES"), (DEPUTY, "NO")]


def test_no_reply_is_pending():
    completion, replies = check_replies(hook_listing(), [BOSS], ["m0"], ReplyMatcher(), "any")
    assert (completion.state, replies) == ("pending", [])


def test_opt_outs_unsubscribe_the_contact_once(caplog):
    hook = mock.MagicMock(name="TextioProHook()")
    hook.list_contacts.return_value = [
        Contact(uid="c1", phone=BOSS, status="subscribe"),
        Contact(uid="c2", phone=DEPUTY, status="unsubscribe"),
    ]
    replies = [
        {"number": BOSS, "opted_out": True},
        {"number": DEPUTY, "opted_out": True},
        {"number": "447700900100", "opted_out": True},
        {"number": "447700900106", "opted_out": False},
    ]

    assert unsubscribe_opt_outs(hook, "g1", replies) == [BOSS]

    hook.update_contact.assert_called_once_with("g1", "c1", BOSS, status="unsubscribe")
    assert "447700900100 replied to stop but is not a contact of group g1" in caplog.text


def test_no_opt_out_reads_nothing():
    hook = mock.MagicMock(name="TextioProHook()")
    assert unsubscribe_opt_outs(hook, "g1", [{"number": BOSS, "opted_out": False}]) == []
    hook.list_contacts.assert_not_called()


def page_of(uids: list[str], page: int, last_page: int) -> dict:
    items = [{"uid": uid, "to": ACCOUNT, "from": BOSS, "message": "YES"} for uid in uids]
    return ok(paginator(items, page, last_page, f"{V3}/sms"))


@responses.activate
def test_list_messages_since_reads_only_down_to_the_cursor(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/sms", json=page_of([f"a{i}" for i in range(25)], 1, 4))
    responses.add("GET", f"{V3}/sms", json=page_of(["b0", "cursor", "b2"], 2, 4))

    newer = hook.list_messages_since("cursor")

    assert [m.uid for m in newer] == [f"a{i}" for i in range(25)] + ["b0"]
    assert len(responses.calls) == 2


@responses.activate
def test_a_cursor_on_the_first_page_costs_one_request(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/sms", json=page_of(["new", "old", "older"], 1, 9))

    assert [m.uid for m in hook.list_messages_since(["x", "old"])] == ["new"]
    assert hook.latest_message_uid() == "new"
    assert len(responses.calls) == 2


@responses.activate
def test_list_messages_since_stops_at_its_limit(monkeypatch, caplog):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/sms", json=page_of([f"a{i}" for i in range(25)], 1, 9))

    assert len(hook.list_messages_since("gone", limit=10)) == 10
    assert "stopped after 10 messages without meeting the cursor gone" in caplog.text


@responses.activate
def test_latest_message_uid_of_an_empty_list(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/sms", json=page_of([], 1, 1))
    assert hook.latest_message_uid() is None
