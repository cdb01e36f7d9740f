"""Sensors that wait for TextioPro messages or a campaign to finish, or for a reply.

All work in ``poke``, ``reschedule`` and deferrable mode, and fail as soon as the
messages or the campaign end in failure instead of waiting for the timeout.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

from airflow_provider_textiopro.exceptions import TextioProDeliveryError, TextioProError, TextioProInputError
from airflow_provider_textiopro.hooks import TextioProHookMixin
from airflow_provider_textiopro.hooks._internal.settings import DEFAULT_CONN_ID
from airflow_provider_textiopro.links import (
    CAMPAIGN_URL_XCOM_KEY,
    MESSAGE_URL_XCOM_KEY,
    TextioProCampaignLink,
    TextioProMessageLink,
    keep_dashboard_url,
    push_dashboard_url,
)
from airflow_provider_textiopro.utils.completion import (
    DEFAULT_MAX_FAILED_POLLS,
    DEFAULT_MAX_READS,
    FAILURE,
    SUCCESS,
    Completion,
    MessageWatch,
    check_campaign,
    check_success_ratio,
    is_transient,
)
from airflow_provider_textiopro.utils.phone import normalize_recipients
from airflow_provider_textiopro.utils.replies import (
    ANY,
    DEFAULT_KEYWORDS,
    EACH,
    OPT_OUT_KEYWORDS,
    ReplyMatcher,
    check_replies,
    check_wait_for,
    unsubscribe_opt_outs,
)
from airflow_provider_textiopro.utils.uids import parse_message_uids
from airflow_provider_textiopro.utils.validation import check_number
from airflow_provider_textiopro.version_compat import (
    AirflowSensorTimeout,
    BaseSensorOperator,
    PokeReturnValue,
    conf,
)

if TYPE_CHECKING:
    from airflow_provider_textiopro.triggers.textiopro import (
        TextioProCampaignTrigger,
        TextioProMessageTrigger,
        TextioProReplyTrigger,
        _TextioProPollingTrigger,
    )
    from airflow_provider_textiopro.utils.send_progress import TaskStateStore
    from airflow_provider_textiopro.version_compat import Context

__all__ = ["TextioProCampaignSensor", "TextioProMessageSensor", "TextioProReplySensor"]


class _TextioProWaitSensor(TextioProHookMixin, BaseSensorOperator):
    """Wait for TextioPro objects to be final: poke with the hook, or defer to a read-only trigger.

    :param textiopro_conn_id: the TextioPro connection.
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``).
    :param max_failed_polls: deferred, end the wait with an error after this many polls in a
        row failed (rate limits not counted); the trigger does not retry within a poll.
    """

    url_kind: ClassVar[str]
    url_xcom_key: ClassVar[str]

    def __init__(
        self,
        *,
        textiopro_conn_id: str = DEFAULT_CONN_ID,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        max_failed_polls: int = DEFAULT_MAX_FAILED_POLLS,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.textiopro_conn_id = textiopro_conn_id
        self.deferrable = deferrable
        self.max_failed_polls = check_number("max_failed_polls", max_failed_polls, minimum=1, whole=True)

    def _first_uid(self) -> str:
        raise NotImplementedError

    def _check(self) -> tuple[Completion, Any]:
        raise NotImplementedError

    @staticmethod
    def _trigger_class() -> type[_TextioProPollingTrigger]:
        """Return the trigger class (imported here: DAG files need not import the triggers)."""
        raise NotImplementedError

    def _trigger_kwargs(self) -> dict[str, Any]:
        """Return the trigger's own kwargs (besides the connection, poll interval and end time)."""
        raise NotImplementedError

    def _trigger(self, end_time: float) -> _TextioProPollingTrigger:
        return self._trigger_class()(
            conn_id=self.textiopro_conn_id,
            poll_interval=self.poke_interval,
            end_time=end_time,
            max_failed_polls=self.max_failed_polls,
            **self._trigger_kwargs(),
        )

    def _start(self, context: Context) -> None:
        """Prepare the wait before the first poke or the deferral: publish the dashboard URL."""
        push_dashboard_url(
            self, context, self.url_xcom_key, self.hook.dashboard_url(self.url_kind, self._first_uid())
        )

    def _resume(self, context: Context) -> None:
        """Pick the wait up after a deferral: keep the dashboard URL for the extra link."""
        keep_dashboard_url(self, context, self.url_xcom_key)

    def execute(self, context: Context) -> Any:
        """Prepare the wait (:meth:`_start`), then poke (``poke``/``reschedule``) or defer."""
        self._start(context)
        if not self.deferrable:
            return super().execute(context)
        self.defer(
            trigger=self._trigger(time.time() + self.timeout),
            method_name="execute_complete",
            timeout=self.execution_timeout,
        )

    def poke(self, context: Context) -> bool | PokeReturnValue:
        """Return the final objects (pushed to XCom) on success, False while waiting; raise on failure."""
        try:
            completion, value = self._check()
        except Exception as error:
            if not is_transient(error):
                raise
            self.log.warning("Reading from TextioPro failed; trying again at the next poke: %s", error)
            return False
        self.log.info("%s", completion.message)
        if completion.state == SUCCESS:
            return PokeReturnValue(is_done=True, xcom_value=value)
        if completion.state == FAILURE:
            raise TextioProDeliveryError(completion.message)
        return False

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        """Resume after the trigger: return the final objects, or raise for its failure, timeout or error."""
        from airflow_provider_textiopro.triggers.textiopro import TIMEOUT

        self._resume(context)
        status, message = event.get("status"), str(event.get("message"))
        if status == SUCCESS:
            self.log.info("%s", message)
            return event.get(self._trigger_class().payload_key)
        if status == FAILURE:
            raise TextioProDeliveryError(message)
        if status == TIMEOUT:
            raise AirflowSensorTimeout(f"Sensor has timed out: {message}")
        raise TextioProError(f"Could not read from TextioPro while waiting: {message}")


class TextioProMessageSensor(_TextioProWaitSensor):
    """Wait until messages are final; succeed when enough were delivered.

    Returns (and pushes to XCom) the final messages as dicts. Fails as soon as every
    message is final and fewer than ``min_success_ratio`` of them were delivered,
    naming each recipient that was not delivered and its status.

    A message read final is not read again; the others are read in turns, at most
    ``max_reads_per_poke`` a poke (when poking, concurrently, up to the connection's
    ``max_concurrent_requests``), so waiting on thousands of messages costs a bounded number
    of requests per poke. The log says how many are left.

    :param message_uids: the uids to wait for (templated): a uid, comma-separated uids,
        a list, the send operator's result (a dict with ``"uids"``) or a list of those.
    :param min_success_ratio: share of the messages that must be delivered, from 0 to 1.
    :param unknown_is_failure: a status TextioPro does not document is a final failure
        (True, the default) or not final yet (False).
    :param max_reads_per_poke: the most messages read in one poke (default 100).
    :param textiopro_conn_id: the TextioPro connection.
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``).
    :param max_failed_polls: see :class:`_TextioProWaitSensor`.
    """

    template_fields: Sequence[str] = ("message_uids",)
    operator_extra_links = (TextioProMessageLink(),)
    url_kind = "message"
    url_xcom_key = MESSAGE_URL_XCOM_KEY

    def __init__(
        self,
        *,
        message_uids: Any,
        min_success_ratio: float = 1.0,
        unknown_is_failure: bool = True,
        max_reads_per_poke: int = DEFAULT_MAX_READS,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.message_uids = message_uids
        self.min_success_ratio = check_success_ratio(min_success_ratio)
        self.unknown_is_failure = unknown_is_failure
        self.max_reads_per_poke = check_number(
            "max_reads_per_poke", max_reads_per_poke, minimum=1, whole=True
        )
        self._watch: MessageWatch | None = None

    def _first_uid(self) -> str:
        return parse_message_uids(self.message_uids)[0]

    def _check(self) -> tuple[Completion, list[dict[str, Any]] | None]:
        if self._watch is None:
            self._watch = MessageWatch(
                parse_message_uids(self.message_uids), max_reads=self.max_reads_per_poke
            )
        completion = self.hook.read_due_messages(self._watch).completion(
            min_success_ratio=self.min_success_ratio, unknown_is_failure=self.unknown_is_failure
        )
        return completion, self._watch.payload() if completion.done else None

    @staticmethod
    def _trigger_class() -> type[TextioProMessageTrigger]:
        from airflow_provider_textiopro.triggers.textiopro import TextioProMessageTrigger

        return TextioProMessageTrigger

    def _trigger_kwargs(self) -> dict[str, Any]:
        return {
            "message_uids": parse_message_uids(self.message_uids),
            "min_success_ratio": self.min_success_ratio,
            "unknown_is_failure": self.unknown_is_failure,
            "max_reads_per_poll": self.max_reads_per_poke,
        }


class TextioProCampaignSensor(_TextioProWaitSensor):
    """Wait until a campaign is final; succeed on ``delivered``/``done``.

    Returns (and pushes to XCom) the campaign as a dict. Fails as soon as the campaign
    ends ``failed``, ``error`` or ``cancelled``, with its counts in the message.

    :param campaign_uid: the campaign to wait for (templated).
    :param textiopro_conn_id: the TextioPro connection.
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``).
    """

    template_fields: Sequence[str] = ("campaign_uid",)
    operator_extra_links = (TextioProCampaignLink(),)
    url_kind = "campaign"
    url_xcom_key = CAMPAIGN_URL_XCOM_KEY

    def __init__(self, *, campaign_uid: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.campaign_uid = campaign_uid

    def _first_uid(self) -> str:
        uid = str(self.campaign_uid or "").strip()
        if not uid:
            raise TextioProInputError("campaign_uid is empty: give the uid of the campaign to wait for.")
        return uid

    def _check(self) -> tuple[Completion, dict[str, Any]]:
        return check_campaign(self.hook.get_campaign(self._first_uid()))

    @staticmethod
    def _trigger_class() -> type[TextioProCampaignTrigger]:
        from airflow_provider_textiopro.triggers.textiopro import TextioProCampaignTrigger

        return TextioProCampaignTrigger

    def _trigger_kwargs(self) -> dict[str, Any]:
        return {"campaign_uid": self._first_uid()}


REPLY_CURSOR_KEY = "textiopro_reply_cursor"


class TextioProReplySensor(_TextioProWaitSensor):
    """Wait for an inbound reply from given numbers whose text matches keywords or a pattern.

    Only replies listed after the point the wait starts from count, so an old "YES" never
    does: by default the newest message listed when the sensor first runs (kept in the
    trigger's kwargs when deferred, and in the task state store on Airflow 3.3+ for
    ``mode="reschedule"``), or the messages of the send given as ``after``. A reply is a
    listed message whose ``from`` is one of ``numbers`` and whose ``to`` is not.

    Returns (and pushes to XCom) the reply as a dict (``number``, ``text``, ``uid``,
    ``keyword``, ``opted_out``) with ``wait_for="any"``, or a list of them, one per
    number in the order given, with ``wait_for="each"``. On timeout it fails, or is
    skipped with ``soft_fail=True`` (so a branch with ``trigger_rule="all_done"`` can
    handle "no answer").

    :param numbers: the numbers to wait for (templated): a string separated by commas,
        semicolons or line breaks, or a list; national numbers use the connection's
        ``default_region``.
    :param keywords: the answers, e.g. ``["YES", "NO"]`` (default) (templated); a reply
        matches when it starts with one as a whole word. The matched keyword is returned
        as written here.
    :param pattern: a regular expression searched in the reply instead of keywords
        (pass ``keywords=None``) (templated).
    :param case_sensitive: match case exactly (default: ignore case).
    :param wait_for: ``"any"`` (the first matching reply) or ``"each"`` (one from every number).
    :param after: start after this send instead of the sensor's start (templated): a
        message uid, uids, or the send operator's result.
    :param opt_out_group_uid: a contact group: a reply starting with one of
        ``opt_out_keywords`` (``STOP`` ...) answers the wait with that keyword and
        ``opted_out: true``, and its sender's contact in this group is unsubscribed, so the
        send operator's suppression leaves it out (templated).
    :param opt_out_keywords: the replies that ask to unsubscribe (with ``opt_out_group_uid``).
    :param textiopro_conn_id: the TextioPro connection.
    :param deferrable: wait in the triggerer (default: ``[operators] default_deferrable``).
    """

    template_fields: Sequence[str] = ("numbers", "keywords", "pattern", "after", "opt_out_group_uid")
    ui_color = "#e8f5e9"

    def __init__(
        self,
        *,
        numbers: str | Iterable[str],
        keywords: str | Sequence[str] | None = DEFAULT_KEYWORDS,
        pattern: str | None = None,
        case_sensitive: bool = False,
        wait_for: str = ANY,
        after: Any = None,
        opt_out_group_uid: str | None = None,
        opt_out_keywords: Sequence[str] = OPT_OUT_KEYWORDS,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.numbers = numbers
        self.keywords = keywords
        self.pattern = pattern
        self.case_sensitive = case_sensitive
        self.wait_for = check_wait_for(wait_for)
        self.after = after
        self.opt_out_group_uid = opt_out_group_uid
        self.opt_out_keywords = tuple(opt_out_keywords)
        if not any("{{" in str(value) for value in (keywords, pattern)):
            self._matcher()  # bad keywords or pattern fail when the DAG file is parsed
        self._cursor: list[str] | None = None

    def _matcher(self) -> ReplyMatcher:
        return ReplyMatcher.build(
            keywords=self.keywords,
            pattern=self.pattern,
            case_sensitive=self.case_sensitive,
            opt_out_keywords=self.opt_out_keywords if self.opt_out_group_uid else (),
        )

    def _watched(self) -> list[str]:
        return normalize_recipients(self.numbers, default_region=self.hook.default_region).numbers

    def _resume(self, context: Context) -> None:
        """Nothing to pick up after a deferral: a reply wait has no dashboard page."""

    def _start(self, context: Context) -> None:
        """Check the arguments and fix the cursor: where the new part of the message list ends."""
        self._matcher()
        self._watched()
        if self.after is not None:
            self._cursor = parse_message_uids(self.after)
            return
        store = cast("TaskStateStore | None", context.get("task_state_store"))
        saved = store.get(REPLY_CURSOR_KEY) if store is not None else None
        if saved is not None:
            self._cursor = list(saved)
            self.log.info(
                "Waiting for replies listed above %s (kept from the first run).", saved or "nothing"
            )
            return
        if self.reschedule and not self.deferrable and store is None:
            raise TextioProInputError(
                "mode='reschedule' cannot remember where the wait began on this Airflow version (no task "
                "state store): pass after= (the send task's result), or use mode='poke' or deferrable=True."
            )
        latest = self.hook.latest_message_uid()
        self._cursor = [latest] if latest else []
        if store is not None:
            store.set(REPLY_CURSOR_KEY, self._cursor)
        self.log.info("Waiting for replies listed above message %s.", latest or "(none listed yet)")

    def _check(self) -> tuple[Completion, Any]:
        if self._cursor is None:
            raise TextioProError("The reply sensor poked before its start: run it through execute().")
        completion, replies = check_replies(
            self.hook, self._watched(), self._cursor, self._matcher(), self.wait_for
        )
        self._opt_out(replies)
        return completion, self._result(replies)

    def _opt_out(self, replies: list[dict[str, Any]]) -> None:
        if self.opt_out_group_uid:
            unsubscribe_opt_outs(self.hook, self.opt_out_group_uid, replies)

    def _result(self, replies: list[dict[str, Any]] | None) -> Any:
        if self.wait_for == EACH:
            return replies or []
        return replies[0] if replies else None

    @staticmethod
    def _trigger_class() -> type[TextioProReplyTrigger]:
        from airflow_provider_textiopro.triggers.textiopro import TextioProReplyTrigger

        return TextioProReplyTrigger

    def _trigger_kwargs(self) -> dict[str, Any]:
        matcher = self._matcher()
        return {
            "numbers": self._watched(),
            "cursor": list(self._cursor or []),
            "keywords": list(matcher.keywords),
            "pattern": matcher.pattern,
            "case_sensitive": matcher.case_sensitive,
            "opt_out_keywords": list(matcher.opt_out_keywords),
            "wait_for": self.wait_for,
        }

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        """Resume after the trigger: unsubscribe opt-outs, then return the reply or raise (timeout ...)."""
        self._opt_out(event.get("replies") or [])
        return self._result(super().execute_complete(context, event))
