"""Typed results parsed from every response variant of FIELD-NOTES, and lazy pagination."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
import responses

from airflow_provider_textiopro.models import CampaignStatus, MessageStatus, Page
from tests.support.hooks import HTTP, TOKEN, V3, by_page, make_hook, ok, paginator


@pytest.mark.parametrize(
    ("data", "status", "segments"),
    [
        (
            {"uid": "a1", "to": "31612345678", "status": "Delivered", "sms_count": 2},
            MessageStatus.DELIVERED,
            2,
        ),
        ({"uid": "a1", "to": 31612345678, "customer_status": "Enroute"}, MessageStatus.ENROUTE, None),
        ([{"uid": "a1", "to": "31612345678", "status": "Undelivered"}], MessageStatus.UNDELIVERED, None),
        ({"uid": "a1", "to": "31612345678", "status": "Invalid phone number"}, MessageStatus.UNKNOWN, None),
    ],
)
@responses.activate
def test_get_message_variants(monkeypatch, data, status, segments):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/sms/a1", json=ok(data))
    message = hook.get_message("a1")
    assert (message.uid, message.to, message.status, message.segments) == (
        "a1",
        "31612345678",
        status,
        segments,
    )


@responses.activate
def test_list_messages_is_lazy_and_reads_every_page(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    pages = {
        page: paginator(
            [{"uid": f"p{page}m{i}", "to": "31612345678", "status": "Delivered"} for i in range(2)], page, 3
        )
        for page in (1, 2, 3)
    }
    by_page("GET", f"{V3}/sms", pages)  # pages 2 and 3 are read concurrently, in either order

    messages = hook.list_messages()
    assert len(responses.calls) == 0
    assert next(messages).uid == "p1m0"
    assert len(responses.calls) == 1
    assert [m.uid for m in messages] == ["p1m1", "p2m0", "p2m1", "p3m0", "p3m1"]
    assert len(responses.calls) == 3


@responses.activate
def test_pagination_stops_when_the_server_ignores_the_page(monkeypatch, caplog):
    caplog.set_level(logging.WARNING)
    hook, _ = make_hook(monkeypatch, max_concurrent_requests=1)
    responses.add("GET", f"{V3}/contacts", json=ok(paginator([{"uid": "g1", "name": "A"}], 1, 5)))

    assert [g.uid for g in hook.list_groups()] == ["g1"]  # page 1 answered again is not listed twice
    assert len(responses.calls) == 2
    assert "page 2 was answered as page 1" in caplog.text


@responses.activate
def test_pagination_stops_on_an_empty_page(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/contacts", json=ok(paginator([], 1, 9)))
    assert list(hook.list_groups()) == []
    assert len(responses.calls) == 1


@responses.activate
def test_a_bare_list_is_one_page(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/contacts", json=ok([{"uid": "g1", "name": "A"}, {"uid": "g2", "name": "B"}]))
    assert [g.name for g in hook.list_groups()] == ["A", "B"]


def test_page_follows_next_page_url_without_last_page():
    page = Page.from_api({"current_page": 1, "data": [{"uid": "x"}], "next_page_url": "/x?page=2"}, dict)
    assert page.has_next
    page = Page.from_api({"current_page": 2, "data": [{"uid": "x"}], "next_page_url": None}, dict)
    assert not page.has_next


def test_page_accepts_items_keyed_by_index():
    page = Page.from_api({"data": {"0": {"uid": "a"}, "1": {"uid": "b"}}}, dict)
    assert [item["uid"] for item in page] == ["a", "b"]


@responses.activate
def test_find_group_by_name_stops_at_the_match(monkeypatch):
    hook, _ = make_hook(monkeypatch, max_concurrent_requests=1)
    responses.add("GET", f"{V3}/contacts", json=ok(paginator([{"uid": "g1", "name": "Staff"}], 1, 3)))
    responses.add("GET", f"{V3}/contacts", json=ok(paginator([{"uid": "g2", "name": "Customers"}], 2, 3)))

    assert hook.find_group_by_name(" Customers ").uid == "g2"
    assert len(responses.calls) == 2


@responses.activate
def test_find_group_by_name_returns_none(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/contacts", json=ok(paginator([{"uid": "g1", "name": "Staff"}])))
    assert hook.find_group_by_name("Customers") is None


@pytest.mark.parametrize(
    ("data", "remaining", "amount", "unlimited"),
    [
        ({"remaining_balance": "₱427", "expired_on": "2030-01-01"}, "₱427", Decimal(427), False),
        ({"remaining_unit": "1,234", "expired_on": "2030-01-01"}, "1,234", Decimal(1234), False),
        ({"remaining_balance": "Unlimited"}, "Unlimited", None, True),
        ({"balance": 100, "unit": "sms"}, "100", Decimal(100), False),
    ],
)
@responses.activate
def test_balance_shapes(monkeypatch, data, remaining, amount, unlimited):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{V3}/balance", json=ok(data))
    balance = hook.get_balance()
    assert (balance.remaining, balance.amount, balance.unlimited) == (remaining, amount, unlimited)


@responses.activate
def test_profile_drops_the_api_token(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    me = {"uid": "u1", "api_token": TOKEN, "first_name": "Jo", "last_name": "Doe", "email": "jo@example.com"}
    responses.add("GET", f"{V3}/me", json=ok(me))
    profile = hook.get_profile()
    assert profile.name == "Jo Doe"
    assert TOKEN not in repr(profile)
    assert TOKEN not in str(profile.to_dict())


@pytest.mark.parametrize(
    ("data", "phone", "fields"),
    [
        (
            {"uid": "c1", "phone": 31612345678, "status": "subscribe", "custom_fields": {"FIRST_NAME": "Jo"}},
            "31612345678",
            {"FIRST_NAME": "Jo"},
        ),
        (
            {"uid": "c1", "phone": "31612345678", "first_name": "Jo", "last_name": "Doe"},
            "31612345678",
            {"FIRST_NAME": "Jo", "LAST_NAME": "Doe"},
        ),
    ],
)
@responses.activate
def test_contact_shapes(monkeypatch, data, phone, fields):
    hook, _ = make_hook(monkeypatch)
    responses.add("POST", f"{V3}/contacts/g1/search/c1", json=ok(data))
    contact = hook.get_contact("g1", "c1")
    assert (contact.uid, contact.phone, contact.fields) == ("c1", phone, fields)


@responses.activate
def test_list_contacts_of_a_group(monkeypatch):
    hook, _ = make_hook(monkeypatch, "api_token")
    contacts = [{"uid": f"c{i}", "phone": 31612345670 + i} for i in range(3)]
    responses.add("GET", f"{HTTP}/contacts/g1/all", json=ok(paginator(contacts)))
    assert [c.phone for c in hook.list_contacts("g1")] == ["31612345670", "31612345671", "31612345672"]


@responses.activate
def test_campaign_send_and_view_answers(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add(
        "POST",
        f"{V3}/sms/campaign",
        json=ok(
            {"uid": "c0ffee0000001", "campaign_name": "api", "status": "scheduled", "schedule_time": "x"}
        ),
    )
    view = {
        "id": "c0ffee0000001",
        "name": "api",
        "message": "Hi",
        "status": "done",
        "type": "plain",
        "created_at": "29th Jan 27, 7:24 PM",
        "delivery_at": "29th Jan 27, 7:30 PM",
        "stats": {"delivered_count": 5, "failed_count": "1", "enroute_count": 0},
    }
    responses.add("GET", f"{V3}/campaign/c0ffee0000001/view", json=ok(view))

    sent = hook.send_campaign("g1", "Hi")
    assert (sent.uid, sent.status, sent.name) == ("c0ffee0000001", CampaignStatus.SCHEDULED, "api")
    campaign = hook.get_campaign(sent.uid)
    assert campaign.status.is_success
    assert (campaign.stats.delivered, campaign.stats.failed, campaign.stats.total) == (5, 1, 6)
    assert campaign.created_at == "29th Jan 27, 7:24 PM"


@responses.activate
def test_deletes_return_none_whatever_the_data(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("DELETE", f"{V3}/contacts/g1", json=ok("null"))
    responses.add("DELETE", f"{V3}/contacts/g1/delete/c1", json=ok(None))
    assert hook.delete_group("g1") is None
    assert hook.delete_contact("g1", "c1") is None


@responses.activate
def test_success_without_status_but_with_data_is_accepted(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("POST", f"{V3}/contacts/g1/show", json={"data": {"uid": "g1", "name": "A"}})
    assert hook.get_group("g1").name == "A"
