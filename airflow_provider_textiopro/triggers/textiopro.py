"""Deferrable waits for TextioPro messages and campaigns.

The triggers only read (``get_message`` / ``get_campaign``): a send always happens on a
worker, so a triggerer restart can never send twice. Their kwargs are their whole state,
so a restarted triggerer resumes from them alone. Each trigger yields exactly one event
``{"status": "success" | "failure" | "timeout" | "error", "message": str, <payload_key>: ...}``.

One triggerer holds many waits: each poll runs in a thread with a hook made for it (closed
after it, so no session or connection pool is kept between polls, and reading one request
after another, so no poll adds threads that take turns with the event loop), and that hook
never retries: a poll that fails with a rate limit, a server failure or a network error is logged
and the next poll, ``poll_interval`` later, tries again. After ``max_failed_polls`` failed
polls in a row (rate limits not counted: the server answered) the wait ends with an
``error`` event; any other error (bad token, unknown uid ...) ends it at once.

The triggerer imports this module in its event loop, so it imports nothing heavy: the hook
(with ``requests``, ``tenacity`` and the phone data) is loaded in the polling thread, on the
first poll.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_textiopro.exceptions import TextioProRateLimitError
from airflow_provider_textiopro.utils.completion import (
    DEFAULT_MAX_FAILED_POLLS,
    DEFAULT_MAX_READS,
    Completion,
    MessageWatch,
    check_campaign,
    check_success_ratio,
    is_transient,
)
from airflow_provider_textiopro.utils.validation import check_number
from airflow_provider_textiopro.version_compat import redact

if TYPE_CHECKING:
    from airflow_provider_textiopro.hooks.textiopro import TextioProHook

__all__ = ["TextioProCampaignTrigger", "TextioProMessageTrigger", "TextioProReplyTrigger"]

TIMEOUT = "timeout"
ERROR = "error"


class _TextioProPollingTrigger(BaseTrigger):
    """Poll TextioPro with reads until the completion is final or ``end_time`` passes.

    :param conn_id: the TextioPro connection id.
    :param poll_interval: seconds between two polls.
    :param end_time: epoch seconds after which the wait times out; None waits without limit.
    :param max_failed_polls: end the wait with an ``error`` event after this many polls in a
        row failed (rate limits not counted).
    """

    payload_key: str

    def __init__(
        self,
        *,
        conn_id: str,
        poll_interval: float,
        end_time: float | None,
        max_failed_polls: int = DEFAULT_MAX_FAILED_POLLS,
    ) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.poll_interval = float(poll_interval)
        self.end_time = None if end_time is None else float(end_time)
        self.max_failed_polls = check_number("max_failed_polls", max_failed_polls, minimum=1, whole=True)

    def _own_kwargs(self) -> dict[str, Any]:
        """Return the kwargs of the subclass, for :meth:`serialize`."""
        raise NotImplementedError

    def _check(self, hook: TextioProHook) -> Completion:
        """Read (blocking), keep what the event needs and return the completion."""
        raise NotImplementedError

    def _payload(self) -> Any:
        """Return the event's payload value: what the last successful poll read."""
        raise NotImplementedError

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the classpath and the JSON-able kwargs that rebuild this trigger."""
        common = {
            "conn_id": self.conn_id,
            "poll_interval": self.poll_interval,
            "end_time": self.end_time,
            "max_failed_polls": self.max_failed_polls,
        }
        return f"{type(self).__module__}.{type(self).__qualname__}", {**self._own_kwargs(), **common}

    def _poll(self) -> Completion:
        """Run :meth:`_check` in the polling thread with a hook that never retries, closed afterwards.

        The hook reads one request after another: the triggerer already runs many polls at once,
        and more threads taking turns with its event loop would hold the loop up.
        """
        from airflow_provider_textiopro.hooks.textiopro import TextioProHook

        hook = TextioProHook(textiopro_conn_id=self.conn_id, max_retries=0, max_concurrent_requests=1)
        try:
            return self._check(hook)
        finally:
            hook.close()

    def _event(self, status: str, message: str) -> TriggerEvent:
        return TriggerEvent({"status": status, "message": message, self.payload_key: self._payload()})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until the completion is final, an error ends it, or ``end_time`` passes; yield one event."""
        last_message, failed = "nothing could be fetched.", 0
        while True:
            try:
                completion = await asyncio.to_thread(self._poll)
            except Exception as error:
                text = str(redact(f"{type(error).__name__}: {error}"))
                if not is_transient(error):
                    yield self._event(ERROR, text)
                    return
                if not isinstance(error, TextioProRateLimitError):
                    failed += 1
                if failed >= self.max_failed_polls:
                    yield self._event(
                        ERROR,
                        f"Gave up after {failed} polls in a row failed (max_failed_polls); the last one: "
                        f"{text}. Last seen: {last_message}",
                    )
                    return
                self.log.warning(
                    "Polling TextioPro failed (%d of at most %d failed polls in a row); polling again "
                    "in %g s: %s",
                    failed,
                    self.max_failed_polls,
                    self.poll_interval,
                    text,
                )
            else:
                failed = 0
                if completion.done:
                    yield self._event(completion.state, completion.message)
                    return
                last_message = completion.message
                self.log.info("%s", last_message)
            delay = self.poll_interval
            if self.end_time is not None:
                remaining = self.end_time - time.time()
                if remaining <= 0:
                    yield self._event(TIMEOUT, f"Timed out; last seen: {last_message}")
                    return
                delay = min(delay, remaining)
            await asyncio.sleep(delay)


class TextioProCampaignTrigger(_TextioProPollingTrigger):
    """Wait for a campaign to reach a final status.

    The event's ``"campaign"`` is the campaign as last fetched (``Campaign.to_dict()``),
    or None when it could never be fetched.

    :param campaign_uid: the campaign's uid.
    :param conn_id: the TextioPro connection id.
    :param poll_interval: seconds between two polls.
    :param end_time: epoch seconds after which the wait times out; None waits without limit.
    """

    payload_key = "campaign"

    def __init__(
        self,
        *,
        campaign_uid: str,
        conn_id: str,
        poll_interval: float = 30,
        end_time: float | None = None,
        max_failed_polls: int = DEFAULT_MAX_FAILED_POLLS,
    ) -> None:
        super().__init__(
            conn_id=conn_id, poll_interval=poll_interval, end_time=end_time, max_failed_polls=max_failed_polls
        )
        self.campaign_uid = campaign_uid
        self._campaign: dict[str, Any] | None = None

    def _own_kwargs(self) -> dict[str, Any]:
        return {"campaign_uid": self.campaign_uid}

    def _check(self, hook: TextioProHook) -> Completion:
        completion, self._campaign = check_campaign(hook.get_campaign(self.campaign_uid))
        return completion

    def _payload(self) -> dict[str, Any] | None:
        return self._campaign


class TextioProMessageTrigger(_TextioProPollingTrigger):
    """Wait until every message is final, then judge them by ``min_success_ratio``.

    The event's ``"messages"`` are the messages as last read (``Message.to_dict()`` each).
    A message read final is not read again while the trigger runs; the others are read in
    turns, at most ``max_reads_per_poll`` a poll, so a large wait costs a bounded number of
    requests a poll.

    :param message_uids: the messages' uids.
    :param conn_id: the TextioPro connection id.
    :param poll_interval: seconds between two polls.
    :param end_time: epoch seconds after which the wait times out; None waits without limit.
    :param min_success_ratio: share of the messages that must be delivered, from 0 to 1.
    :param unknown_is_failure: a status TextioPro does not document is a final failure
        (True) or not final yet (False).
    :param max_reads_per_poll: the most messages read in one poll.
    :param max_failed_polls: end the wait with an ``error`` event after this many polls in a
        row failed (rate limits not counted).
    """

    payload_key = "messages"

    def __init__(
        self,
        *,
        message_uids: list[str],
        conn_id: str,
        poll_interval: float = 30,
        end_time: float | None = None,
        min_success_ratio: float = 1.0,
        unknown_is_failure: bool = True,
        max_reads_per_poll: int = DEFAULT_MAX_READS,
        max_failed_polls: int = DEFAULT_MAX_FAILED_POLLS,
    ) -> None:
        super().__init__(
            conn_id=conn_id, poll_interval=poll_interval, end_time=end_time, max_failed_polls=max_failed_polls
        )
        self.message_uids = list(message_uids)
        self.min_success_ratio = check_success_ratio(min_success_ratio)
        self.unknown_is_failure = unknown_is_failure
        check_number("max_reads_per_poll", max_reads_per_poll, minimum=1, whole=True)
        self._watch = MessageWatch(self.message_uids, max_reads=max_reads_per_poll)

    def _own_kwargs(self) -> dict[str, Any]:
        return {
            "message_uids": self.message_uids,
            "min_success_ratio": self.min_success_ratio,
            "unknown_is_failure": self.unknown_is_failure,
            "max_reads_per_poll": self._watch.max_reads,
        }

    def _check(self, hook: TextioProHook) -> Completion:
        return hook.read_due_messages(self._watch).completion(
            min_success_ratio=self.min_success_ratio, unknown_is_failure=self.unknown_is_failure
        )

    def _payload(self) -> list[dict[str, Any]]:
        return self._watch.payload()


class TextioProReplyTrigger(_TextioProPollingTrigger):
    """Wait for inbound replies from watched numbers, listed above a cursor, that match keywords or a pattern.

    The event's ``"replies"`` are the matching replies found (``Reply.to_dict()`` each):
    one with ``wait_for="any"``, one per number with ``"each"``; on timeout, those found so far.

    :param numbers: the watched numbers, normalised (digits with country code).
    :param cursor: the uids that end the new part of the message list (empty: all of it is new).
    :param conn_id: the TextioPro connection id.
    :param poll_interval: seconds between two polls.
    :param end_time: epoch seconds after which the wait times out; None waits without limit.
    :param keywords: the answers to wait for (see ``ReplyMatcher``).
    :param pattern: a regular expression instead of keywords.
    :param case_sensitive: match case exactly.
    :param opt_out_keywords: replies that ask to unsubscribe.
    :param wait_for: ``"any"`` or ``"each"``.
    """

    payload_key = "replies"

    def __init__(
        self,
        *,
        numbers: list[str],
        cursor: list[str],
        conn_id: str,
        poll_interval: float = 30,
        end_time: float | None = None,
        keywords: list[str] | None = None,
        pattern: str | None = None,
        case_sensitive: bool = False,
        opt_out_keywords: list[str] | None = None,
        wait_for: str = "any",
        max_failed_polls: int = DEFAULT_MAX_FAILED_POLLS,
    ) -> None:
        super().__init__(
            conn_id=conn_id, poll_interval=poll_interval, end_time=end_time, max_failed_polls=max_failed_polls
        )
        self.numbers = list(numbers)
        self.cursor = list(cursor)
        self.keywords = list(keywords or [])
        self.pattern = pattern
        self.case_sensitive = case_sensitive
        self.opt_out_keywords = list(opt_out_keywords or [])
        self.wait_for = wait_for
        self._replies: list[dict[str, Any]] | None = None

    def _own_kwargs(self) -> dict[str, Any]:
        return {
            "numbers": self.numbers,
            "cursor": self.cursor,
            "keywords": self.keywords,
            "pattern": self.pattern,
            "case_sensitive": self.case_sensitive,
            "opt_out_keywords": self.opt_out_keywords,
            "wait_for": self.wait_for,
        }

    def _check(self, hook: TextioProHook) -> Completion:
        from airflow_provider_textiopro.utils.replies import ReplyMatcher, check_replies

        matcher = ReplyMatcher.build(
            keywords=self.keywords,
            pattern=self.pattern,
            case_sensitive=self.case_sensitive,
            opt_out_keywords=self.opt_out_keywords,
        )
        completion, self._replies = check_replies(hook, self.numbers, self.cursor, matcher, self.wait_for)
        return completion

    def _payload(self) -> list[dict[str, Any]] | None:
        return self._replies
