"""The sandbox over a real socket, driven with plain ``requests`` (not the hook)."""

from __future__ import annotations

import io
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.sandbox import OTHER_TOKEN, SANDBOX_TOKEN
from textiopro_sandbox import SandboxServer, run_sandbox, views
from textiopro_sandbox.__main__ import build_parser, config_from_args, main

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
UID = re.compile(r"^[0-9a-f]{13}$")
DISPLAY_DATE = re.compile(r"^\d{1,2}(st|nd|rd|th) [A-Z][a-z]{2} \d{2}, \d{1,2}:\d{2} (AM|PM)$")
ACCEPT_JSON = {"Accept": "application/json"}
PHONE = "31612345678"
FAILING, UNDELIVERED, EXPIRED, REJECTED, SKIPPED = (f"44770090000{d}" for d in "12345")
REFUSED, STUCK = "447700900008", "447700900009"


class Client:
    """Calls one auth style the way the reference documents it.

    :param style: ``"bearer"`` (``/api/v3``) or ``"api_token"`` (``/api/http``).
    """

    def __init__(self, url: str, token: str, style: str) -> None:
        self.url = url
        self.token = token
        self.style = style

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """Send one request with the token where this style wants it."""
        params = dict(params or {})
        body = dict(body or {})
        sent_headers = dict(ACCEPT_JSON)
        if self.style == "bearer":
            prefix = "/api/v3/"
            sent_headers["Authorization"] = f"Bearer {self.token}"
        else:
            prefix = "/api/http/"
            if method == "GET":
                params["api_token"] = self.token
            else:
                body["api_token"] = self.token
        sent_headers.update(headers or {})
        return requests.request(
            method,
            self.url + prefix + path,
            json=body if method != "GET" else None,
            params=params,
            headers=sent_headers,
            timeout=10,
        )

    def data(self, method: str, path: str, body: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """Call and return ``data`` of a success answer."""
        answer = self.call(method, path, body, **kwargs)
        assert answer.status_code == 200, answer.text
        payload = answer.json()
        assert payload["status"] == "success", payload
        return payload["data"]

    def error(
        self, method: str, path: str, body: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[int, str]:
        """Call and return the HTTP code and ``message`` of an error answer."""
        answer = self.call(method, path, body, **kwargs)
        payload = answer.json()
        assert payload["status"] == "error", payload
        return answer.status_code, payload["message"]

    def read(self, path: str, **kwargs: Any) -> Any:
        """A read with GET, as the platform serves them in both styles."""
        return self.data("GET", path, **kwargs)


@pytest.fixture(autouse=True)
def fresh(sandbox: SandboxServer) -> Iterator[SandboxServer]:
    sandbox.reset()
    yield sandbox
    sandbox.reset()


@pytest.fixture(params=["bearer", "api_token"])
def client(request: pytest.FixtureRequest, sandbox: SandboxServer) -> Client:
    return Client(sandbox.url, sandbox.token, request.param)


@pytest.fixture
def paced() -> Iterator[SandboxServer]:
    """A sandbox whose 60-second delays pass only when the test advances its clock."""
    with run_sandbox(port=0, seed=5, delivery_delay=60, campaign_step_delay=60, quiet=True) as server:
        yield server


@pytest.fixture
def bearer(sandbox: SandboxServer) -> Client:
    return Client(sandbox.url, sandbox.token, "bearer")


@pytest.fixture
def http(sandbox: SandboxServer) -> Client:
    return Client(sandbox.url, sandbox.token, "api_token")


def send(client: Client, recipient: str, message: str = "Hello", **fields: Any) -> Any:
    return client.data("POST", "sms/send", {"recipient": recipient, "message": message, **fields})


def add_group(client: Client, name: str, *phones: str, **fields: Any) -> str:
    uid = client.data("POST", "contacts", {"name": name})["uid"]
    for phone in phones:
        client.data("POST", f"contacts/{uid}/store", {"PHONE": phone, **fields})
    return uid


def advance_past(sandbox: SandboxServer, schedule_time: str) -> None:
    moment = datetime.strptime(schedule_time, "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc)
    sandbox.advance(moment.timestamp() - sandbox.state.clock.now() + 1)


def control(sandbox: SandboxServer, method: str, name: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{sandbox.url}/_sandbox/{name}", json=body, timeout=10)


# Every endpoint, both styles


def test_groups_and_contacts(client: Client) -> None:
    group = client.data("POST", "contacts", {"name": "Customers"})
    assert UID.match(group["uid"])
    assert group == {"uid": group["uid"], "name": "Customers"}
    gid = group["uid"]
    assert client.error("POST", "contacts", {"name": "Customers"}) == (
        422,
        "The name has already been taken.",
    )
    assert client.data("POST", f"contacts/{gid}/show") == group
    assert client.data("PATCH", f"contacts/{gid}", {"name": "Clients"}) == {"uid": gid, "name": "Clients"}
    listing = client.read("contacts")
    assert (listing["total"], listing["data"]) == (1, [{"uid": gid, "name": "Clients"}])

    contact = client.data(
        "POST", f"contacts/{gid}/store", {"PHONE": "+31 6 1234-5678", "FIRST_NAME": "Ann", "CITY": "Delft"}
    )
    assert UID.match(contact["uid"])
    assert contact == {
        "uid": contact["uid"],
        "phone": 31612345678,
        "status": "subscribe",
        "custom_fields": {"FIRST_NAME": "Ann", "CITY": "Delft"},
    }
    cid = contact["uid"]
    assert client.error("POST", f"contacts/{gid}/store", {"PHONE": PHONE}) == (
        422,
        "The p h o n e has already been taken.",
    )
    assert client.data("POST", f"contacts/{gid}/search/{cid}") == contact
    updated = client.data(
        "PATCH",
        f"contacts/{gid}/update/{cid}",
        {"PHONE": "31612345679", "phone": "31612345679", "LAST_NAME": "Lee", "STATUS": "unsubscribe"},
    )
    assert updated["phone"] == 31612345679
    assert updated["status"] == "unsubscribe"
    assert updated["custom_fields"] == {"FIRST_NAME": "Ann", "CITY": "Delft", "LAST_NAME": "Lee"}
    assert client.data("POST", f"contacts/{gid}/all")["data"] == [updated]

    assert client.data("DELETE", f"contacts/{gid}/delete/{cid}") is None
    assert client.error("POST", f"contacts/{gid}/search/{cid}") == (
        404,
        f"No query results for model [App\\Models\\Contacts] {cid}",
    )
    assert client.data("DELETE", f"contacts/{gid}") is None
    assert client.error("POST", f"contacts/{gid}/show") == (
        404,
        f"No query results for model [App\\Models\\ContactGroups] {gid}",
    )


def test_messages_balance_and_profile(client: Client) -> None:
    sent = send(client, PHONE, "Hello there", sender_id="Shop")
    assert UID.match(sent["uid"])
    assert sent == {
        "uid": sent["uid"],
        "to": PHONE,
        "from": "Shop",
        "message": "Hello there",
        "status": "Enroute",
        "cost": "1",
        "sms_count": 1,
    }
    report = client.read(f"sms/{sent['uid']}")
    assert report["uid"] == sent["uid"]
    assert (report["to"], report["status"], report["sms_count"], report["sms_type"]) == (
        PHONE,
        "Enroute",
        1,
        "plain",
    )
    listing = client.read("sms")
    assert [m["uid"] for m in listing["data"]] == [sent["uid"]]
    assert client.read("balance")["remaining_balance"] == "\u20b1999.00"
    profile = client.read("me")
    assert UID.match(profile["uid"])
    assert profile["api_token"] == client.token
    assert {"first_name", "last_name", "email", "locale", "timezone", "last_access_at"} <= set(profile)


def test_http_reads_answer_get_and_post(http: Client) -> None:
    uid = send(http, PHONE)["uid"]
    for path in ("me", "balance", "sms", f"sms/{uid}"):
        assert http.data("GET", path) == http.data("POST", path), path


def test_http_send_with_the_query_string(sandbox: SandboxServer) -> None:
    answer = requests.get(
        f"{sandbox.url}/api/http/sms/send",
        params={"recipient": PHONE, "message": "test", "sender_id": "YourName", "api_token": sandbox.token},
        headers=ACCEPT_JSON,
        timeout=10,
    )
    assert answer.json()["data"]["to"] == PHONE


def test_http_groups_are_listed_by_get_and_post_creates(http: Client) -> None:
    gid = add_group(http, "One")
    assert http.data("GET", "contacts")["data"] == [{"uid": gid, "name": "One"}]
    assert http.error("POST", "contacts") == (200, "The name field is required.")
    assert http.error("POST", "contacts", {"name": " "}) == (200, "The name field is required.")


def test_http_group_and_contact_reads_answer_get(http: Client) -> None:
    gid = add_group(http, "One")
    cid = http.data("POST", f"contacts/{gid}/store", {"PHONE": PHONE})["uid"]
    assert http.data("GET", f"contacts/{gid}/show") == {"uid": gid, "name": "One"}
    assert http.data("GET", f"contacts/{gid}/search/{cid}")["uid"] == cid
    assert [c["uid"] for c in http.data("GET", f"contacts/{gid}/all")["data"]] == [cid]


def test_http_contact_update_needs_the_lower_case_phone(http: Client, bearer: Client) -> None:
    gid = add_group(http, "One")
    cid = http.data("POST", f"contacts/{gid}/store", {"PHONE": PHONE})["uid"]
    path = f"contacts/{gid}/update/{cid}"
    assert http.error("PATCH", path, {"PHONE": PHONE}) == (
        200,
        "Cannot assign null to property App\\Rules\\Phone::$value",
    )
    assert http.data("PATCH", path, {"PHONE": PHONE, "phone": PHONE, "FIRST_NAME": "Jo"})["uid"] == cid
    assert bearer.data("PATCH", path, {"PHONE": PHONE, "FIRST_NAME": "Al"})["uid"] == cid


def test_campaigns_need_the_bearer_api(http: Client) -> None:
    assert http.error("POST", "sms/campaign", {"contact_list_id": "6415907d0d37a", "message": "x"}) == (
        405,
        "The POST method is not supported for route api/http/sms/campaign. Supported methods: GET, HEAD.",
    )
    assert http.error("GET", "campaign/6415907d0d37a/view") == (
        404,
        "The route api/http/campaign/6415907d0d37a/view could not be found.",
    )


def test_routing_errors(bearer: Client, sandbox: SandboxServer) -> None:
    assert bearer.error("GET", "nothing/here") == (404, "The route api/v3/nothing/here could not be found.")
    assert bearer.error("POST", "me") == (
        405,
        "The POST method is not supported for route api/v3/me. Supported methods: GET, HEAD.",
    )
    assert bearer.error("GET", "sms/send") == (200, "No query results for model [App\\Models\\Reports] send")
    page = requests.get(f"{sandbox.url}/elsewhere", timeout=10)
    assert (page.status_code, page.headers["Content-Type"].split(";")[0]) == (404, "text/html")


# Authentication


def test_bad_bearer_token_is_http_200_unauthenticated(sandbox: SandboxServer) -> None:
    for headers in ({"Authorization": "Bearer wrong"}, {"Authorization": sandbox.token}, {}):
        answer = requests.get(f"{sandbox.url}/api/v3/me", headers={**ACCEPT_JSON, **headers}, timeout=10)
        assert (answer.status_code, answer.json()) == (
            200,
            {"status": "error", "message": "Unauthenticated."},
        )


def test_bad_bearer_token_without_accept_json_is_redirected_to_login(sandbox: SandboxServer) -> None:
    answer = requests.get(
        f"{sandbox.url}/api/v3/me",
        headers={"Authorization": "Bearer wrong"},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"{sandbox.url}/login"


def test_bad_api_token(sandbox: SandboxServer) -> None:
    expected = {"status": "error", "message": "These credentials do not match our records."}
    wrong = Client(sandbox.url, "wrong", "api_token")
    for method in ("GET", "POST"):
        answer = wrong.call(method, "me")
        assert (answer.status_code, answer.json()) == (200, expected)
    bearer_only = requests.get(
        f"{sandbox.url}/api/http/me",
        headers={**ACCEPT_JSON, "Authorization": f"Bearer {sandbox.token}"},
        timeout=10,
    )
    assert bearer_only.json() == expected


def test_each_token_is_its_own_account(sandbox: SandboxServer, bearer: Client) -> None:
    other = Client(sandbox.url, OTHER_TOKEN, "bearer")
    gid = add_group(bearer, "Mine")
    assert other.data("GET", "contacts")["data"] == []
    assert other.error("POST", f"contacts/{gid}/show")[0] == 404
    assert other.data("GET", "me")["uid"] != bearer.data("GET", "me")["uid"]


# Sending


def test_at_most_100_recipients(bearer: Client) -> None:
    numbers = [f"316{n:08d}" for n in range(101)]
    assert bearer.error("POST", "sms/send", {"recipient": ",".join(numbers), "message": "x"}) == (
        403,
        "You cannot send more than 100 SMS in a single request.",
    )
    sent = send(bearer, ",".join(numbers[:100]))
    assert len({m["uid"] for m in sent}) == 100
    assert bearer.data("GET", "balance")["remaining_balance"] == "\u20b1900.00"


def test_several_recipients_report_each_and_skip_invalid_ones(bearer: Client) -> None:
    answer = bearer.call(
        "POST", "sms/send", {"recipient": f"{PHONE}, +{PHONE},0612345678,123,447700900002", "message": "x"}
    )
    payload = answer.json()
    assert payload["message"] == (
        "Your message was successfully delivered. "
        "0612345678 is a invalid phone number, 123 is a invalid phone number"
    )
    assert [(m["to"], m["customer_status"]) for m in payload["data"]] == [
        (PHONE, "Enroute"),
        (UNDELIVERED, "Enroute"),
    ]
    assert all("status" not in m for m in payload["data"])


def test_one_invalid_recipient_is_refused(bearer: Client) -> None:
    assert bearer.error("POST", "sms/send", {"recipient": "0612345678", "message": "x"}) == (
        403,
        "0612345678 is a invalid phone number",
    )
    assert bearer.error("POST", "sms/send", {"recipient": REFUSED, "message": "x"}) == (403, "Failed")
    assert bearer.data("GET", "sms")["total"] == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"message": "x"}, "The recipient field is required."),
        ({"recipient": PHONE}, "The message field is required."),
        ({"recipient": PHONE, "message": "x", "type": "fax"}, "Please insert valid sms type"),
        (
            {"recipient": PHONE, "message": "x", "type": "voice"},
            "Language and gender parameters are required",
        ),
        (
            {"recipient": PHONE, "message": "x", "type": "voice", "language": "en-gb", "gender": "robot"},
            "Language and gender parameters are required",
        ),
        ({"recipient": PHONE, "message": "x", "type": "mms"}, "media_url parameter is required"),
        (
            {"recipient": PHONE, "message": "x", "sender_id": "TwelveChars1"},
            "The sender id must not be greater than 11 characters.",
        ),
        (
            {"recipient": PHONE, "message": "x", "schedule_time": "2030-01-01T10:00"},
            "The schedule time does not match the format Y-m-d H:i.",
        ),
    ],
)
def test_send_validation(client: Client, fields: dict[str, Any], message: str) -> None:
    status, text = client.error("POST", "sms/send", fields)
    assert status == 200
    assert text.startswith(message)


def test_channels_with_their_parameters(bearer: Client) -> None:
    voice = send(bearer, PHONE, type="voice", language="en-gb", gender="female")
    mms = send(bearer, PHONE, type="mms", media_url="https://example.com/a.jpg")
    whatsapp = send(bearer, PHONE, type="whatsapp", sender_id="A-WhatsApp-Business-Id")
    assert all(UID.match(m["uid"]) for m in (voice, mms, whatsapp))


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("é" * 160, 1),
        ("ł" * 70, 1),
        ("ł" * 71, 2),
        ("😀" * 35, 1),
    ],
)
def test_segments(bearer: Client, text: str, segments: int) -> None:
    sent = send(bearer, PHONE, text)
    assert (sent["sms_count"], sent["cost"]) == (segments, str(segments))


def test_balance_goes_down_by_segments_times_recipients(bearer: Client) -> None:
    send(bearer, f"{PHONE},31612345679,31612345670", "ł" * 71)
    assert bearer.data("GET", "balance")["remaining_balance"] == "\u20b1994.00"
    assert bearer.data("GET", "sms")["data"][0]["sms_type"] == "unicode"


def test_not_enough_balance() -> None:
    with run_sandbox(port=0, balance=2, cost_per_segment="0.75", quiet=True) as sandbox:
        client = Client(sandbox.url, sandbox.token, "bearer")
        assert client.error(
            "POST", "sms/send", {"recipient": f"{PHONE},31612345679,31612345670", "message": "x"}
        ) == (
            403,
            "There is not enough balance available to send this message. You have 2 of the 2.25",
        )
        assert send(client, PHONE)["cost"] == "0.75"
        assert client.data("GET", "balance")["remaining_balance"] == "\u20b11.25"


def test_unlimited_balance() -> None:
    with run_sandbox(port=0, balance=None, quiet=True) as sandbox:
        client = Client(sandbox.url, sandbox.token, "bearer")
        send(client, PHONE)
        assert client.data("GET", "balance")["remaining_balance"] == "Unlimited"


def test_scheduled_messages_appear_at_their_time(sandbox: SandboxServer, client: Client) -> None:
    answer = client.call(
        "POST",
        "sms/send",
        {"recipient": f"{PHONE},31612345679", "message": "Later", "schedule_time": "2099-01-01 10:00"},
    ).json()
    assert answer == {"status": "success", "message": "Message is scheduled successfully.", "data": None}
    assert client.read("sms")["total"] == 0
    assert client.read("balance")["remaining_balance"] == "\u20b1998.00"
    advance_past(sandbox, "2099-01-01 10:00")
    assert [m["to"] for m in client.read("sms")["data"]] == ["31612345679", PHONE]


# Statuses


def test_message_status_moves_after_the_delivery_delay(paced: SandboxServer) -> None:
    bearer = Client(paced.url, paced.token, "bearer")
    numbers = [PHONE, FAILING, UNDELIVERED, EXPIRED, REJECTED, SKIPPED, STUCK]
    sent = send(bearer, ",".join(numbers))
    uids = {m["to"]: m["uid"] for m in sent}
    assert {bearer.data("GET", f"sms/{uid}")["status"] for uid in uids.values()} == {"Enroute"}
    paced.advance(60)
    final = {to: bearer.data("GET", f"sms/{uid}")["status"] for to, uid in uids.items()}
    assert final == {
        PHONE: "Delivered",
        FAILING: "Failed",
        UNDELIVERED: "Undelivered",
        EXPIRED: "Expired",
        REJECTED: "Rejected",
        SKIPPED: "Skipped",
        STUCK: "Enroute",
    }
    paced.advance(3600)
    assert bearer.data("GET", f"sms/{uids[STUCK]}")["status"] == "Enroute"


def test_message_status_moves_in_real_time(bearer: Client) -> None:
    uid = send(bearer, PHONE)["uid"]
    deadline = time.monotonic() + 20
    status = "Enroute"
    while status == "Enroute" and time.monotonic() < deadline:
        time.sleep(0.05)
        status = bearer.data("GET", f"sms/{uid}")["status"]
    assert status == "Delivered"


def test_initial_status_accepted() -> None:
    with run_sandbox(port=0, initial_status="Accepted", quiet=True) as sandbox:
        assert send(Client(sandbox.url, sandbox.token, "bearer"), PHONE)["status"] == "Accepted"


def test_failure_rate_and_uids_are_reproducible_with_a_seed() -> None:
    numbers = ",".join(f"316{n:08d}" for n in range(40))

    def outcomes() -> list[tuple[str, str]]:
        with run_sandbox(port=0, seed=7, failure_rate=0.5, delivery_delay=0, quiet=True) as sandbox:
            client = Client(sandbox.url, sandbox.token, "bearer")
            sent = send(client, numbers)
            return [(m["uid"], client.data("GET", f"sms/{m['uid']}")["status"]) for m in sent]

    first = outcomes()
    assert {status for _, status in first} == {"Delivered", "Failed"}
    assert outcomes() == first


def test_reset_starts_the_uid_sequence_again(sandbox: SandboxServer, bearer: Client) -> None:
    first = add_group(bearer, "A")
    sandbox.reset()
    assert add_group(bearer, "A") == first


def test_unknown_uids(sandbox: SandboxServer, bearer: Client) -> None:
    assert bearer.error("GET", "sms/abcdef1234567") == (
        200,
        "No query results for model [App\\Models\\Reports] abcdef1234567",
    )
    assert bearer.error("GET", "campaign/abcdef1234567/view") == (
        200,
        "No query results for model [App\\Models\\Campaigns] abcdef1234567",
    )
    page = requests.get(
        f"{sandbox.url}/api/v3/sms/abcdef1234567",
        headers={"Authorization": f"Bearer {sandbox.token}"},
        timeout=10,
    )
    assert (page.status_code, page.headers["Content-Type"].split(";")[0]) == (404, "text/html")


# Campaigns


def test_campaign_progression_with_stats(paced: SandboxServer) -> None:
    bearer = Client(paced.url, paced.token, "bearer")
    first = add_group(bearer, "First", PHONE, FAILING)
    bearer.data("POST", f"contacts/{first}/store", {"PHONE": "31612345670", "STATUS": "unsubscribe"})
    second = add_group(bearer, "Second", PHONE, "31612345679")
    created = bearer.data(
        "POST",
        "sms/campaign",
        {"contact_list_id": f"{first},{second}", "message": "Sale", "sender_id": "Shop", "type": "plain"},
    )
    assert UID.match(created["uid"])
    assert created == {"uid": created["uid"], "campaign_name": created["campaign_name"], "status": "queued"}

    def view() -> dict[str, Any]:
        return bearer.data("GET", f"campaign/{created['uid']}/view")

    queued = view()
    assert (queued["id"], queued["status"], queued["message"], queued["type"]) == (
        created["uid"],
        "queued",
        "Sale",
        "plain",
    )
    assert DISPLAY_DATE.match(queued["created_at"])
    assert DISPLAY_DATE.match(queued["start_at"])
    assert "delivery_at" not in queued
    assert set(queued["stats"].values()) == {0}
    assert set(queued["stats"]) == {
        f"{k}_count"
        for k in (
            "enroute",
            "delivered",
            "expired",
            "undelivered",
            "rejected",
            "accepted",
            "skipped",
            "failed",
        )
    }

    paced.advance(60)
    processing = view()
    assert processing["status"] == "processing"
    assert processing["stats"]["enroute_count"] == 3

    paced.advance(60)
    done = view()
    assert done["status"] == "done"
    assert DISPLAY_DATE.match(done["delivery_at"])
    assert (
        done["stats"]["delivered_count"],
        done["stats"]["failed_count"],
        done["stats"]["enroute_count"],
    ) == (2, 1, 0)
    messages = bearer.data("GET", "sms")["data"]
    assert sorted(m["to"] for m in messages) == sorted([PHONE, FAILING, "31612345679"])
    assert bearer.data("GET", "balance")["remaining_balance"] == "\u20b1997.00"


def test_scheduled_campaign(sandbox: SandboxServer, bearer: Client) -> None:
    group = add_group(bearer, "G", PHONE)
    created = bearer.data(
        "POST",
        "sms/campaign",
        {"contact_list_id": group, "message": "x", "schedule_time": "2099-01-01 10:00"},
    )
    assert (created["status"], created["schedule_time"]) == ("scheduled", "2099-01-01 10:00")
    assert bearer.data("GET", f"campaign/{created['uid']}/view")["status"] == "scheduled"
    advance_past(sandbox, "2099-01-01 10:00")
    assert bearer.data("GET", f"campaign/{created['uid']}/view")["status"] == "done"


def test_campaign_errors(bearer: Client) -> None:
    group = add_group(bearer, "G", PHONE)
    assert bearer.error("POST", "sms/campaign", {"recipient": group, "message": "x"}) == (
        200,
        "The contact list id field is required.",
    )
    assert bearer.error(
        "POST", "sms/campaign", {"contact_list_id": f"{group},6415907d0d37a", "message": "x"}
    ) == (
        403,
        "locale.campaign.invalid_group",
    )


# Pagination


def test_contacts_come_in_pages_of_25(client: Client) -> None:
    gid = add_group(client, "Big", *(f"316{n:08d}" for n in range(30)))
    first = client.data("POST", f"contacts/{gid}/all")
    assert (first["current_page"], first["per_page"], first["total"], first["last_page"]) == (1, 25, 30, 2)
    assert (len(first["data"]), first["from"], first["to"], first["prev_page_url"]) == (25, 1, 25, None)
    assert first["next_page_url"].endswith(f"/contacts/{gid}/all?page=2")
    assert first["path"].startswith(client.url)
    assert "api_token" not in json.dumps(first)
    assert [link["label"] for link in first["links"]] == ["&laquo; Previous", "1", "2", "Next &raquo;"]
    second_by_query = client.data("POST", f"contacts/{gid}/all", params={"page": 2})
    second_by_body = client.data("POST", f"contacts/{gid}/all", {"page": 2})
    assert second_by_query == second_by_body
    assert (len(second_by_query["data"]), second_by_query["from"], second_by_query["next_page_url"]) == (
        5,
        26,
        None,
    )
    phones = [c["phone"] for c in first["data"] + second_by_query["data"]]
    assert phones == [int(f"316{n:08d}") for n in range(30)]


def test_messages_come_in_pages_newest_first(bearer: Client) -> None:
    sent = send(bearer, ",".join(f"316{n:08d}" for n in range(26)))
    first = bearer.data("GET", "sms")
    last = bearer.data("GET", "sms", params={"page": 2})
    assert first["total"] == 26
    assert [m["uid"] for m in first["data"] + last["data"]] == [m["uid"] for m in reversed(sent)]
    assert bearer.data("GET", "sms", params={"page": 9})["data"] == []


# Legacy shapes


def test_legacy_shapes() -> None:
    with run_sandbox(port=0, legacy=True, quiet=True) as sandbox:
        client = Client(sandbox.url, sandbox.token, "bearer")
        sent = send(client, PHONE)
        assert "sms_count" not in sent
        assert "sms_count" not in client.data("GET", f"sms/{sent['uid']}")
        assert "sms_count" not in send(client, f"{PHONE},31612345679")[0]
        gid = add_group(client, "Old")
        contact = client.data("POST", f"contacts/{gid}/store", {"PHONE": PHONE, "FIRST_NAME": "Ann"})
        assert contact == {
            "uid": contact["uid"],
            "phone": 31612345678,
            "first_name": "Ann",
            "last_name": None,
        }
        assert client.data("GET", "balance")["remaining_unit"] == "997"


# Faults


def test_rate_limit_answers_http_200_without_retry_after(sandbox: SandboxServer, bearer: Client) -> None:
    sandbox.set_faults(rate_limit=3)
    for _ in range(3):
        assert bearer.call("GET", "me").json()["status"] == "success"
    limited = bearer.call("GET", "me")
    assert (limited.status_code, limited.json()["message"]) == (200, "Too Many Attempts.")
    assert "Retry-After" not in limited.headers
    other = Client(sandbox.url, OTHER_TOKEN, "bearer")
    assert other.call("GET", "me").json()["status"] == "success"
    sandbox.advance(60)
    assert bearer.call("GET", "me").json()["status"] == "success"


def test_rate_limit_as_http_429_with_retry_after(sandbox: SandboxServer, bearer: Client) -> None:
    sandbox.set_faults(rate_limit=1, rate_limit_style="429")
    assert bearer.call("GET", "me").headers["X-RateLimit-Remaining"] == "0"
    limited = bearer.call("GET", "me")
    assert (limited.status_code, limited.json()["message"]) == (429, "Too Many Attempts.")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    page = bearer.call("GET", "me", headers={"Accept": "text/html"})
    assert (page.status_code, page.headers["Content-Type"].split(";")[0]) == (429, "text/html")


def test_rate_limit_mixed_alternates(sandbox: SandboxServer, bearer: Client) -> None:
    sandbox.set_faults(rate_limit=1, rate_limit_style="mixed")
    bearer.call("GET", "me")
    assert [bearer.call("GET", "me").status_code for _ in range(4)] == [200, 429, 200, 429]


def test_5xx_before_processing_has_no_effect(sandbox: SandboxServer, bearer: Client) -> None:
    sandbox.set_faults(fail_next_5xx=2, fail_status=503)
    for _ in range(2):
        answer = bearer.call("POST", "sms/send", {"recipient": PHONE, "message": "x"})
        assert (answer.status_code, answer.json()) == (503, {"status": "error", "message": "Server Error"})
    assert bearer.data("GET", "sms")["total"] == 0
    assert sandbox.faults.fail_next_5xx == 0


def test_5xx_after_processing_keeps_the_effect(sandbox: SandboxServer, bearer: Client) -> None:
    sandbox.set_faults(fail_next_5xx=1, fail_mode="after")
    assert bearer.call("POST", "sms/send", {"recipient": PHONE, "message": "x"}).status_code == 500
    assert bearer.data("GET", "sms")["total"] == 1


def test_html_errors_even_to_json_clients(sandbox: SandboxServer, bearer: Client) -> None:
    sandbox.set_faults(html_errors=True, fail_next_5xx=1)
    answer = bearer.call("GET", "me")
    assert (answer.status_code, answer.headers["Content-Type"].split(";")[0]) == (500, "text/html")
    assert "Internal Server Error" in answer.text
    assert bearer.error("POST", "contacts", {"name": ""}) == (200, "The name field is required.")


def test_contacts_sql_error_fault_fails_listing_a_non_empty_group(
    sandbox: SandboxServer, bearer: Client
) -> None:
    sandbox.set_faults(contacts_sql_error=True)
    gid = add_group(bearer, "One")
    assert bearer.data("POST", f"contacts/{gid}/all")["data"] == []
    bearer.data("POST", f"contacts/{gid}/store", {"PHONE": PHONE})
    status, message = bearer.error("POST", f"contacts/{gid}/all")
    assert status == 200
    assert message.startswith("SQLSTATE[42S22]: Column not found: 1054 Unknown column 'first_name'")


def test_delete_group_error_fault_deletes_then_fails_under_api_http(
    sandbox: SandboxServer, http: Client, bearer: Client
) -> None:
    sandbox.set_faults(delete_group_error=True)
    gid = add_group(http, "One")
    assert http.error("DELETE", f"contacts/{gid}") == (200, 'Attempt to read property "id" on null')
    assert http.data("GET", "contacts")["data"] == []
    other = add_group(bearer, "Two")
    assert bearer.data("DELETE", f"contacts/{other}") is None


def test_slow_answers_time_out_the_client(sandbox: SandboxServer, bearer: Client) -> None:
    sandbox.set_faults(slow=2.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(
            f"{sandbox.url}/api/v3/me",
            headers={**ACCEPT_JSON, "Authorization": f"Bearer {sandbox.token}"},
            timeout=0.2,
        )
    sandbox.clear_faults()
    assert bearer.data("GET", "me")


def test_an_unexpected_error_is_a_500_logged_even_when_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "balance", broken)
    stream = io.StringIO()
    with run_sandbox(port=0, quiet=True, log_stream=stream) as sandbox:
        answer = Client(sandbox.url, sandbox.token, "bearer").call("GET", "balance")
    assert (answer.status_code, answer.json()["message"]) == (500, "Server Error")
    assert "RuntimeError: boom" in stream.getvalue()


def test_bad_fault_settings_are_refused(sandbox: SandboxServer) -> None:
    with pytest.raises(ValueError, match="Unknown fault"):
        sandbox.set_faults(explode=True)
    with pytest.raises(ValueError, match="rate_limit_style"):
        sandbox.set_faults(rate_limit_style="418")


# Request log and control endpoints


def test_no_token_in_the_request_log(sandbox: SandboxServer, http: Client, bearer: Client) -> None:
    http.call("GET", "me")
    http.call("POST", "me")
    bearer.call("GET", "me")
    requests.get(
        f"{sandbox.url}/api/http/balance?api_token={SANDBOX_TOKEN}&x=1", headers=ACCEPT_JSON, timeout=10
    )
    logged = sandbox.requests
    assert [entry.method for entry in logged] == ["GET", "POST", "GET", "GET"]
    assert logged[0].path == "/api/http/me?api_token=***"
    assert logged[3] == ("GET", "/api/http/balance?api_token=***&x=1", 200)
    over_http = control(sandbox, "GET", "requests").json()["data"]
    assert over_http[3] == {"method": "GET", "path": "/api/http/balance?api_token=***&x=1", "status": 200}
    dumped = json.dumps(over_http) + repr(logged)
    assert "sandbox-test-token" not in dumped
    assert "api_token=1" not in dumped


def test_no_token_on_stderr() -> None:
    stream = io.StringIO()
    with run_sandbox(port=0, tokens=("secret-token",), log_stream=stream) as sandbox:
        requests.get(f"{sandbox.url}/api/http/me?api_token=secret-token", timeout=10)
        requests.get(f"{sandbox.url}/api/http/me?api_token=other-secret", timeout=10)
        requests.post(f"{sandbox.url}/api/http/me", json={"api_token": "secret-token"}, timeout=10)
        requests.get(f"{sandbox.url}/api/v3/me", headers={"Authorization": "Bearer secret-token"}, timeout=10)
    log = stream.getvalue()
    assert log.count("\n") == 4
    assert "GET /api/http/me?api_token=*** -> 200" in log
    assert "secret" not in log


def test_control_endpoints(sandbox: SandboxServer, bearer: Client) -> None:
    add_group(bearer, "G", PHONE)
    assert control(sandbox, "GET", "health").json()["data"] == {"accounts": 2, "seed": 1234}
    accounts = control(sandbox, "GET", "accounts").json()["data"]
    assert (accounts[0]["groups"], accounts[0]["contacts"], accounts[0]["balance"]) == (1, 1, "1000")
    assert SANDBOX_TOKEN not in json.dumps(accounts)

    faults = control(sandbox, "POST", "faults", {"rate_limit": 1, "slow": 0}).json()["data"]
    assert faults["rate_limit"] == 1
    assert sandbox.faults.rate_limit == 1
    assert control(sandbox, "GET", "faults").json()["data"] == faults
    refused = control(sandbox, "POST", "faults", {"fail_status": 404})
    assert (refused.status_code, refused.json()["status"]) == (400, "error")
    assert control(sandbox, "DELETE", "faults").json()["data"]["rate_limit"] is None

    assert control(sandbox, "POST", "clock", {"advance": 5}).json()["data"] == {"offset": 5.0}
    assert control(sandbox, "POST", "clock", {"advance": "soon"}).status_code == 400
    assert control(sandbox, "DELETE", "requests").json()["status"] == "success"
    assert sandbox.requests == []
    assert control(sandbox, "POST", "reset").json()["status"] == "success"
    assert bearer.data("GET", "contacts")["total"] == 0
    assert control(sandbox, "GET", "nothing").status_code == 404


# Lifecycle and command line


def test_stop_closes_kept_alive_connections() -> None:
    session = requests.Session()
    with run_sandbox(port=0, quiet=True) as sandbox:
        url = f"{sandbox.url}/api/v3/me"
        headers = {**ACCEPT_JSON, "Authorization": f"Bearer {sandbox.token}"}
        assert session.get(url, headers=headers, timeout=10).json()["status"] == "success"
    assert not sandbox.running
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(url, headers=headers, timeout=10)


def test_server_object_lifecycle() -> None:
    server = SandboxServer(port=0, quiet=True)
    assert server.url == "http://127.0.0.1:0"
    with server:
        assert server.port != 0
        with pytest.raises(RuntimeError):
            server.start()
    server.stop()


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, "the sandbox printed no ready line"
    return process.stdout.readline()


def test_cli_starts_serves_and_stops_cleanly() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "textiopro_sandbox",
            "--port",
            "0",
            "--token",
            "cli-secret",
            "--seed",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = _read_line(process, timeout=30)
        match = re.fullmatch(r"TextioPro sandbox listening on (http://127\.0\.0\.1:\d+)\n", line)
        assert match, line
        answer = requests.get(
            f"{match.group(1)}/api/http/me?api_token=cli-secret", headers=ACCEPT_JSON, timeout=10
        )
        assert answer.json()["data"]["first_name"] == "Sandbox"
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert stdout == ""
    assert "GET /api/http/me?api_token=*** -> 200" in stderr
    assert "cli-secret" not in stderr


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--failure-rate", "2"], "failure_rate must be between 0 and 1"),
        (["--balance", "lots"], "not a number: 'lots'"),
        (["--rate-limit-style", "418"], "invalid choice: '418'"),
        (["--tls-key", "sandbox.key"], "tls_key needs tls_cert"),
        (["--timezone", "Mars/Olympus"], "timezone must be an IANA name such as 'Asia/Kolkata'"),
        (["--gateway-refuses", "+91"], "gateway_refuses must hold digit prefixes"),
    ],
)
def test_cli_refuses_bad_options(capsys: pytest.CaptureFixture[str], argv: list[str], complaint: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert complaint in capsys.readouterr().err


def test_cli_options_turn_on_the_platform_faults() -> None:
    config = config_from_args(build_parser().parse_args(["--contacts-sql-error", "--delete-group-error"]))
    assert (config.faults.contacts_sql_error, config.faults.delete_group_error) == (True, True)


def test_cli_options_of_the_reference_platform() -> None:
    argv = ["--timezone", "Asia/Kolkata", "--single-send-now", "--first-campaign-uid"]
    argv += ["--gateway-refuses", "91", "--gateway-refuses", "3161299"]

    config = config_from_args(build_parser().parse_args(argv))

    assert (config.timezone, config.single_send_now, config.first_campaign_uid) == (
        "Asia/Kolkata",
        True,
        True,
    )
    assert config.gateway_refuses == ("91", "3161299")
    defaults = config_from_args(build_parser().parse_args([]))
    assert (defaults.timezone, defaults.single_send_now, defaults.first_campaign_uid) == ("UTC", False, False)
    assert defaults.gateway_refuses == ()


def test_importing_the_sandbox_does_not_import_airflow() -> None:
    code = (
        "import sys, textiopro_sandbox, textiopro_sandbox.__main__; "
        "print(sorted(m for m in sys.modules if m == 'airflow' or m.startswith('airflow.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert result.stdout.strip() == "[]"


# Fixtures for other suites


def test_textiopro_conn_points_at_the_sandbox(sandbox: SandboxServer, textiopro_conn: str) -> None:
    connection = json.loads(os.environ["AIRFLOW_CONN_TEXTIOPRO_DEFAULT"])
    assert textiopro_conn == "textiopro_default"
    assert (connection["conn_type"], connection["host"], connection["password"]) == (
        "textiopro",
        sandbox.url,
        sandbox.token,
    )
    assert connection["extra"]["auth_style"] == "bearer"


def test_textiopro_conn_api_token_points_at_the_sandbox(textiopro_conn_api_token: str) -> None:
    connection = json.loads(os.environ["AIRFLOW_CONN_TEXTIOPRO_DEFAULT"])
    assert textiopro_conn_api_token == "textiopro_default"
    assert connection["extra"]["auth_style"] == "api_token"
