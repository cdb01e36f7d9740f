"""Find the replies to a wait in the message list, match their text, and act on opt-outs.

The platform's message list (``GET sms``) is newest first and has no date and no
direction: a reply is an entry whose ``from`` is one of the watched numbers and whose
``to`` is not, and "new" means listed above a cursor (the newest uid when the wait
began, or the uids of the send it answers).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.models import Reply
from airflow_provider_textiopro.utils.completion import PENDING, SUCCESS, Completion

if TYPE_CHECKING:
    from airflow_provider_textiopro.hooks.textiopro import TextioProHook

log = logging.getLogger(__name__)

ANY: Final = "any"
EACH: Final = "each"
WAIT_FOR = (ANY, EACH)
DEFAULT_KEYWORDS = ("YES", "NO")
OPT_OUT_KEYWORDS = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT")


def check_wait_for(value: Any) -> str:
    """Return ``value`` when it is ``"any"`` or ``"each"``, else raise TextioProInputError."""
    if value not in WAIT_FOR:
        raise TextioProInputError(
            f"wait_for must be 'any' (the first matching reply of any number) or 'each' "
            f"(a matching reply from every number), not {value!r}."
        )
    return str(value)


def _words(value: str | Iterable[str] | None, what: str) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value or ())
    words = tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
    if any(not re.search(r"\w", word) for word in words):
        raise TextioProInputError(f"{what} must be words such as 'YES', got {value!r}.")
    return words


def _keyword_pattern(words: Sequence[str], flags: int) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"^\W*({alternatives})(?!\w)", flags)


@dataclass(frozen=True)
class ReplyMatcher:
    """Decide whether a reply's text answers the wait, and with which keyword.

    A keyword matches a reply that starts with it as a whole word (``"yes"``,
    ``"Yes please"``, ``"YES!"``, not ``"yesterday"``); a ``pattern`` is a regular
    expression searched anywhere in the text. Opt-out keywords are tried first.

    :param keywords: the answers, e.g. ``("YES", "NO")``; the matched one is returned as written here.
    :param pattern: a regular expression instead of keywords; the matched text is the keyword.
    :param case_sensitive: match case exactly (default: ignore case).
    :param opt_out_keywords: replies that ask to unsubscribe (empty: none).
    """

    keywords: tuple[str, ...] = DEFAULT_KEYWORDS
    pattern: str | None = None
    case_sensitive: bool = False
    opt_out_keywords: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        *,
        keywords: str | Iterable[str] | None,
        pattern: str | None,
        case_sensitive: bool = False,
        opt_out_keywords: str | Iterable[str] | None = (),
    ) -> ReplyMatcher:
        """Check the arguments and return the matcher; raise TextioProInputError naming what is wrong."""
        words = _words(keywords, "keywords")
        if pattern and words:
            raise TextioProInputError(
                "Give keywords or a pattern, not both (pass keywords=None with a pattern)."
            )
        if not pattern and not words:
            raise TextioProInputError(
                "Give the replies to wait for: keywords such as ['YES', 'NO'] or a pattern."
            )
        matcher = cls(
            words, pattern or None, bool(case_sensitive), _words(opt_out_keywords, "opt_out_keywords")
        )
        if pattern:
            try:
                re.compile(pattern, matcher._flags)
            except re.error as error:
                raise TextioProInputError(
                    f"pattern {pattern!r} is not a valid regular expression: {error}."
                ) from None
        return matcher

    @property
    def _flags(self) -> int:
        return 0 if self.case_sensitive else re.IGNORECASE

    def describe(self) -> str:
        """Return what the matcher waits for, in words."""
        return f"pattern {self.pattern!r}" if self.pattern else "/".join(self.keywords)

    def match(self, text: str) -> tuple[str, bool] | None:
        """Return ``(keyword, opted_out)`` for a matching reply, or None."""
        opt_out = _keyword_pattern(self.opt_out_keywords, self._flags)
        found = opt_out.match(text) if opt_out else None
        if found:
            return self._canonical(found.group(1), self.opt_out_keywords), True
        if self.pattern:
            searched = re.search(self.pattern, text, self._flags)
            return (searched.group(0), False) if searched else None
        answer = _keyword_pattern(self.keywords, self._flags)
        found = answer.match(text) if answer else None
        return (self._canonical(found.group(1), self.keywords), False) if found else None

    def _canonical(self, matched: str, words: Sequence[str]) -> str:
        return next((word for word in words if word.lower() == matched.lower()), matched)


def find_replies(
    hook: TextioProHook, numbers: Sequence[str], cursor: Sequence[str], matcher: ReplyMatcher
) -> dict[str, Reply]:
    """Return the first matching reply of each watched number listed above ``cursor``, oldest first.

    :param hook: the TextioPro hook to read with.
    :param numbers: the watched numbers, normalised (digits with country code).
    :param cursor: the uids that end the new part of the list (empty: the whole list is new).
    :param matcher: decides which texts answer.
    """
    watched = set(numbers)
    replies: dict[str, Reply] = {}
    for message in reversed(hook.list_messages_since(list(cursor))):
        number = message.sender_number
        if number not in watched or message.to in watched or number in replies:
            continue
        matched = matcher.match(message.message or "")
        if matched is None:
            log.info(
                "Reply %s from %s does not match %s: %r",
                message.uid,
                number,
                matcher.describe(),
                message.message,
            )
            continue
        keyword, opted_out = matched
        replies[number] = Reply.from_message(message, keyword, opted_out=opted_out)
    return replies


def check_replies(
    hook: TextioProHook,
    numbers: Sequence[str],
    cursor: Sequence[str],
    matcher: ReplyMatcher,
    wait_for: str = ANY,
) -> tuple[Completion, list[dict[str, Any]]]:
    """Return whether the wait is answered and the replies (``Reply.to_dict()`` each).

    With ``wait_for="any"`` the first matching reply answers it (a list of one); with
    ``"each"`` every number must have replied (the replies in the order of ``numbers``).
    """
    replies = find_replies(hook, numbers, cursor, matcher)
    found = [replies[number] for number in numbers if number in replies]
    if wait_for == ANY and replies:
        first = next(iter(replies.values()))
        return Completion(SUCCESS, f"{first.number} replied {first.text!r} ({first.keyword})."), [
            first.to_dict()
        ]
    if wait_for == EACH and len(found) == len(numbers):
        answers = ", ".join(f"{reply.number}: {reply.keyword}" for reply in found)
        return Completion(SUCCESS, f"Every number replied ({answers})."), [reply.to_dict() for reply in found]
    missing = [number for number in numbers if number not in replies]
    return (
        Completion(
            PENDING,
            f"{len(found)} of {len(numbers)} numbers replied {matcher.describe()}; "
            f"waiting for {', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}.",
        ),
        [reply.to_dict() for reply in found],
    )


def unsubscribe_opt_outs(hook: TextioProHook, group_uid: str, replies: Iterable[dict[str, Any]]) -> list[str]:
    """Unsubscribe the contacts of ``group_uid`` whose reply opted out; return the numbers unsubscribed.

    Contacts already unsubscribed are left as they are, so this can run again safely.
    A number that is not in the group is logged.
    """
    wanted = {reply["number"] for reply in replies if reply.get("opted_out")}
    if not wanted:
        return []
    done: list[str] = []
    for contact in hook.list_contacts(group_uid):
        if contact.phone not in wanted:
            continue
        wanted.discard(contact.phone)
        if contact.subscribed:
            hook.update_contact(group_uid, contact.uid, contact.phone, status="unsubscribe")
            log.info("Unsubscribed %s from group %s: the reply asked to stop.", contact.phone, group_uid)
            done.append(contact.phone)
        if not wanted:
            break
    for number in sorted(wanted):
        log.warning(
            "%s replied to stop but is not a contact of group %s: nothing to unsubscribe.", number, group_uid
        )
    return done
