"""JSON shapes of the sandbox's answers (new and legacy), dates, amounts and the paginator."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

from textiopro_sandbox.state import (
    Account,
    CampaignRecord,
    ContactRecord,
    GroupRecord,
    MessageRecord,
)

PER_PAGE = 25
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
T = TypeVar("T")


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)


def display_date(timestamp: float) -> str:
    """A date as the dashboard shows it, e.g. ``29th Jan 27, 7:24 PM`` (UTC)."""
    moment = _utc(timestamp)
    day = moment.day
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    hour = moment.hour % 12 or 12
    noon = "AM" if moment.hour < 12 else "PM"
    return f"{day}{suffix} {_MONTHS[moment.month - 1]} {moment:%y}, {hour}:{moment:%M} {noon}"


def sql_date(timestamp: float) -> str:
    """``Y-m-d H:i:s`` in UTC."""
    return f"{_utc(timestamp):%Y-%m-%d %H:%M:%S}"


def amount_text(amount: Decimal) -> str:
    """A decimal without trailing zeros (``"2"``, ``"0.5"``)."""
    return f"{amount.normalize():f}"


def sent_message(message: MessageRecord, status: str, *, status_key: str, legacy: bool) -> dict[str, Any]:
    """A message in the answer to ``sms/send`` (``status_key`` is ``customer_status`` for lists)."""
    data: dict[str, Any] = {
        "uid": message.uid,
        "to": message.to,
        "from": message.sender,
        "message": message.text,
        status_key: status,
        "cost": amount_text(message.cost),
        "sms_count": message.segments,
    }
    if legacy:
        del data["sms_count"]
    return data


def message_report(message: MessageRecord, status: str, *, legacy: bool) -> dict[str, Any]:
    """A message as ``sms/{uid}`` and ``sms`` answer it."""
    data: dict[str, Any] = {
        "uid": message.uid,
        "to": message.to,
        "from": message.sender,
        "message": message.text,
        "sms_type": message.sms_type,
        "direction": "to" if message.inbound else "outgoing" if message.campaign_uid else "api",
        "status": status,
        "sms_count": message.segments,
        "cost": amount_text(message.cost),
        "sent_at": sql_date(message.sent_at),
    }
    if legacy:
        del data["sms_count"]
    return data


def campaign_created(campaign: CampaignRecord, schedule_time: str | None) -> dict[str, Any]:
    """The answer to ``sms/campaign``."""
    data: dict[str, Any] = {"uid": campaign.uid, "campaign_name": campaign.name}
    if schedule_time is None:
        data["status"] = "queued"
    else:
        data.update(status="scheduled", schedule_time=schedule_time)
    return data


def campaign_report(
    campaign: CampaignRecord, status: str, stats: dict[str, int], done_at: float
) -> dict[str, Any]:
    """The answer to ``campaign/{uid}/view``."""
    data: dict[str, Any] = {
        "id": campaign.uid,
        "name": campaign.name,
        "message": campaign.text,
        "status": status,
        "type": campaign.sms_type,
        "created_at": display_date(campaign.created_at),
        "start_at": display_date(campaign.start_at),
    }
    if status == "done":
        data["delivery_at"] = display_date(done_at)
    data["stats"] = {f"{key}_count": count for key, count in stats.items()}
    return data


def group(record: GroupRecord) -> dict[str, Any]:
    """A contact group."""
    return {"uid": record.uid, "name": record.name}


def contact(record: ContactRecord, *, legacy: bool) -> dict[str, Any]:
    """A contact; the phone is a JSON number."""
    if legacy:
        return {
            "uid": record.uid,
            "phone": int(record.phone),
            "first_name": record.fields.get("FIRST_NAME"),
            "last_name": record.fields.get("LAST_NAME"),
        }
    return {
        "uid": record.uid,
        "phone": int(record.phone),
        "status": record.status,
        "custom_fields": dict(record.fields),
    }


def balance(account: Account, *, currency: str, legacy: bool) -> dict[str, Any]:
    """The balance: ``remaining_balance`` (``remaining_unit`` when legacy)."""
    expired_on = display_date((_utc(account.created_at) + timedelta(days=365)).timestamp())
    if account.balance is None:
        remaining = "Unlimited"
    elif legacy:
        remaining = f"{account.balance:,.0f}"
    else:
        remaining = f"{currency}{account.balance:,.2f}"
    key = "remaining_unit" if legacy else "remaining_balance"
    return {key: remaining, "expired_on": expired_on}


def profile(account: Account, now: float, zone: str) -> dict[str, Any]:
    """The profile, ``api_token`` included as real servers do."""
    return {
        "uid": account.uid,
        "api_token": account.token,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.email,
        "locale": "en",
        "timezone": zone,
        "last_access_at": f"{_utc(now):%Y-%m-%dT%H:%M:%S}.000000Z",
    }


def paginate(items: Sequence[T], page: int, path: str, render: Callable[[T], Any]) -> dict[str, Any]:
    """A Laravel paginator over ``items`` (25 a page), with URLs based on ``path``."""
    total = len(items)
    last_page = max(1, math.ceil(total / PER_PAGE))
    start = (page - 1) * PER_PAGE
    chunk = items[start : start + PER_PAGE]

    def url(number: int) -> str:
        return f"{path}?page={number}"

    prev_url = url(page - 1) if page > 1 else None
    next_url = url(page + 1) if page < last_page else None
    links = [{"url": prev_url, "label": "&laquo; Previous", "active": False}]
    links += [{"url": url(n), "label": str(n), "active": n == page} for n in range(1, last_page + 1)]
    links.append({"url": next_url, "label": "Next &raquo;", "active": False})
    return {
        "current_page": page,
        "data": [render(item) for item in chunk],
        "first_page_url": url(1),
        "from": start + 1 if chunk else None,
        "last_page": last_page,
        "last_page_url": url(last_page),
        "links": links,
        "next_page_url": next_url,
        "path": path,
        "per_page": PER_PAGE,
        "prev_page_url": prev_url,
        "to": start + len(chunk) if chunk else None,
        "total": total,
    }
