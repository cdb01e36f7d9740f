"""TextioPro objects as the hook returns them, for the unit tests that mock the hook."""

from __future__ import annotations

from airflow_provider_textiopro.models import Campaign, Message

CAMPAIGN_UID = "65a1b2c3d4e5f"


def campaign(status: str, **stats: int) -> Campaign:
    """Return campaign :data:`CAMPAIGN_UID` in ``status`` with per-status counts (``delivered=3``)."""
    counts = {f"{name}_count": count for name, count in stats.items()}
    return Campaign.from_api({"id": CAMPAIGN_UID, "status": status, "stats": counts})


def message(uid: str, status: str, to: str = "31612345678") -> Message:
    """Return message ``uid`` to ``to`` in ``status``."""
    return Message.from_api({"uid": uid, "to": to, "status": status})
