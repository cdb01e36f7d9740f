"""The sandbox serves a page at each dashboard URL the hook builds, so extra links can be followed."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_textiopro.hooks.textiopro import TextioProHook

pytestmark = pytest.mark.integration


@pytest.fixture
def hook(textiopro_conn) -> TextioProHook:
    return TextioProHook(textiopro_conn_id=textiopro_conn)


def open_page(url: str) -> requests.Response:
    """Open ``url`` as a browser following a link does: a plain GET with no token."""
    return requests.get(url, headers={"Accept": "text/html"}, timeout=10)


def test_a_message_link_opens_the_message_page(hook, sandbox):
    uid = hook.send_message(["+31612345678"], "Maintenance <tonight> & tomorrow", sender_id="Ops").uids[0]

    page = open_page(hook.dashboard_url("message", uid))

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert uid in page.text
    assert "31612345678" in page.text
    assert "Maintenance &lt;tonight&gt; &amp; tomorrow" in page.text


def test_a_campaign_link_opens_the_campaign_page(hook, sandbox):
    group = hook.create_group("Newsletter <VIP>")
    hook.create_contact(group.uid, "447700900000")
    uid = hook.send_campaign([group.uid], "Spring sale", sender_id="Shop").uid

    page = open_page(hook.dashboard_url("campaign", uid))

    assert page.status_code == 200
    assert uid in page.text
    assert "Spring sale" in page.text
    assert "1 (" in page.text  # one message


def test_a_group_link_opens_the_group_page(hook, sandbox):
    group = hook.create_group("Newsletter <VIP>")
    hook.create_contact(group.uid, "447700900000")

    page = open_page(hook.dashboard_url("group", group.uid))

    assert page.status_code == 200
    assert "Newsletter &lt;VIP&gt;" in page.text
    assert "1 (1 subscribed)" in page.text


def test_an_unknown_uid_is_a_404_page_and_no_api_request(hook, sandbox):
    before = len(sandbox.requests)

    page = open_page(hook.dashboard_url("campaign", "0123456789abc"))

    assert page.status_code == 404
    assert page.headers["Content-Type"].startswith("text/html")
    assert len(sandbox.requests) == before
