"""The TextioPro endpoints: route tables of both auth styles and their handlers.

Handlers run under the state lock and return the success envelope, or raise
:class:`~textiopro_sandbox.errors.ApiError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from textiopro_sandbox import validation, views
from textiopro_sandbox.errors import ApiError, method_not_allowed, route_not_found
from textiopro_sandbox.faults import Faults
from textiopro_sandbox.phones import (
    clean_number,
    invalid_number_message,
    is_valid_number,
    split_list,
)
from textiopro_sandbox.responses import success
from textiopro_sandbox.state import (
    Account,
    GroupRecord,
    MessageRecord,
    SandboxState,
    is_refused,
)

_TAG = re.compile(r"[A-Z][A-Z0-9_]*")
_RESERVED_TAGS = frozenset({"PHONE", "STATUS"})
_CONTACT_STATUSES = ("subscribe", "unsubscribe")
CONTACTS_SQL_ERROR = (
    "SQLSTATE[42S22]: Column not found: 1054 Unknown column 'first_name' in 'field list' "
    "(SQL: select `uid`, `phone`, `first_name`, `last_name` from `contacts` where `group_id` = 1)"
)


@dataclass(frozen=True)
class Call:
    """One authenticated API request.

    :param path_url: absolute URL of the request path, without query (paginator links).
    :param style: ``"v3"`` (bearer) or ``"http"`` (``api_token``).
    :param faults: the faults in force (some reproduce the platform's own server errors).
    """

    state: SandboxState
    account: Account
    params: Mapping[str, Any]
    args: tuple[str, ...]
    path_url: str
    style: str = "v3"
    faults: Faults = field(default_factory=Faults)

    @property
    def legacy(self) -> bool:
        """Answer the old shapes."""
        return self.state.config.legacy

    @property
    def page(self) -> int:
        """The ``page`` parameter (query string or body), 1 when absent or invalid."""
        try:
            return max(1, int(str(self.params.get("page", 1))))
        except ValueError:
            return 1


Handler = Callable[[Call], dict[str, Any]]


# Messages


def send_sms(call: Call) -> dict[str, Any]:
    """``sms/send``: one object for one recipient, a list (``customer_status``) for several.

    Refused test numbers are joined into ``message``; numbers in ``gateway_refuses`` are listed
    ``Failed`` at no cost. With ``single_send_now`` one recipient goes out at once despite a
    ``schedule_time``.
    """
    state, config = call.state, call.state.config
    entries = validation.recipients(call.params)
    content = validation.content(call.params)
    schedule_at = validation.schedule_time(call.params, config.timezone)
    numbers = list(dict.fromkeys(clean_number(entry) for entry in entries))
    if len(numbers) == 1 and config.single_send_now:
        schedule_at = None
    errors = [invalid_number_message(n) for n in numbers if not is_valid_number(n)]
    valid = [n for n in numbers if is_valid_number(n)]
    refused = [n for n in valid if is_refused(n) or state.refuses(n)]
    if len(numbers) == 1 and (errors or refused):
        raise ApiError(errors[0] if errors else "Failed", 403)
    listed = [n for n in refused if not is_refused(n)]
    errors += [f"{n} was refused by the gateway: Failed" for n in refused if n not in listed]
    accepted = [n for n in valid if n not in refused]
    if not accepted and not listed:
        raise ApiError(", ".join(errors), 403)
    records = state.send(call.account, accepted, content, sent_at=schedule_at)
    records += state.refuse(call.account, listed, content, sent_at=schedule_at)
    if schedule_at is not None:
        return success(None, _with_errors("Message is scheduled successfully.", errors))
    order = {number: index for index, number in enumerate(numbers)}
    records.sort(key=lambda record: order[record.to])
    data: Any = [_sent(call, record, "customer_status") for record in records]
    if len(numbers) == 1:
        data = _sent(call, records[0], "status")
    return success(data, _with_errors("Your message was successfully delivered", errors))


def recipients_sent(route: Route, params: Mapping[str, Any]) -> int:
    """Return how many distinct recipients an answered ``sms/send`` request named (0 for other routes)."""
    if route.handler is not send_sms:
        return 0
    return len({clean_number(entry) for entry in validation.recipients(params)})


def _sent(call: Call, record: MessageRecord, status_key: str) -> dict[str, Any]:
    """A message of a send answer: the initial status, or ``Failed`` when the gateway refused it."""
    status = "Failed" if record.refused else call.state.config.initial_status
    return views.sent_message(record, status, status_key=status_key, legacy=call.legacy)


def _with_errors(message: str, errors: list[str]) -> str:
    return f"{message}. {', '.join(errors)}" if errors else message


def view_message(call: Call) -> dict[str, Any]:
    """``sms/{uid}``."""
    message = call.state.message(call.account, call.args[0])
    return success(views.message_report(message, call.state.message_status(message), legacy=call.legacy))


def list_messages(call: Call) -> dict[str, Any]:
    """``sms``: sent messages, newest first, 25 a page."""
    state = call.state
    return success(
        views.paginate(
            state.messages(call.account),
            call.page,
            call.path_url,
            lambda m: views.message_report(m, state.message_status(m), legacy=call.legacy),
        )
    )


# Campaigns


def send_campaign(call: Call) -> dict[str, Any]:
    """``sms/campaign``: to the groups in ``contact_list_id`` (``recipient`` is ignored)."""
    group_uids = split_list(call.params.get("contact_list_id"))
    if not group_uids:
        raise ApiError("The contact list id field is required.")
    content = validation.content(call.params)
    schedule_at = validation.schedule_time(call.params, call.state.config.timezone)
    campaign = call.state.create_campaign(call.account, group_uids, content, schedule_at)
    schedule_time = None if schedule_at is None else str(call.params["schedule_time"]).strip()
    data = views.campaign_created(campaign, schedule_time)
    if call.state.config.first_campaign_uid:
        data["uid"] = next(iter(call.account.campaigns))
    if schedule_at is None:
        return success(data, "Campaign successfully queued.")
    return success(data, "Campaign is scheduled successfully.")


def view_campaign(call: Call) -> dict[str, Any]:
    """``campaign/{uid}/view``."""
    state = call.state
    campaign = state.campaign(call.account, call.args[0])
    return success(
        views.campaign_report(
            campaign,
            state.campaign_status(campaign),
            state.campaign_stats(call.account, campaign),
            state.campaign_done_at(campaign),
        )
    )


# Groups


def _group_name(call: Call) -> str:
    name = call.params.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError("The name field is required.")
    return name.strip()


def list_groups(call: Call) -> dict[str, Any]:
    """``GET contacts``: groups in creation order, 25 a page."""
    groups = list(call.account.groups.values())
    return success(views.paginate(groups, call.page, call.path_url, views.group))


def create_group(call: Call) -> dict[str, Any]:
    """``POST contacts``."""
    group = call.state.create_group(call.account, _group_name(call))
    return success(views.group(group), "Contact group was successfully created")


def show_group(call: Call) -> dict[str, Any]:
    """``contacts/{gid}/show``."""
    return success(views.group(call.state.group(call.account, call.args[0])))


def update_group(call: Call) -> dict[str, Any]:
    """``PATCH contacts/{gid}``."""
    group = call.state.rename_group(call.account, call.args[0], _group_name(call))
    return success(views.group(group), "Contact group was successfully updated")


def delete_group(call: Call) -> dict[str, Any]:
    """``DELETE contacts/{gid}``: ``data`` is null.

    With the ``delete_group_error`` fault, ``/api/http`` deletes the group and then answers the
    platform's error, as version 3.8 does.
    """
    call.state.delete_group(call.account, call.args[0])
    if call.style == "http" and call.faults.delete_group_error:
        raise ApiError('Attempt to read property "id" on null')
    return success(None, "Contact group was successfully deleted")


# Contacts


@dataclass(frozen=True)
class _ContactInput:
    phone: str
    status: str | None
    fields: dict[str, str]


def _contact_input(params: Mapping[str, Any]) -> _ContactInput:
    raw = params.get("PHONE")
    if raw is None or str(raw).strip() == "":
        raise ApiError("The p h o n e field is required.", 422)
    phone = clean_number(raw)
    if not (phone.isascii() and phone.isdigit()):
        raise ApiError("The p h o n e must be a number.", 422)
    if not is_valid_number(phone):
        raise ApiError(invalid_number_message(phone), 403)
    status = params.get("STATUS", params.get("status"))
    if status is not None:
        status = str(status).strip().lower()
        if status not in _CONTACT_STATUSES:
            raise ApiError("The selected status is invalid.", 422)
    fields = {
        key: str(value)
        for key, value in params.items()
        if _TAG.fullmatch(key) and key not in _RESERVED_TAGS and value is not None
    }
    return _ContactInput(phone, status, fields)


def _group(call: Call) -> GroupRecord:
    return call.state.group(call.account, call.args[0])


def store_contact(call: Call) -> dict[str, Any]:
    """``contacts/{gid}/store``."""
    given = _contact_input(call.params)
    contact = call.state.add_contact(_group(call), given.phone, given.status, given.fields)
    return success(views.contact(contact, legacy=call.legacy), "Contact was successfully created")


def search_contact(call: Call) -> dict[str, Any]:
    """``contacts/{gid}/search/{uid}``."""
    contact = call.state.contact(_group(call), call.args[1])
    return success(views.contact(contact, legacy=call.legacy))


def update_contact(call: Call) -> dict[str, Any]:
    """``contacts/{gid}/update/{uid}``: PHONE required, other tags merged.

    ``/api/http`` also needs the number as lower-case ``phone``: without it the platform fails
    in its phone rule.
    """
    group = _group(call)
    given = _contact_input(call.params)
    if call.style == "http" and call.params.get("phone") in (None, ""):
        raise ApiError("Cannot assign null to property App\\Rules\\Phone::$value")
    contact = call.state.update_contact(group, call.args[1], given.phone, given.status, given.fields)
    return success(views.contact(contact, legacy=call.legacy), "Contact was successfully updated")


def delete_contact(call: Call) -> dict[str, Any]:
    """``contacts/{gid}/delete/{uid}``: ``data`` is null."""
    call.state.delete_contact(_group(call), call.args[1])
    return success(None, "Contact was successfully deleted")


def list_contacts(call: Call) -> dict[str, Any]:
    """``contacts/{gid}/all``: contacts in creation order, 25 a page.

    With the ``contacts_sql_error`` fault, a non-empty group answers the SQL error of installs
    whose contacts table moved the names to custom fields.
    """
    contacts = list(_group(call).contacts.values())
    if contacts and call.faults.contacts_sql_error:
        raise ApiError(CONTACTS_SQL_ERROR)
    return success(
        views.paginate(contacts, call.page, call.path_url, lambda c: views.contact(c, legacy=call.legacy))
    )


# Account


def balance(call: Call) -> dict[str, Any]:
    """``balance``."""
    config = call.state.config
    return success(views.balance(call.account, currency=config.currency, legacy=config.legacy))


def me(call: Call) -> dict[str, Any]:
    """``me``."""
    return success(views.profile(call.account, call.state.clock.now(), call.state.config.timezone))


# Routing


@dataclass(frozen=True)
class Route:
    """Methods and path pattern (relative to ``/api/v3/`` or ``/api/http/``) of a handler."""

    methods: frozenset[str]
    pattern: re.Pattern[str]
    handler: Handler


def _route(methods: str, pattern: str, handler: Handler) -> Route:
    return Route(frozenset(methods.split()), re.compile(pattern.replace("{uid}", "([^/]+)")), handler)


_GROUPS_AND_CONTACTS = [
    _route("POST", "contacts/{uid}/show", show_group),
    _route("PUT PATCH", "contacts/{uid}", update_group),
    _route("DELETE", "contacts/{uid}", delete_group),
    _route("POST", "contacts/{uid}/store", store_contact),
    _route("POST", "contacts/{uid}/search/{uid}", search_contact),
    _route("PATCH", "contacts/{uid}/update/{uid}", update_contact),
    _route("DELETE", "contacts/{uid}/delete/{uid}", delete_contact),
    _route("POST", "contacts/{uid}/all", list_contacts),
]

ROUTES: dict[str, list[Route]] = {
    "v3": [
        _route("POST", "sms/send", send_sms),
        _route("POST", "sms/campaign", send_campaign),
        _route("GET", "sms", list_messages),
        _route("GET", "sms/{uid}", view_message),
        _route("GET", "campaign/{uid}/view", view_campaign),
        _route("GET", "contacts", list_groups),
        _route("POST", "contacts", create_group),
        *_GROUPS_AND_CONTACTS,
        _route("GET", "balance", balance),
        _route("GET", "me", me),
    ],
    "http": [
        _route("GET POST", "sms/send", send_sms),
        _route("GET POST", "sms", list_messages),
        _route("GET", "sms/{uid}", view_message),
        _route("POST", "sms/(?!campaign$){uid}", view_message),
        _route("GET", "contacts", list_groups),
        _route("POST", "contacts", create_group),
        _route("GET", "contacts/{uid}/show", show_group),
        _route("GET", "contacts/{uid}/search/{uid}", search_contact),
        _route("GET", "contacts/{uid}/all", list_contacts),
        *_GROUPS_AND_CONTACTS,
        _route("GET POST", "balance", balance),
        _route("GET POST", "me", me),
    ],
}


WRITES: frozenset[Handler] = frozenset(
    {
        send_sms,
        send_campaign,
        create_group,
        update_group,
        delete_group,
        store_contact,
        update_contact,
        delete_contact,
    }
)
"""The handlers that change data (send, or write a group or a contact); every other one reads."""


def is_write(method: str, path: str) -> bool:
    """Tell whether a request (as the request log shows it) sends or writes; reads answer False.

    A dry run must leave only reads in the log: ``POST contacts/{gid}/all`` reads, ``GET
    /api/http/sms/send`` sends. Requests that match no route changed nothing.
    """
    for style in ROUTES:
        prefix = f"/api/{style}/"
        if path.startswith(prefix):
            relative = path[len(prefix) :].split("?", 1)[0]
            try:
                route, _ = resolve(style, method.upper(), relative, path)
            except ApiError:
                return False
            return route.handler in WRITES
    return False


def resolve(style: str, method: str, relative: str, path: str) -> tuple[Route, tuple[str, ...]]:
    """Find the route as Laravel does: 405 when only other methods match, else 404."""
    allowed: list[str] = []
    for route in ROUTES[style]:
        match = route.pattern.fullmatch(relative)
        if match is None:
            continue
        if method in route.methods:
            return route, match.groups()
        allowed.extend(m for m in sorted(route.methods) if m not in allowed)
    if allowed:
        raise method_not_allowed(method, path, allowed)
    raise route_not_found(path)
