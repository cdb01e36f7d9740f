"""Listing pages: page 1 alone, then the others concurrently, in order, lazily, with errors in order."""

from __future__ import annotations

import json
import threading

import pytest
import responses

from airflow_provider_textiopro.exceptions import TextioProServerFaultError
from tests.support.hooks import HTTP, V3, by_page, make_hook, ok, page_number, paginator

PAGES = 12
CONCURRENT = 4
LIST_URL = f"{V3}/contacts/g1/all"


def contact(page: int, i: int) -> dict:
    return {"uid": f"c{page}x{i}", "phone": 31612340000 + page * 25 + i, "status": "subscribe"}


class Server:
    """Answer the pages of a group's contacts, recording the pages asked and how many were in flight."""

    def __init__(self, *, pages: int = PAGES, failing: int | None = None, together: int = 0) -> None:
        self.pages = pages
        self.failing = failing
        self.asked: list[int] = []
        self.running = 0
        self.most_running = 0
        self._lock = threading.Lock()
        self._together = threading.Barrier(together) if together else None

    def __call__(self, request):
        number = page_number(request)
        with self._lock:
            self.asked.append(number)
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        if self._together is not None and 2 <= number < 2 + self._together.parties:
            self._together.wait(timeout=30)  # pages 2.. answer only once that many are asked at once
        with self._lock:
            self.running -= 1
        if number == self.failing:
            body = ok(None, "SQLSTATE[42S22]: Column not found: 1054 Unknown column 'first_name'")
            body["status"] = "error"
            return 200, {}, json.dumps(body)
        items = [contact(number, i) for i in range(25)]
        return 200, {}, json.dumps(ok(paginator(items, number, self.pages, LIST_URL)))


def serve(server: Server) -> None:
    responses.add_callback("POST", LIST_URL, callback=server, content_type="application/json")


@responses.activate
def test_later_pages_are_read_concurrently_and_listed_in_page_order(monkeypatch):
    hook, _ = make_hook(monkeypatch, max_concurrent_requests=CONCURRENT)
    server = Server(together=CONCURRENT)  # a sequential reader never gets page 2 answered
    serve(server)

    uids = [c.uid for c in hook.list_contacts("g1")]

    assert uids == [contact(page, i)["uid"] for page in range(1, PAGES + 1) for i in range(25)]
    assert server.asked[0] == 1
    assert sorted(server.asked) == list(range(1, PAGES + 1))  # each page once
    assert server.most_running == CONCURRENT


@responses.activate
def test_page_one_is_read_alone_and_nothing_before_iteration(monkeypatch):
    hook, _ = make_hook(monkeypatch, max_concurrent_requests=CONCURRENT)
    server = Server()
    serve(server)

    contacts = hook.list_contacts("g1")
    assert server.asked == []
    first = [next(contacts) for _ in range(25)]
    assert [c.uid for c in first] == [contact(1, i)["uid"] for i in range(25)]
    assert server.asked == [1]
    contacts.close()
    assert server.asked == [1]


@responses.activate
def test_a_caller_that_stops_early_has_read_at_most_the_window_ahead(monkeypatch):
    hook, _ = make_hook(monkeypatch, max_concurrent_requests=CONCURRENT)
    server = Server(pages=200)
    serve(server)

    contacts = hook.list_contacts("g1")
    taken = [next(contacts) for _ in range(3 * 25 + 1)]  # into page 4
    contacts.close()

    assert taken[-1].uid == contact(4, 0)["uid"]
    assert len(server.asked) <= 4 + CONCURRENT
    assert server.most_running <= CONCURRENT


@responses.activate
def test_a_failing_page_raises_after_the_earlier_pages_and_says_how_many_were_read(monkeypatch):
    hook, _ = make_hook(monkeypatch, max_concurrent_requests=CONCURRENT)
    serve(Server(failing=5))
    seen: list[str] = []

    with pytest.raises(TextioProServerFaultError) as raised:
        seen.extend(item.uid for item in hook.list_contacts("g1"))

    assert seen == [contact(page, i)["uid"] for page in range(1, 5) for i in range(25)]
    assert "100 contacts were read before it failed, and nothing was changed" in str(raised.value)


@responses.activate
def test_a_page_that_says_it_is_the_last_ends_the_list(monkeypatch):
    hook, _ = make_hook(monkeypatch, max_concurrent_requests=CONCURRENT)
    groups = {n: paginator([{"uid": f"g{n}", "name": f"G{n}"}], n, 5 if n == 1 else 2) for n in range(1, 6)}
    by_page("GET", f"{V3}/contacts", groups)  # the list shrank to 2 pages after page 1 was read

    assert [g.uid for g in hook.list_groups()] == ["g1", "g2"]


@responses.activate
def test_a_list_that_grows_while_read_is_read_to_its_new_end(monkeypatch):
    hook, _ = make_hook(monkeypatch, "api_token", max_concurrent_requests=CONCURRENT)
    item = {"to": "31612345678", "status": "Delivered"}
    pages = {n: paginator([{**item, "uid": f"m{n}"}], n, 2 if n == 1 else 3) for n in range(1, 4)}
    by_page("GET", f"{HTTP}/sms", pages)

    assert [m.uid for m in hook.list_messages()] == ["m1", "m2", "m3"]


def test_max_concurrent_requests_must_be_a_positive_whole_number(monkeypatch):
    hook, _ = make_hook(monkeypatch, max_concurrent_requests=0)
    with pytest.raises(ValueError, match="max_concurrent_requests"):
        hook.settings  # noqa: B018
