"""Read the uids of messages, campaigns and groups from what a DAG passes: the one uid parser."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from airflow_provider_textiopro.exceptions import TextioProInputError

__all__ = ["parse_group_uids", "parse_message_uids", "parse_uid", "parse_uids"]

_GROUP_UID = re.compile(r"[0-9a-f]{13}")


def parse_uid(value: Any, what: str = "uid") -> str:
    """Return a single uid, or raise TextioProInputError when it is blank or not a string."""
    if not isinstance(value, str) or not value.strip():
        raise TextioProInputError(f"{what} must be a non-empty string, got {value!r}.")
    return value.strip()


def parse_uids(value: Any, what: str, *, empty_message: str) -> list[str]:
    """Return the uids in ``value``, in order, stripped and without duplicates.

    ``value`` may be a uid, comma-separated uids, a list of uids, the send operator's XCom
    result (a dict with ``"uids"``), a list of those (from mapped tasks), or any of these
    rendered to text by a Jinja template.

    :param what: the argument's name, for errors.
    :param empty_message: the error's text when ``value`` holds no uid.
    :raises TextioProInputError: no uid, or a value of another shape.
    """
    uids: list[str] = []
    _collect(value, uids, what)
    if not uids:
        raise TextioProInputError(empty_message)
    return uids


def parse_message_uids(value: Any) -> list[str]:
    """Return the message uids in ``value`` (see :func:`parse_uids` for the shapes taken)."""
    return parse_uids(
        value,
        "message_uids",
        empty_message=(
            f"There are no message uids to wait for in {value!r}. A scheduled send returns no uids, "
            "and a send that TextioPro refused for every recipient neither."
        ),
    )


def parse_group_uids(value: Any) -> list[str]:
    """Return the group uids of a comma-separated string or a list, without duplicates.

    Every uid must be 13 hexadecimal characters (``6065ecdc9184a``), as TextioPro
    creates them: a group *name* given by mistake fails here, before anything is sent.

    :raises TextioProInputError: no uid, or one that is not a group uid.
    """
    empty = f"contact_list_ids is empty ({value!r}): give at least one group uid."
    uids = list(
        dict.fromkeys(uid.lower() for uid in parse_uids(value, "contact_list_ids", empty_message=empty))
    )
    for uid in uids:
        if not _GROUP_UID.fullmatch(uid):
            raise TextioProInputError(
                f"contact_list_ids: {uid!r} is not a contact group uid: group uids are 13 "
                "hexadecimal characters like '6065ecdc9184a' (TextioProCreateGroupOperator returns one); "
                "pass uids, not group names."
            )
    return uids


def _collect(value: Any, uids: list[str], what: str) -> None:
    if value is None:
        return
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("{", "[")):
            _collect(_literal(text, what), uids, what)
            return
        for part in text.split(","):
            if part.strip() and part.strip() not in uids:
                uids.append(part.strip())
        return
    if isinstance(value, Mapping):
        if "uids" not in value:
            raise TextioProInputError(
                f"{what} must be uids or the send operator's result (a dict with 'uids'), "
                f"got a dict with keys {sorted(value)}."
            )
        _collect(value["uids"], uids, what)
        return
    if isinstance(value, Iterable):
        for item in value:
            _collect(item, uids, what)
        return
    raise TextioProInputError(f"{what} must be text, a list or a send result, not {type(value).__name__}.")


def _literal(text: str, what: str) -> Any:
    """Read JSON or a Python literal (a dict or list rendered by a Jinja template)."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise TextioProInputError(f"Could not read {what} from {text[:200]!r}.") from None
