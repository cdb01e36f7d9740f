"""Opt-outs and private numbers: suppression lists, unsubscribed contacts and masked numbers.

A suppression list is read like ``recipients`` (a string separated by commas, semicolons or line
breaks; a list of numbers, nested one level; rows as mappings with a phone key, see
:func:`~.personal_texts.phone_of`) and normalised with the same default region, so
``06 1234 5678`` (region ``NL``) suppresses ``+31612345678``. An entry that cannot be read as a
number is an error by default: skipping it could text someone who opted out.

:func:`mask_number` keeps the country code, the first two and the last three digits of the
national number and writes one ``*`` per hidden digit: ``31612345678`` -> ``+3161****678``. At
least four digits are always hidden; a national number shorter than nine digits shows fewer
(first the leading digits go, then the trailing ones), and one of four digits or fewer is hidden
whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.utils.personal_texts import phone_of
from airflow_provider_textiopro.utils.phone import check_on_invalid, normalize_recipients

if TYPE_CHECKING:
    from airflow_provider_textiopro.models import Contact

MIN_HIDDEN = 4
SHOWN_LEADING = 2
SHOWN_TRAILING = 3


@dataclass(frozen=True)
class Suppression:
    """The normalised numbers of a suppression list, and the entries that were not numbers."""

    numbers: frozenset[str] = frozenset()
    invalid: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SuppressionSplit:
    """Recipients kept and suppressed, each in input order."""

    kept: list[str]
    suppressed: list[str]


def normalize_suppression(
    numbers: Any,
    *,
    default_region: str | None = None,
    on_invalid: str = "fail",
) -> Suppression:
    """Normalise a suppression list (None or empty: nothing is suppressed).

    :param numbers: numbers as ``recipients`` takes them, or rows with a phone key.
    :param default_region: ISO 3166 alpha-2 region for national numbers (the send's own).
    :param on_invalid: ``"fail"`` raises for entries that are not numbers; ``"skip"`` returns them
        in ``invalid`` (to log).
    :raises TextioProInputError: (with ``"fail"``) entries that are not usable numbers.
    """
    check_on_invalid(on_invalid)
    values = _values(numbers)
    if not values:
        return Suppression()
    read = normalize_recipients(values, default_region=default_region, on_invalid="skip")
    if read.invalid and on_invalid == "fail":
        listed = "".join(f"\n  - {raw}: {reason}" for raw, reason in read.invalid)
        raise TextioProInputError(
            f"{len(read.invalid)} entries of the suppression list are not usable phone numbers; "
            "nothing was sent (fix them, set default_region for national numbers, or pass "
            f"on_invalid='skip' to ignore them):{listed}"
        )
    return Suppression(numbers=frozenset(read.numbers), invalid=read.invalid)


def split_suppressed(numbers: Iterable[str], suppressed: Iterable[str]) -> SuppressionSplit:
    """Split normalised ``numbers`` into those to send and those suppressed."""
    blocked = frozenset(suppressed)
    kept: list[str] = []
    dropped: list[str] = []
    for number in numbers:
        (dropped if number in blocked else kept).append(number)
    return SuppressionSplit(kept=kept, suppressed=dropped)


def unsubscribed_numbers(contacts: Iterable[Contact]) -> frozenset[str]:
    """Return the numbers of the contacts whose status is ``unsubscribe``.

    Contacts of old server versions carry no status and count as subscribed.
    """
    return frozenset(contact.phone for contact in contacts if not contact.subscribed)


def mask_number(number: str) -> str:
    """Return ``+`` and the number with its middle digits hidden (see the module docstring).

    :param number: digits with country code, with or without ``+`` (as normalised).
    :raises TextioProInputError: ``number`` is not digits.
    """
    digits = str(number).strip().removeprefix("+")
    if not (digits.isascii() and digits.isdigit()):
        raise TextioProInputError(
            f"Cannot mask {number!r}: give a normalised number (digits with country code)."
        )
    country = _country_code(digits)
    national = digits[len(country) :]
    trailing = min(SHOWN_TRAILING, max(0, len(national) - MIN_HIDDEN))
    leading = min(SHOWN_LEADING, max(0, len(national) - MIN_HIDDEN - trailing))
    hidden = len(national) - leading - trailing
    tail = national[len(national) - trailing :] if trailing else ""
    return f"+{country}{national[:leading]}{'*' * hidden}{tail}"


def _values(numbers: Any) -> list[Any]:
    """Return the entries of a suppression list, rows turned into their phone numbers."""
    if numbers is None:
        return []
    if isinstance(numbers, Mapping):
        return [phone_of(numbers, row_label="suppression row 1")]
    if isinstance(numbers, (str, bytes, int)) or not isinstance(numbers, Iterable):
        return [numbers] if not isinstance(numbers, str) or numbers.strip() else []
    return [
        phone_of(item, row_label=f"suppression row {index + 1}") if isinstance(item, Mapping) else item
        for index, item in enumerate(numbers)
    ]


def _country_code(digits: str) -> str:
    """Return the calling code that starts ``digits`` (1 to 3 digits), or ``""`` when none does."""
    import phonenumbers

    for length in (1, 2, 3):
        if (
            phonenumbers.region_code_for_country_code(int(digits[:length] or 0))
            != phonenumbers.UNKNOWN_REGION
        ):
            return digits[:length]
    return ""
