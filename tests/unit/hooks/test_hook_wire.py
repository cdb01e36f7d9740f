"""The exact wire format of every hook method in both auth styles (verb, URL, headers, body, query)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from airflow_provider_textiopro.hooks._internal import endpoints as ep
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from tests.support.hooks import PREFIX, STYLES, TOKEN, make_hook, ok, paginator

GROUP = "6065ecdc9184a"
CONTACT = "606732aec8705"
UID = "606812e63f78b"
MESSAGE = {"uid": UID, "to": "31612345678", "from": "YourName", "message": "Hi", "status": "Delivered"}
GROUP_DATA = {"uid": GROUP, "name": "Nouveau Groupe"}
CONTACT_DATA = {"uid": CONTACT, "phone": 31612345678, "status": "subscribe", "custom_fields": {}}
CAMPAIGN = {"uid": UID, "campaign_name": "api", "status": "queued"}
CAMPAIGN_VIEW = {"id": UID, "name": "api", "message": "Hi", "status": "queued"}


def answer_campaign_view(style: str) -> None:
    """Answer the read-back of campaign UID that follows a send (in either verb)."""
    for verb in ("GET", "POST"):
        responses.add(verb, f"{PREFIX[style]}/campaign/{UID}/view", json=ok(CAMPAIGN_VIEW))


def _list(method: Callable[..., Any]) -> Callable[[TextioProHook], Any]:
    return lambda hook: list(method(hook))


# (id, call, (bearer verb, path), (api_token verb, path), expected body without api_token, answer data)
CASES: list[tuple[str, Callable[[TextioProHook], Any], tuple[str, str], tuple[str, str], dict, Any]] = [
    (
        "send_message",
        lambda hook: hook.send_message("31612345678", "Hi", sender_id="YourName"),
        ("POST", "sms/send"),
        ("POST", "sms/send"),
        {"recipient": "31612345678", "sender_id": "YourName", "type": "plain", "message": "Hi"},
        MESSAGE,
    ),
    (
        "get_message",
        lambda hook: hook.get_message(UID),
        ("GET", f"sms/{UID}"),
        ("GET", f"sms/{UID}"),
        {},
        MESSAGE,
    ),
    (
        "list_messages",
        _list(TextioProHook.list_messages),
        ("GET", "sms"),
        ("GET", "sms"),
        {},
        paginator([MESSAGE]),
    ),
    (
        "send_campaign",
        lambda hook: hook.send_campaign(["6415907d0d37a", "6415907d0d7a6"], "Hi", sender_id="YourName"),
        ("POST", "sms/campaign"),
        ("POST", "sms/campaign"),
        {
            "contact_list_id": "6415907d0d37a,6415907d0d7a6",
            "sender_id": "YourName",
            "type": "plain",
            "message": "Hi",
        },
        CAMPAIGN,
    ),
    (
        "get_campaign",
        lambda hook: hook.get_campaign(UID),
        ("GET", f"campaign/{UID}/view"),
        ("GET", f"campaign/{UID}/view"),
        {},
        {"id": UID, "name": "api", "status": "done", "stats": {"delivered_count": 2}},
    ),
    (
        "create_group",
        lambda hook: hook.create_group("Nouveau Groupe"),
        ("POST", "contacts"),
        ("POST", "contacts"),
        {"name": "Nouveau Groupe"},
        GROUP_DATA,
    ),
    (
        "get_group",
        lambda hook: hook.get_group(GROUP),
        ("POST", f"contacts/{GROUP}/show"),
        ("GET", f"contacts/{GROUP}/show"),
        {},
        GROUP_DATA,
    ),
    (
        "update_group",
        lambda hook: hook.update_group(GROUP, "Nouveau Nom du Groupe"),
        ("PATCH", f"contacts/{GROUP}"),
        ("PATCH", f"contacts/{GROUP}"),
        {"name": "Nouveau Nom du Groupe"},
        GROUP_DATA,
    ),
    (
        "delete_group",
        lambda hook: hook.delete_group(GROUP),
        ("DELETE", f"contacts/{GROUP}"),
        ("DELETE", f"contacts/{GROUP}"),
        {},
        None,
    ),
    (
        "list_groups",
        _list(TextioProHook.list_groups),
        ("GET", "contacts"),
        ("GET", "contacts"),
        {},
        paginator([GROUP_DATA]),
    ),
    (
        "create_contact",
        lambda hook: hook.create_contact(GROUP, "+31 6 1234 5678", FIRST_NAME="Jhon", last_name="Doe"),
        ("POST", f"contacts/{GROUP}/store"),
        ("POST", f"contacts/{GROUP}/store"),
        {"PHONE": "31612345678", "FIRST_NAME": "Jhon", "LAST_NAME": "Doe"},
        CONTACT_DATA,
    ),
    (
        "get_contact",
        lambda hook: hook.get_contact(GROUP, CONTACT),
        ("POST", f"contacts/{GROUP}/search/{CONTACT}"),
        ("GET", f"contacts/{GROUP}/search/{CONTACT}"),
        {},
        CONTACT_DATA,
    ),
    (
        "update_contact",
        lambda hook: hook.update_contact(GROUP, CONTACT, "31612345679", FIRST_NAME="Johnathan"),
        ("PATCH", f"contacts/{GROUP}/update/{CONTACT}"),
        ("PATCH", f"contacts/{GROUP}/update/{CONTACT}"),
        {"PHONE": "31612345679", "phone": "31612345679", "FIRST_NAME": "Johnathan"},
        CONTACT_DATA,
    ),
    (
        "delete_contact",
        lambda hook: hook.delete_contact(GROUP, CONTACT),
        ("DELETE", f"contacts/{GROUP}/delete/{CONTACT}"),
        ("DELETE", f"contacts/{GROUP}/delete/{CONTACT}"),
        {},
        "Le contact a été supprimé.",
    ),
    (
        "list_contacts",
        lambda hook: list(hook.list_contacts(GROUP)),
        ("POST", f"contacts/{GROUP}/all"),
        ("GET", f"contacts/{GROUP}/all"),
        {},
        paginator([CONTACT_DATA]),
    ),
    (
        "get_balance",
        lambda hook: hook.get_balance(),
        ("GET", "balance"),
        ("GET", "balance"),
        {},
        {"remaining_balance": "₱427", "expired_on": "2030-01-01"},
    ),
    (
        "get_profile",
        lambda hook: hook.get_profile(),
        ("GET", "me"),
        ("GET", "me"),
        {},
        {"uid": "u1", "first_name": "Jo", "api_token": TOKEN},
    ),
]


def _request_json(request: Any) -> Any:
    return None if not request.body else json.loads(request.body)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    ("name", "call", "bearer", "api_token", "body", "data"), CASES, ids=[c[0] for c in CASES]
)
@responses.activate
def test_wire_format(monkeypatch, style, name, call, bearer, api_token, body, data):
    hook, _ = make_hook(monkeypatch, style)
    verb, path = bearer if style == "bearer" else api_token
    responses.add(verb, f"{PREFIX[style]}/{path}", json=ok(data))
    if name == "send_campaign":
        answer_campaign_view(style)

    call(hook)

    assert len(responses.calls) == (2 if name == "send_campaign" else 1)
    request = responses.calls[0].request
    url = urlsplit(request.url)
    assert request.method == verb
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{PREFIX[style]}/{path}"
    assert parse_qs(url.query) == ({"api_token": [TOKEN]} if style == "api_token" and verb == "GET" else {})
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("airflow-provider-textiopro/")
    if style == "bearer":
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert _request_json(request) == (body or None)
    else:
        assert "Authorization" not in request.headers
        assert _request_json(request) == (None if verb == "GET" else {"api_token": TOKEN, **body})


def test_every_api_token_read_goes_out_as_get_first():
    reads = [endpoint for endpoint in vars(ep).values() if isinstance(endpoint, ep.Endpoint)]
    reads = [endpoint for endpoint in reads if endpoint.kind is ep.Kind.READ]
    assert len(reads) == 9
    assert {endpoint.verb(ep.API_TOKEN) for endpoint in reads} == {"GET"}


@responses.activate
def test_campaign_body_names_groups_contact_list_id_never_recipient(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("POST", f"{PREFIX['bearer']}/sms/campaign", json=ok(CAMPAIGN))
    answer_campaign_view("bearer")

    hook.send_campaign("6415907d0d37a, 6415907d0d7a6,6415907d0d37a", "Hi")

    sent = _request_json(responses.calls[0].request)
    assert sent["contact_list_id"] == "6415907d0d37a,6415907d0d7a6"
    assert "recipient" not in sent


@responses.activate
def test_get_in_api_token_style_puts_the_token_in_the_query_string(monkeypatch):
    hook, _ = make_hook(monkeypatch, "api_token")
    responses.add("GET", f"{PREFIX['api_token']}/me", json=ok({"uid": "u1"}))

    hook.get_profile()

    request = responses.calls[0].request
    assert parse_qs(urlsplit(request.url).query) == {"api_token": [TOKEN]}
    assert request.body is None


@pytest.mark.parametrize("style", STYLES)
@responses.activate
def test_later_pages_are_asked_with_the_page_query(monkeypatch, style):
    hook, _ = make_hook(monkeypatch, style)
    verb = "GET"
    url = f"{PREFIX[style]}/sms"
    responses.add(verb, url, json=ok(paginator([MESSAGE], 1, 2)))
    responses.add(verb, url, json=ok(paginator([{**MESSAGE, "uid": "b"}], 2, 2)))

    assert [m.uid for m in hook.list_messages()] == [UID, "b"]

    queries = [parse_qs(urlsplit(call.request.url).query) for call in responses.calls]
    token = {"api_token": [TOKEN]} if style == "api_token" else {}
    assert queries == [token, {**token, "page": ["2"]}]


@responses.activate
def test_message_body_carries_channel_fields_schedule_and_dlt_template(monkeypatch):
    hook, _ = make_hook(monkeypatch, timezone="Europe/Paris", default_sender_id="Alerts")
    responses.add("GET", f"{PREFIX['bearer']}/me", json=ok({"uid": "u1", "timezone": "Europe/Paris"}))
    responses.add("POST", f"{PREFIX['bearer']}/sms/send", json=ok(None, "Message is scheduled successfully."))

    hook.send_message(
        "31612345678",
        "Bonjour",
        type="voice",
        language="fr-FR",
        gender="female",
        schedule_time="2099-01-31T08:00:00+00:00",
        dlt_template_id=1207,
    )

    assert _request_json(responses.calls[-1].request) == {
        "recipient": "31612345678",
        "sender_id": "Alerts",
        "type": "voice",
        "message": "Bonjour",
        "schedule_time": "2099-01-31 09:00",
        "dlt_template_id": "1207",
        "language": "fr-fr",
        "gender": "female",
    }
