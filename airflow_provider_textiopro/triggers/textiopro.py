"""Deferrable waits for TextioPro messages and campaigns.

The triggers only read (``get_message`` / ``get_campaign``): a send always happens on a
worker, so a triggerer restart can never send twice. Their kwargs are their whole state,
so a restarted triggerer resumes from them alone. Each trigger yields exactly one event
``{"status": "success" | "failure" | "timeout" | "error", "message": str, <payload_key>: ...}``.
Rate limits, server failures and network errors while polling are logged and polled
through until ``end_time``; any other error (bad token, unknown uid ...) ends the wait
with an ``error`` event.

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

from airflow_provider_textiopro.utils.completion import (
    Completion,
    check_campaign,
    check_messages,
    check_success_ratio,
    is_transient,
)
from airflow_provider_textiopro.version_compat import redact

if TYPE_CHECKING:
    from airflow_provider_textiopro.hooks.textiopro import TextioProHook
    from airflow_provider_textiopro.models import Message

TIMEOUT = "timeout"
ERROR = "error"


class _TextioProPollingTrigger(BaseTrigger):
    """Poll TextioPro with reads until the completion is final or ``end_time`` passes.

    :param conn_id: the TextioPro connection id.
    :param poll_interval: seconds between two polls.
    :param end_time: epoch seconds after which the wait times out; None waits without limit.
    """

    payload_key: str

    def __init__(self, *, conn_id: str, poll_interval: float, end_time: float | None) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.poll_interval = float(poll_interval)
        self.end_time = None if end_time is None else float(end_time)
        self._hook: TextioProHook | None = None

    def _own_kwargs(self) -> dict[str, Any]:
        """Return the kwargs of the subclass, for :meth:`serialize`."""
        raise NotImplementedError

    def _check(self, hook: TextioProHook) -> tuple[Completion, Any]:
        """Fetch (blocking) and return the completion and the payload value."""
        raise NotImplementedError

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the classpath and the JSON-able kwargs that rebuild this trigger."""
        common = {"conn_id": self.conn_id, "poll_interval": self.poll_interval, "end_time": self.end_time}
        return f"{type(self).__module__}.{type(self).__qualname__}", {**self._own_kwargs(), **common}

    def _poll(self) -> tuple[Completion, Any]:
        """Run :meth:`_check` (in the polling thread), loading the hook there on the first poll."""
        if self._hook is None:
            from airflow_provider_textiopro.hooks.textiopro import TextioProHook

            self._hook = TextioProHook(textiopro_conn_id=self.conn_id)
        return self._check(self._hook)

    def _event(self, status: str, message: str, value: Any) -> TriggerEvent:
        return TriggerEvent({"status": status, "message": message, self.payload_key: value})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until the completion is final, an error ends it, or ``end_time`` passes; yield one event."""
        last_message, last_value = "nothing could be fetched.", None
        while True:
            try:
                completion, last_value = await asyncio.to_thread(self._poll)
            except Exception as error:
                text = str(redact(f"{type(error).__name__}: {error}"))
                if not is_transient(error):
                    yield self._event(ERROR, text, last_value)
                    return
                self.log.warning("Polling TextioPro failed; trying again at the next poll: %s", text)
            else:
                if completion.done:
                    yield self._event(completion.state, completion.message, last_value)
                    return
                last_message = completion.message
                self.log.info("%s", last_message)
            delay = self.poll_interval
            if self.end_time is not None:
                remaining = self.end_time - time.time()
                if remaining <= 0:
                    yield self._event(TIMEOUT, f"Timed out; last seen: {last_message}", last_value)
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
        self, *, campaign_uid: str, conn_id: str, poll_interval: float = 30, end_time: float | None = None
    ) -> None:
        super().__init__(conn_id=conn_id, poll_interval=poll_interval, end_time=end_time)
        self.campaign_uid = campaign_uid

    def _own_kwargs(self) -> dict[str, Any]:
        return {"campaign_uid": self.campaign_uid}

    def _check(self, hook: TextioProHook) -> tuple[Completion, dict[str, Any]]:
        return check_campaign(hook.get_campaign(self.campaign_uid))


class TextioProMessageTrigger(_TextioProPollingTrigger):
    """Wait until every message is final, then judge them by ``min_success_ratio``.

    The event's ``"messages"`` are the messages as last fetched (``Message.to_dict()`` each).
    Messages already final are not fetched again while the trigger runs.

    :param message_uids: the messages' uids.
    :param conn_id: the TextioPro connection id.
    :param poll_interval: seconds between two polls.
    :param end_time: epoch seconds after which the wait times out; None waits without limit.
    :param min_success_ratio: share of the messages that must be delivered, from 0 to 1.
    :param unknown_is_failure: a status TextioPro does not document is a final failure
        (True) or not final yet (False).
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
    ) -> None:
        super().__init__(conn_id=conn_id, poll_interval=poll_interval, end_time=end_time)
        self.message_uids = list(message_uids)
        self.min_success_ratio = check_success_ratio(min_success_ratio)
        self.unknown_is_failure = unknown_is_failure
        self._final: dict[str, Message] = {}

    def _own_kwargs(self) -> dict[str, Any]:
        return {
            "message_uids": self.message_uids,
            "min_success_ratio": self.min_success_ratio,
            "unknown_is_failure": self.unknown_is_failure,
        }

    def _check(self, hook: TextioProHook) -> tuple[Completion, list[dict[str, Any]]]:
        return check_messages(
            hook.get_messages(self.message_uids, final=self._final),
            min_success_ratio=self.min_success_ratio,
            unknown_is_failure=self.unknown_is_failure,
        )


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
    ) -> None:
        super().__init__(conn_id=conn_id, poll_interval=poll_interval, end_time=end_time)
        self.numbers = list(numbers)
        self.cursor = list(cursor)
        self.keywords = list(keywords or [])
        self.pattern = pattern
        self.case_sensitive = case_sensitive
        self.opt_out_keywords = list(opt_out_keywords or [])
        self.wait_for = wait_for

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

    def _check(self, hook: TextioProHook) -> tuple[Completion, list[dict[str, Any]]]:
        from airflow_provider_textiopro.utils.replies import ReplyMatcher, check_replies

        matcher = ReplyMatcher.build(
            keywords=self.keywords,
            pattern=self.pattern,
            case_sensitive=self.case_sensitive,
            opt_out_keywords=self.opt_out_keywords,
        )
        return check_replies(hook, self.numbers, self.cursor, matcher, self.wait_for)
