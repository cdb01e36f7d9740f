"""Fill a message per recipient from contact tags and group recipients by their filled text.

``recipients`` may hold mappings (rows from SQL or an XCom), e.g.
``{"PHONE": "+31612345678", "FIRST_NAME": "Jo"}``, and ``message`` the platform's tag style:

* ``{FIRST_NAME}``: the row's value for ``FIRST_NAME``; tag names and row keys are compared
  case-insensitively (``{first_name}`` reads a ``FIRST_NAME`` column and the other way round).
* ``{FIRST_NAME|there}``: ``there`` when the row has no such key, or its value is None or blank;
  a ``defaults`` mapping gives defaults for tags written without one (the inline one wins).

Only ``{NAME}`` and ``{NAME|default}`` with ``NAME`` made of letters, digits and ``_`` (not
starting with a digit) are tags; every other brace is text. Tags are filled after Airflow's
Jinja templating (``{{ }}``), in one pass: a value that itself contains ``{X}`` is not filled
again. When no recipient is a mapping the message is sent exactly as written, tags included:
plain recipient lists behave as they always did.

The phone number of a row is under a key named (case-insensitively) ``PHONE``, ``phone_number``,
``number``, ``mobile``, ``msisdn``, ``recipient`` or ``to``, the first of these present; or the
key given as ``phone_key``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.utils.phone import check_on_invalid, normalize_phone, normalize_recipients
from airflow_provider_textiopro.utils.segments import SegmentEstimate, estimate_segments

TAG = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\|([^{}]*))?\}")
"""A contact tag: ``{NAME}`` or ``{NAME|default}``."""

PHONE_KEYS = ("phone", "phone_number", "number", "mobile", "msisdn", "recipient", "to")
"""Keys (compared case-insensitively, in this order of preference) that hold a row's number."""

_SHOWN_PROBLEMS = 10


@dataclass(frozen=True)
class TextGroup:
    """One distinct text and the numbers (digits with country code, input order) that get it."""

    text: str
    numbers: list[str]
    segments: SegmentEstimate

    @property
    def total_segments(self) -> int:
        """Segments billed for this text: its segments times its recipients."""
        return self.segments.segments * len(self.numbers)


@dataclass(frozen=True)
class PersonalPlan:
    """Distinct texts in order of first appearance, and the refused numbers with reasons.

    ``invalid`` holds ``(number as given, reason)`` for plain lists and ``(row, reason)`` for rows,
    e.g. ``("row 2 (recipients[1])", "Phone number 12 is not usable: ...")``. ``personal`` is
    False when no recipient was a mapping (the message went through as written).
    """

    groups: list[TextGroup]
    invalid: list[tuple[str, str]] = field(default_factory=list)
    personal: bool = False

    @property
    def numbers(self) -> list[str]:
        """Every recipient, group after group."""
        return [number for group in self.groups for number in group.numbers]

    @property
    def total_segments(self) -> int:
        """Segments billed for the whole send (the cost in segments)."""
        return sum(group.total_segments for group in self.groups)


def fill_tags(
    message: str,
    row: Mapping[str, Any],
    *,
    defaults: Mapping[str, Any] | None = None,
    row_label: str = "the row",
) -> str:
    """Return ``message`` with every tag replaced by the row's value or its default.

    :param row_label: how errors name the row, e.g. ``"row 3 (recipients[2])"``.
    :raises TextioProInputError: a tag has no value in the row and no default, or the row has
        two keys that differ only by case for a tag it needs.
    """
    values, ambiguous = _folded(row)
    fallbacks, _ = _folded(defaults or {})

    def replace(match: re.Match[str]) -> str:
        name, inline_default = match.group(1), match.group(2)
        if name.casefold() in ambiguous:
            raise TextioProInputError(
                f"{row_label} has several keys named {name!r} in different cases for the tag "
                f"{{{name}}}: keep one."
            )
        value = values.get(name.casefold())
        if not _blank(value):
            return str(value)
        if inline_default is not None:
            return inline_default
        fallback = fallbacks.get(name.casefold())
        if fallback is not None:
            return str(fallback)
        raise TextioProInputError(
            f"{row_label} has no value for the tag {{{name}}} in the message: add a {name} "
            f"key to every row, or give a default ({{{name}|...}} in the message or "
            f"defaults={{'{name}': ...}})."
        )

    return TAG.sub(replace, message)


def phone_of(row: Mapping[str, Any], *, phone_key: str | None = None, row_label: str = "the row") -> Any:
    """Return the raw phone number of a row (see the module docstring for the keys looked at).

    :raises TextioProInputError: the row has no such key (the message lists the row's keys).
    """
    by_name = {str(key).casefold(): key for key in row}
    wanted = [phone_key] if phone_key is not None else list(PHONE_KEYS)
    for name in wanted:
        key = by_name.get(name.casefold())
        if key is not None:
            return row[key]
    keys = ", ".join(repr(key) for key in row) or "none"
    if phone_key is not None:
        raise TextioProInputError(f"{row_label} has no key {phone_key!r} (phone_key); its keys: {keys}.")
    raise TextioProInputError(
        f"{row_label} has no phone number: its keys are {keys}. Name the column PHONE (or phone, "
        "phone_number, number, mobile, msisdn, recipient, to; any case), or pass phone_key='<column>'."
    )


def plan_personal_texts(
    message: str,
    recipients: Any,
    *,
    defaults: Mapping[str, Any] | None = None,
    phone_key: str | None = None,
    default_region: str | None = None,
    on_invalid: str = "fail",
    unicode: bool = False,
) -> PersonalPlan:
    """Fill ``message`` per recipient and group the recipients by their text.

    Each number is one recipient: a number listed twice with the same text is kept once (at its
    first place); with different texts it is an error. Every problem is found before anything
    is sent.

    :param message: the rendered message, with ``{TAG}`` / ``{TAG|default}`` tags.
    :param recipients: as for a plain send (a string or a list of numbers: the message is not
        filled), or rows: mappings, or a list of mappings (nested one level, as mapped tasks
        return), where a plain number among them is a row with no other values.
    :param defaults: defaults of tags that the message writes without one (keys of any case).
    :param phone_key: the key holding the number in every row (found by name when None).
    :param default_region: ISO 3166 alpha-2 region for national numbers.
    :param on_invalid: ``"fail"`` or ``"skip"`` unusable numbers (as for a plain send).
    :param unicode: count segments as UCS-2 (``type="unicode"``).
    :raises TextioProInputError: a row without number, a tag without value or default, a number
        given twice with different texts, an empty text, or (with ``"fail"``) unusable numbers.
    """
    check_on_invalid(on_invalid)
    if isinstance(recipients, Iterator):
        recipients = list(recipients)
    rows = _rows(recipients)
    if rows is None:
        plain = normalize_recipients(recipients, default_region=default_region, on_invalid=on_invalid)
        groups = [_group(message, plain.numbers, unicode)] if plain.numbers else []
        return PersonalPlan(groups=groups, invalid=plain.invalid)
    if not rows:
        raise TextioProInputError("No recipient given (recipients is an empty list): give at least one row.")
    texts: dict[str, tuple[str, int]] = {}
    invalid: list[tuple[str, str]] = []
    problems: list[str] = []
    for index, row in enumerate(rows):
        label = f"row {index + 1} (recipients[{index}])"
        try:
            number, text = _fill_row(message, row, label, defaults, phone_key, default_region)
        except TextioProInputError as error:
            problems.append(str(error))
            continue
        if number is None:
            invalid.append((label, text))
            continue
        earlier = texts.setdefault(number, (text, index))
        if earlier[0] != text:
            problems.append(
                f"{label} gives +{number} another text than row {earlier[1] + 1}: a number gets one "
                "message per send; remove the duplicate row or make both texts the same."
            )
    if invalid and on_invalid == "fail":
        problems += [f"{label}: {reason}" for label, reason in invalid]
    if problems:
        raise TextioProInputError(_listing(problems, len(rows)))
    by_text: dict[str, list[str]] = {}
    for number, (text, _) in texts.items():
        by_text.setdefault(text, []).append(number)
    return PersonalPlan(
        groups=[_group(text, numbers, unicode) for text, numbers in by_text.items()],
        invalid=invalid,
        personal=True,
    )


def _rows(recipients: Any) -> list[Any] | None:
    """Return the rows when ``recipients`` holds a mapping, else None (a plain recipient list)."""
    if isinstance(recipients, Mapping):
        return [recipients]
    if isinstance(recipients, (str, bytes, int)) or not isinstance(recipients, Iterable):
        return None
    items: list[Any] = []
    for item in recipients:
        if isinstance(item, (list, tuple)):
            items.extend(item)
        else:
            items.append(item)
    if not any(isinstance(item, Mapping) for item in items):
        return None if items else []
    return items


def _fill_row(
    message: str,
    row: Any,
    label: str,
    defaults: Mapping[str, Any] | None,
    phone_key: str | None,
    default_region: str | None,
) -> tuple[str | None, str]:
    """Return ``(number, text)`` of one row, or ``(None, reason)`` when its number is unusable."""
    fields: Mapping[str, Any] = row if isinstance(row, Mapping) else {}
    raw = phone_of(row, phone_key=phone_key, row_label=label) if isinstance(row, Mapping) else row
    text = fill_tags(message, fields, defaults=defaults, row_label=label)
    if not text.strip():
        raise TextioProInputError(f"{label}: the filled message is empty; give the tags a default.")
    try:
        return normalize_phone(raw, default_region), text
    except TextioProInputError as error:
        return None, str(error)


def _group(text: str, numbers: list[str], unicode: bool) -> TextGroup:
    return TextGroup(text=text, numbers=numbers, segments=estimate_segments(text, unicode=unicode))


def _folded(mapping: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """Return ``mapping`` with case-folded keys, and the folded keys it has in several cases."""
    folded: dict[str, Any] = {}
    ambiguous: set[str] = set()
    for key, value in mapping.items():
        name = str(key).casefold()
        if name in folded:
            ambiguous.add(name)
        folded[name] = value
    return folded, ambiguous


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _listing(problems: list[str], rows: int) -> str:
    shown = "".join(f"\n  - {problem}" for problem in problems[:_SHOWN_PROBLEMS])
    more = len(problems) - _SHOWN_PROBLEMS
    tail = f"\n  ... and {more} more" if more > 0 else ""
    return f"{len(problems)} problem(s) in {rows} recipient rows; nothing was sent:{shown}{tail}"
