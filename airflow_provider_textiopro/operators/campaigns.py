"""Send a TextioPro campaign to contact groups, and optionally wait until it is finished."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from airflow_provider_textiopro.assets import campaign_asset, default_outlets, emit_asset_event
from airflow_provider_textiopro.exceptions import (
    TextioProCampaignUntrackedError,
    TextioProDeliveryError,
    TextioProError,
    TextioProWaitTimeoutError,
)
from airflow_provider_textiopro.hooks._internal.settings import DEFAULT_CONN_ID
from airflow_provider_textiopro.links import (
    CAMPAIGN_URL_XCOM_KEY,
    TextioProCampaignLink,
    keep_dashboard_url,
    push_dashboard_url,
)
from airflow_provider_textiopro.models import CampaignStatus
from airflow_provider_textiopro.operators.base import TextioProSendOperator
from airflow_provider_textiopro.utils.completion import FAILURE, SUCCESS, campaign_completion
from airflow_provider_textiopro.utils.segments import estimate_segments
from airflow_provider_textiopro.utils.send_progress import SentRequest, forget_advice, took_no_effect
from airflow_provider_textiopro.utils.uids import parse_group_uids
from airflow_provider_textiopro.utils.validation import (
    check_number,
    format_schedule_time,
    require_sender_id,
    validate_channel,
    validate_extra_params,
)
from airflow_provider_textiopro.version_compat import AirflowFailException, conf

if TYPE_CHECKING:
    from airflow_provider_textiopro.utils.send_progress import TaskStateStore
    from airflow_provider_textiopro.version_compat import Context

CAMPAIGN_UID_XCOM_KEY = "textiopro_campaign_uid"
CAMPAIGN_REQUEST_KEY = "textiopro_campaign_request"


class TextioProSendCampaignOperator(TextioProSendOperator):
    """Send a campaign to one or more contact groups, once, and optionally wait until it is finished.

    The parameters are checked before the send request (group uids, channel,
    sender id, schedule time), and the campaign is submitted on the worker. Its
    uid is returned, and pushed to XCom under ``textiopro_campaign_uid`` as soon
    as it is known, with its dashboard URL under ``textiopro_campaign_url`` (the
    extra link).

    A send request that may have created a campaign without saying which (no
    answer, an HTTP 5xx: ``TextioProSendUncertainError``) fails the task without
    retrying (``AirflowFailException``), on every Airflow version: check the
    dashboard before sending again. So does a campaign that went out under a uid
    TextioPro answered for another campaign (``TextioProCampaignUntrackedError``:
    the hook reads the campaign back and compares its message and creation time):
    it is never sent again nor waited on; find it in the dashboard.

    Retries never send it again. The task's state (``durable=True`` by default;
    Airflow 3.3's task state store, below 3.3 an Airflow Variable of the task
    instance, deleted once the task succeeds) gets the request just
    before it is sent (``textiopro_campaign_request``), then the campaign's uid
    in its place (``textiopro_campaign_uid``). A retry follows that campaign
    instead of sending a new one, whatever state it is in (when waiting, a failed
    or cancelled campaign fails the retry too); a retry that finds the request
    without a uid (no answer, or a worker lost before the uid was written) fails
    without retrying and sends nothing. To send anew, start a new DAG run or
    delete those task state keys (below 3.3, that Variable).

    With ``durable=False`` there is no task state, so a
    retry would send the campaign again: once it is sent, any failure of the
    task (a wait that times out or fails, a campaign that ends failed) fails it
    without retrying (``AirflowFailException``), naming the campaign to follow
    with ``TextioProCampaignSensor``. Only a worker lost after the send leaves a
    retry that sends again (and says so in the log).

    When the campaign is sent (and finished, when waiting), an asset event is
    recorded for ``textiopro://campaign/<uid>`` through the
    ``textiopro-campaigns`` alias outlet; its extra holds ``campaign_uid`` and,
    when waiting, ``status`` and the per-status counts (``delivered``, ``failed`` ...).

    :param contact_list_ids: group uids, comma-separated or a list (templated).
    :param message: the text to send (templated).
    :param sender_id: the sender; the connection's ``default_sender_id`` when not
        given (templated).
    :param type: ``plain`` (default), ``unicode``, ``voice``, ``mms``, ``whatsapp``,
        ``viber`` or ``otp`` (templated).
    :param schedule_time: send later: a datetime (naive means the account's timezone)
        or a string (templated).
    :param dlt_template_id: the registered DLT content template id (templated).
    :param language: voice only, e.g. ``en-gb`` (templated).
    :param gender: voice only, ``male`` or ``female`` (templated).
    :param media_url: the media's http(s) URL; required for ``mms``, optional for
        ``whatsapp`` and ``viber`` (templated).
    :param extra_params: fields the provider does not know, sent as given and logged by
        name; they cannot set a field the provider sends itself (templated).
    :param wait_for_completion: wait until the campaign is finished; fail when it
        ends ``failed``, ``error`` or ``cancelled``.
    :param poll_interval: seconds between two status reads while waiting.
    :param timeout: seconds to wait at most (None: no limit).
    :param deferrable: wait in the triggerer instead of holding a worker slot.
    :param dry_run: check the campaign and read the groups, send nothing; the XCom is the
        campaign request with ``dry_run: true``. The connection's extra ``dry_run`` forces it.
    :param textiopro_conn_id: the TextioPro connection.
    """

    template_fields: Sequence[str] = (
        "contact_list_ids",
        "message",
        "sender_id",
        "schedule_time",
        "dlt_template_id",
        "type",
        "language",
        "gender",
        "media_url",
        "extra_params",
    )
    template_fields_renderers = {"message": "txt", "extra_params": "json"}
    operator_extra_links = (TextioProCampaignLink(),)
    external_id_key = CAMPAIGN_UID_XCOM_KEY
    ui_color = "#e0f2f1"

    def __init__(
        self,
        *,
        contact_list_ids: str | Sequence[str],
        message: str,
        sender_id: str | None = None,
        type: str = "plain",
        schedule_time: Any = None,
        dlt_template_id: str | None = None,
        language: str | None = None,
        gender: str | None = None,
        media_url: str | None = None,
        extra_params: dict[str, Any] | None = None,
        wait_for_completion: bool = False,
        poll_interval: float = 30,
        timeout: float | None = 24 * 60 * 60,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        dry_run: bool = False,
        textiopro_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        kwargs["outlets"] = default_outlets("campaign", kwargs.get("outlets"))
        super().__init__(textiopro_conn_id=textiopro_conn_id, **kwargs)
        check_number("poll_interval (seconds)", poll_interval, minimum=0, above=True)
        if timeout is not None:
            check_number("timeout (seconds, or None)", timeout, minimum=0, above=True)
        self.contact_list_ids = contact_list_ids
        self.message = message
        self.sender_id = sender_id
        self.type = type
        self.schedule_time = schedule_time
        self.dlt_template_id = dlt_template_id
        self.language = language
        self.gender = gender
        self.media_url = media_url
        self.extra_params = extra_params
        self.wait_for_completion = wait_for_completion
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.deferrable = deferrable
        self.textiopro_dry_run = dry_run  # not self.dry_run: BaseOperator.dry_run() is a method
        self._finished_uid: str | None = None

    def execute(self, context: Context) -> Any:
        """Send the campaign unless an earlier try did; with ``dry_run`` (or the connection's), only check."""
        if self.textiopro_dry_run or self.hook.dry_run is True:
            return self._dry_run()
        return super().execute(context)

    def _dry_run(self) -> dict[str, Any]:
        """Check the campaign and count each group's subscribed contacts (reads only); send nothing."""
        request = self._validated_request()
        groups = {
            uid: sum(1 for contact in self.hook.list_contacts(uid) if contact.subscribed)
            for uid in request["contact_list_ids"]
        }
        estimate = estimate_segments(self.message, unicode=self.type == "unicode")
        self.log.warning(
            "DRY RUN: nothing was sent. The campaign would go to %d subscribed contact(s) in %d group(s), "
            "%d segment(s) each; the XCom is the request.",
            sum(groups.values()),
            len(groups),
            estimate.segments,
        )
        return {
            "dry_run": True,
            "request": request,
            "subscribed_contacts": groups,
            "segments_per_message": estimate.segments,
            "estimated_segments": estimate.segments * sum(groups.values()),
        }

    def _validated_request(self) -> dict[str, Any]:
        """Return the send_campaign arguments, checked before any request."""
        group_uids = parse_group_uids(self.contact_list_ids)
        channel_fields = validate_channel(
            self.type,
            self.message,
            {"language": self.language, "gender": self.gender, "media_url": self.media_url},
        )
        extra_params = validate_extra_params(self.extra_params)
        sender_id = require_sender_id(
            self.sender_id, self.hook.default_sender_id, type=self.type, conn_id=self.textiopro_conn_id
        )
        return {
            "contact_list_ids": group_uids,
            "message": self.message,
            "sender_id": sender_id,
            "type": self.type,
            "schedule_time": format_schedule_time(self.schedule_time, timezone=lambda: self.hook.timezone),
            "dlt_template_id": self.dlt_template_id or None,
            **channel_fields,
            **({"extra_params": extra_params} if extra_params else {}),
        }

    def submit_job(self, context: Context) -> str:
        """Validate the parameters, send the campaign once and return its uid.

        The request is written to the task state (``textiopro_campaign_request``) before it is
        sent, and replaced by the campaign's uid once TextioPro answers; a try that finds it
        without a uid does not send again.

        :raises AirflowFailException: the request may have created a campaign without saying
            which, in this try or an earlier one.
        """
        store = self.task_state_store(context)
        sent = SentRequest.load(store, CAMPAIGN_REQUEST_KEY)
        if sent.unanswered:
            raise AirflowFailException(
                "An earlier try of this task sent the campaign request and recorded no campaign uid for "
                f"it (the task state holds {CAMPAIGN_REQUEST_KEY}: the request got no answer, or the "
                "worker was lost before the uid was written). The campaign may have been created, so it "
                f"is not sent again and the task is not retried. {self._resend_advice(store)}"
            )
        request = self._validated_request()
        try:
            with sent.sending(request["contact_list_ids"]) as attempt:
                campaign = self.hook.send_campaign(**request, attempt=attempt)
        except Exception as error:
            if took_no_effect(error):
                raise
            if isinstance(error, TextioProCampaignUntrackedError):
                raise AirflowFailException(
                    f"{error} The task is not retried, so that no second campaign goes out."
                ) from error
            raise AirflowFailException(
                f"The campaign request got no usable answer ({error}): the campaign may have been "
                "created. The task is not retried, so that no second campaign goes out. "
                f"{self._resend_advice(store)}"
            ) from error
        if store is not None:
            store.set(self.external_id_key, campaign.uid)
        sent.forget()
        when = f" for {campaign.schedule_time}" if campaign.schedule_time else ""
        self.log.info("Campaign %s sent, status %s%s.", campaign.uid, campaign.status.value, when)
        return campaign.uid

    @staticmethod
    def _resend_advice(store: TaskStateStore | None) -> str:
        """Say how to look for the campaign, and how to send it again on purpose."""
        rerun = (
            f"{forget_advice(store, CAMPAIGN_REQUEST_KEY)} and clear the task"
            if store is not None
            else "clear the task"
        )
        return (
            "First check the campaign list in the TextioPro dashboard; if the campaign is not there, "
            f"send it deliberately: {rerun}, or start a new DAG run."
        )

    def get_job_status(self, external_id: Any, context: Context) -> str:
        """Return the raw status of the campaign an earlier try sent."""
        campaign = self.hook.get_campaign(str(external_id))
        self.log.info(
            "An earlier try sent campaign %s (now %s): following it instead of sending again.",
            external_id,
            campaign.status.value,
        )
        return campaign.status.value

    def is_job_active(self, status: str) -> bool:
        """Return True while the campaign is not finished."""
        return not CampaignStatus.parse(status).is_terminal

    def is_job_succeeded(self, status: str) -> bool:
        """Return True for every finished campaign, failed ones included, so none is sent twice.

        :meth:`get_job_result` then fails the task for a failed one when waiting.
        """
        return CampaignStatus.parse(status).is_terminal

    def poll_until_complete(self, external_id: Any, context: Context) -> Any:
        """Publish the uid, then wait when asked; return the uid.

        It returns the uid (not None) because ``ResumableJobMixin`` returns this
        method's value when it reconnects to a running campaign.
        """
        uid = str(external_id)
        with self._final_without_task_state(context, uid):
            context["ti"].xcom_push(key=CAMPAIGN_UID_XCOM_KEY, value=uid)
            push_dashboard_url(self, context, CAMPAIGN_URL_XCOM_KEY, self.hook.dashboard_url("campaign", uid))
            if not self.wait_for_completion:
                return self._finish(context, uid, None)
            if self.deferrable:
                self._defer(uid)
            self.log.info(
                "Waiting for campaign %s to finish (every %ss, timeout %s).",
                uid,
                self.poll_interval,
                f"{self.timeout}s" if self.timeout else "none",
            )
            campaign = self.hook.wait_for_campaign(
                uid, poll_interval=self.poll_interval, timeout=self.timeout
            )
            completion = campaign_completion(campaign)
            if completion.state == FAILURE:
                raise self._delivery_error(completion.message)
            self.log.info("%s", completion.message)
            return self._finish(context, uid, campaign.to_dict())

    def get_job_result(self, external_id: Any, context: Context) -> str:
        """Return the campaign uid (checking a campaign found finished by a retry first)."""
        uid = str(external_id)
        if uid == self._finished_uid:
            return uid
        return self.poll_until_complete(uid, context)

    def _defer(self, uid: str) -> None:
        from airflow_provider_textiopro.triggers.textiopro import TextioProCampaignTrigger

        self.log.info("Deferring until campaign %s is finished (every %ss).", uid, self.poll_interval)
        self.defer(
            trigger=TextioProCampaignTrigger(
                campaign_uid=uid,
                conn_id=self.textiopro_conn_id,
                poll_interval=self.poll_interval,
                end_time=time.time() + self.timeout if self.timeout else None,
            ),
            method_name="execute_complete",
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> str:
        """Resume after the trigger: return the uid, or fail on a failed campaign, timeout or error."""
        from airflow_provider_textiopro.triggers.textiopro import TIMEOUT

        campaign = event.get("campaign") or None
        uid = str((campaign or {}).get("uid") or context["ti"].xcom_pull(key=CAMPAIGN_UID_XCOM_KEY) or "")
        status, text = event.get("status"), event.get("message")
        keep_dashboard_url(self, context, CAMPAIGN_URL_XCOM_KEY)
        with self._final_without_task_state(context, uid):
            if status == SUCCESS:
                self.log.info("%s", text)
                return self._finish(context, uid, campaign)
            if status == FAILURE:
                raise self._delivery_error(str(text))
            if status == TIMEOUT:
                pending = {uid: str(campaign.get("status"))} if campaign else {}
                raise TextioProWaitTimeoutError(
                    f"Campaign {uid} was not finished within {self.timeout} s ({text}). It goes on: follow "
                    "it in the TextioPro dashboard (the task's extra link) or with TextioProCampaignSensor.",
                    pending=pending,
                    operation="wait_for_campaign",
                )
            raise TextioProError(f"Waiting for campaign {uid} failed: {text}")

    @contextmanager
    def _final_without_task_state(self, context: Context, uid: str) -> Iterator[None]:
        """Without task state, turn a failure after the send into one Airflow does not retry.

        A retry would find no record of campaign ``uid`` and send it again; with task state it
        follows that campaign, so failures stay retryable.
        """
        if self.task_state_store(context) is not None:
            yield
            return
        try:
            yield
        except Exception as error:
            raise AirflowFailException(
                f"Campaign {uid} was sent, then the task failed, so it is not retried: without task state "
                "(durable=False) a retry would send the campaign again. Follow "
                f"campaign {uid} with TextioProCampaignSensor(campaign_uid={uid!r}), which only reads and "
                "is safe to retry, or in the TextioPro dashboard (the task's extra link). The failure "
                f"({type(error).__name__}): {error}"
            ) from error

    @staticmethod
    def _delivery_error(text: str) -> TextioProDeliveryError:
        return TextioProDeliveryError(
            f"{text} See the campaign in the TextioPro dashboard (the task's extra link) for the "
            "recipients it did not reach."
        )

    def _finish(self, context: Context, uid: str, campaign: Mapping[str, Any] | None) -> str:
        """Record the asset event (with the final status and counts when known) and return the uid.

        The per-status counts are top-level keys of the extra (``delivered``, ``failed`` ...),
        like a group sync's counts.
        """
        extra: dict[str, Any] = {"campaign_uid": uid}
        if campaign is not None:
            extra.update(status=campaign.get("status"), **(campaign.get("stats") or {}))
        emit_asset_event(context, campaign_asset(uid), extra)
        self._finished_uid = uid
        return uid


__all__ = ["TextioProSendCampaignOperator", "parse_group_uids"]
