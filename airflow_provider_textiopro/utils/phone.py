"""Normalise phone numbers to the digits form TextioPro expects (country code, no ``+``).

How a number is read:

* Spaces and ``( ) - .`` are formatting and are removed.
* ``+CC...`` and ``00CC...`` are international numbers.
* Bare digits without ``default_region`` are international digits: ``31612345678``.
* Bare digits with ``default_region``:

  - a number that starts with the region's trunk prefix (``0`` in most countries,
    ``1`` in North America, ``8`` in Russia) is a national number of that region;
  - otherwise both readings are tried, national (which also recognises the
    region's own country code, e.g. ``31612345678`` in ``NL``) and international,
    and the better one wins (see below); when both are equally good and differ
    (``2033167325`` is a US number and an Egyptian one) the number is refused as
    ambiguous rather than guessed: write it with ``+`` and its country code.

A number is accepted when libphonenumber finds it *valid* (an assigned range) or
at least of a *possible* length for its country, which is what the server checks:
numbers of ranges missing from the metadata, such as the UK's 07700 900xxx drama
range, still go through. Between two readings, a valid one beats a possible one.

``phonenumbers`` is imported inside the functions so that importing this module
(and every operator) stays cheap.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_textiopro.exceptions import TextioProInputError

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

ON_INVALID_CHOICES = ("fail", "skip")

_FORMATTING = re.compile(r"[\s().\-]")
_SEPARATORS = re.compile(r"[,;\n\r]+")
_SEVERAL_HINT = "separate several numbers with commas"
_NO_COUNTRY_CODE_HINT = "set default_region in the connection extra or write the number with its country code"


class _InvalidNumber(Exception):
    """A number that cannot be used; ``args[0]`` says why."""


@dataclass(frozen=True)
class NormalizedRecipients:
    """Usable numbers (digits with country code, in input order) and the refused ones with reasons."""

    numbers: list[str] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)


def normalize_phone(number: str | int, default_region: str | None = None) -> str:
    """Return ``number`` as digits with its country code, e.g. ``"31612345678"``.

    :param number: a phone number, international (``+31 6 1234 5678``, ``0031...``,
        ``31612345678``) or national (``06 1234 5678``, with ``default_region``).
    :param default_region: ISO 3166 alpha-2 region for national numbers, e.g. ``"NL"``.
    :raises TextioProInputError: the number is unusable; the message says why.
    """
    region = _check_region(default_region)
    try:
        return _normalize(number, region)
    except _InvalidNumber as exc:
        raise TextioProInputError(f"Phone number {_show(number)} is not usable: {exc.args[0]}.") from None


def normalize_recipients(
    recipients: Any,
    *,
    default_region: str | None = None,
    on_invalid: str = "fail",
) -> NormalizedRecipients:
    """Normalise a recipient list, dropping duplicates and keeping the first occurrence's order.

    :param recipients: a string separated by commas, semicolons or line breaks, or an
        iterable of strings and ints; nested lists (as mapped tasks return) are
        flattened one level, and strings inside lists are split the same way.
    :param default_region: ISO 3166 alpha-2 region for national numbers.
    :param on_invalid: ``"fail"`` raises listing every unusable number with its
        reason; ``"skip"`` returns them in ``invalid``.
    :raises TextioProInputError: no recipient at all, a value that is not a number,
        an unknown ``on_invalid``, or (with ``"fail"``) any unusable number.
    """
    check_on_invalid(on_invalid)
    region = _check_region(default_region)
    raw_values = _flatten(recipients)
    if not raw_values:
        raise TextioProInputError(
            f"No recipient given (recipients={_show(recipients)}): give at least one phone number."
        )
    numbers: dict[str, None] = {}
    invalid: dict[str, str] = {}
    for raw in raw_values:
        try:
            numbers.setdefault(_normalize(raw, region), None)
        except _InvalidNumber as exc:
            invalid.setdefault(_show(raw), exc.args[0])
    if invalid and on_invalid == "fail":
        listed = "".join(f"\n  - {raw}: {reason}" for raw, reason in invalid.items())
        raise TextioProInputError(
            f"{len(invalid)} of {len(raw_values)} recipients are not usable phone numbers "
            f"(fix them, or set on_invalid='skip' to send to the others and report these):{listed}"
        )
    return NormalizedRecipients(numbers=list(numbers), invalid=list(invalid.items()))


def check_on_invalid(on_invalid: Any) -> str:
    """Return ``on_invalid`` when it is ``"fail"`` or ``"skip"``.

    :raises TextioProInputError: for any other value.
    """
    if on_invalid not in ON_INVALID_CHOICES:
        raise TextioProInputError(f"on_invalid must be 'fail' or 'skip', not {on_invalid!r}.")
    return on_invalid


def _flatten(recipients: Any) -> list[Any]:
    """Return the individual raw values of ``recipients`` (strings split, one nesting level flattened)."""
    if recipients is None:
        return []
    if isinstance(recipients, (str, int)):
        return _scalar_values(recipients)
    if isinstance(recipients, (bytes, dict)) or not isinstance(recipients, Iterable):
        raise TextioProInputError(
            f"recipients must be a string or a list of phone numbers, not {type(recipients).__name__}."
        )
    values: list[Any] = []
    for item in recipients:
        if isinstance(item, (list, tuple, set, frozenset)):
            for inner in item:
                values.extend(_item_values(inner))
        else:
            values.extend(_item_values(item))
    return values


def _item_values(item: Any) -> list[Any]:
    """Return the raw values of one list element; ``None`` and blanks stay, to be reported."""
    if item is None or (isinstance(item, str) and not item.strip()):
        return [item]
    if isinstance(item, (str, int, float)) and not isinstance(item, bool):
        return _scalar_values(item)
    raise TextioProInputError(
        f"Recipient {item!r} is a {type(item).__name__}: each recipient must be a phone number "
        "(a string or an int), and lists may be nested one level at most."
    )


def _scalar_values(value: str | int | float) -> list[Any]:
    """Split a string on commas, semicolons and line breaks; other scalars are one value."""
    if isinstance(value, str):
        return [piece for piece in (p.strip() for p in _SEPARATORS.split(value)) if piece]
    return [value]


def _check_region(default_region: str | None) -> str | None:
    """Return the region upper-cased, or None; refuse a region phonenumbers does not know."""
    if default_region is None or not str(default_region).strip():
        return None
    import phonenumbers

    region = str(default_region).strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise TextioProInputError(
            f"default_region {default_region!r} is not a known ISO 3166 alpha-2 region code "
            "(e.g. 'NL', 'GB', 'US'): fix default_region in the connection extra."
        )
    return region


def _show(raw: Any) -> str:
    """Return a raw value as it is shown in reasons and errors."""
    return repr(raw) if not isinstance(raw, str) or not raw.strip() else raw.strip()


def _normalize(raw: Any, region: str | None) -> str:
    """Return the digits with country code of one raw value, or raise _InvalidNumber."""
    text = _clean(raw)
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+"):
        return _e164_digits(_international(text[1:]))
    if region is None:
        if text.startswith("0"):
            raise _InvalidNumber(
                f"it looks like a national number without country code: {_NO_COUNTRY_CODE_HINT}"
            )
        try:
            return _e164_digits(_international(text))
        except _InvalidNumber as exc:
            raise _InvalidNumber(
                f"{exc.args[0]}; if it is a national number, {_NO_COUNTRY_CODE_HINT}"
            ) from None
    return _e164_digits(_with_region(text, region))


def _clean(raw: Any) -> str:
    """Strip formatting characters and check that only digits (and a leading +) remain."""
    if isinstance(raw, bool):
        raise _InvalidNumber("a boolean is not a phone number")
    if isinstance(raw, float):
        if not raw.is_integer():
            raise _InvalidNumber("a number with decimals is not a phone number")
        raw = int(raw)
    if raw is None:
        raise _InvalidNumber("empty value")
    text = _FORMATTING.sub("", str(raw))
    if not text:
        raise _InvalidNumber("empty value")
    if not re.fullmatch(r"\+?\d+", text):
        raise _InvalidNumber("only digits, spaces, '( ) - .' and a leading '+' are allowed")
    return text


def _international(digits: str) -> PhoneNumber:
    """Parse international digits (no ``+``), requiring a number of possible length."""
    number = _parse("+" + digits, None)
    _require_possible(number)
    return number


def _with_region(digits: str, region: str) -> PhoneNumber:
    """Read bare digits with a default region (see the module docstring for the rule)."""
    import phonenumbers

    national = _parse(digits, region)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    trunk_prefix = metadata.national_prefix if metadata else None
    if trunk_prefix and digits.startswith(trunk_prefix):
        _require_possible(national, f"as a national number of {region}")
        return national
    readings = [national]
    with contextlib.suppress(_InvalidNumber):
        readings.append(_parse("+" + digits, None))
    best = max(_rank(number) for number in readings)
    if best == 0:
        _require_possible(national, f"as a national number of {region} nor as international digits")
    winners = {_plus(number): number for number in readings if _rank(number) == best}
    if len(winners) > 1:
        national_e164, international_e164 = winners
        raise _InvalidNumber(
            f"ambiguous: it reads as {national_e164} (national number of {region}) and as "
            f"{international_e164} (international digits); write it with '+' and its country code"
        )
    return next(iter(winners.values()))


def _parse(text: str, region: str | None) -> PhoneNumber:
    """Parse with phonenumbers, turning its exception into _InvalidNumber."""
    import phonenumbers

    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise _InvalidNumber(_parse_failure(exc, text.lstrip("+"))) from None


def _rank(number: PhoneNumber) -> int:
    """Return 2 for a valid number, 1 for a number of possible length only, 0 otherwise."""
    import phonenumbers

    if phonenumbers.is_valid_number(number):
        return 2
    return int(
        phonenumbers.is_possible_number_with_reason(number) == phonenumbers.ValidationResult.IS_POSSIBLE
    )


def _parse_failure(exc: Exception, digits: str) -> str:
    """Return the reason for a number phonenumbers could not even parse."""
    import phonenumbers

    error_type = getattr(exc, "error_type", None)
    if error_type == phonenumbers.NumberParseException.TOO_LONG:
        return f"not a valid phone number: wrong length (too long; {_SEVERAL_HINT})"
    if error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
        return f"+{digits[:3]}... does not start with a known country code"
    return "not a valid phone number: wrong length (too short)"


def _require_possible(number: PhoneNumber, context: str = "") -> None:
    """Raise _InvalidNumber saying what is wrong unless ``number`` is valid or of possible length."""
    import phonenumbers

    if _rank(number):
        return
    details = {
        phonenumbers.ValidationResult.TOO_SHORT: "wrong length (too short)",
        phonenumbers.ValidationResult.TOO_LONG: f"wrong length (too long; {_SEVERAL_HINT})",
        phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
        phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "a local number: add the area code",
    }
    detail = details.get(phonenumbers.is_possible_number_with_reason(number), "wrong length")
    where = f" {context}" if context else ""
    raise _InvalidNumber(f"not a valid phone number{where}: {detail}")


def _e164_digits(number: PhoneNumber) -> str:
    """Return E.164 without the ``+``."""
    return _plus(number)[1:]


def _plus(number: PhoneNumber) -> str:
    """Return E.164 with the ``+``."""
    import phonenumbers

    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
