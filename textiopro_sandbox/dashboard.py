"""Minimal dashboard pages, so that the provider's extra links lead somewhere in a demo.

The hook's ``dashboard_url`` links to ``/campaigns/<uid>/overview``, ``/reports/<uid>/view``
and ``/contacts/<uid>/show`` on the connection's host. The sandbox answers a ``GET`` of those
paths with a small HTML page of the campaign, message or group, from whichever account holds it
(a browser has no token to send, and the sandbox only listens on the local machine).
"""

from __future__ import annotations

import re
from html import escape

from textiopro_sandbox.responses import HTML_TYPE, Response, html_page
from textiopro_sandbox.state import Account, SandboxState
from textiopro_sandbox.views import amount_text, display_date

_PAGES = {
    "campaign": re.compile(r"^/campaigns/(?P<uid>[^/]+)/overview/?$"),
    "message": re.compile(r"^/reports/(?P<uid>[^/]+)/view/?$"),
    "group": re.compile(r"^/contacts/(?P<uid>[^/]+)/show/?$"),
}


def match(method: str, path: str) -> tuple[str, str] | None:
    """Return the kind and uid of a dashboard page request, or None for any other request."""
    if method != "GET":
        return None
    for kind, pattern in _PAGES.items():
        found = pattern.match(path)
        if found:
            return kind, found["uid"]
    return None


def page(state: SandboxState, kind: str, uid: str) -> Response:
    """Return the page of the ``kind`` object ``uid``, or a 404 page when no account has it."""
    for account in state.accounts.values():
        rows = _rows(state, account, kind, uid)
        if rows is not None:
            return _html(f"TextioPro sandbox: {kind} {uid}", rows)
    return html_page(404)


def _rows(state: SandboxState, account: Account, kind: str, uid: str) -> list[tuple[str, str]] | None:
    """Return the fields shown for the object, or None when ``account`` does not have it."""
    if kind == "campaign" and uid in account.campaigns:
        campaign = account.campaigns[uid]
        stats = state.campaign_stats(account, campaign)
        counts = ", ".join(f"{count} {name}" for name, count in stats.items() if count) or "none yet"
        return [
            ("Campaign", campaign.uid),
            ("Name", campaign.name),
            ("Status", state.campaign_status(campaign)),
            ("Messages", f"{len(campaign.message_uids)} ({counts})"),
            ("Starts", display_date(campaign.start_at)),
            ("Message", campaign.text),
        ]
    if kind == "message" and uid in account.messages:
        message = account.messages[uid]
        return [
            ("Message", message.uid),
            ("To", message.to),
            ("From", message.sender or ""),
            ("Status", state.message_status(message)),
            ("Segments", str(message.segments)),
            ("Cost", amount_text(message.cost)),
            ("Sent", display_date(message.sent_at)),
            ("Text", message.text),
        ]
    if kind == "group" and uid in account.groups:
        group = account.groups[uid]
        subscribed = sum(contact.status == "subscribe" for contact in group.contacts.values())
        return [
            ("Group", group.uid),
            ("Name", group.name),
            ("Contacts", f"{len(group.contacts)} ({subscribed} subscribed)"),
        ]
    return None


def _html(title: str, rows: list[tuple[str, str]]) -> Response:
    """Return a page with ``title`` and one table row per field, every value escaped."""
    table = "\n".join(f"<tr><th>{escape(name)}</th><td>{escape(value)}</td></tr>" for name, value in rows)
    body = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n</head>\n<body>\n<h1>{escape(title)}</h1>\n"
        f"<table>\n{table}\n</table>\n</body>\n</html>\n"
    )
    return Response(200, body.encode(), HTML_TYPE)
