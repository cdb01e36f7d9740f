"""The provider's exception family, split by what the user has to do.

Every error is an ``AirflowException``. Catch :class:`TextioProError` for all of
them, or a subclass for one kind of remedy:

* :class:`TextioProInputError` - fix the request (bad number, missing field ...).
* :class:`TextioProAuthError` - fix the connection's token or permissions.
* :class:`TextioProAuthStyleError` - the endpoint needs the other auth style.
* :class:`TextioProRateLimitError` - wait and try again later.
* :class:`TextioProNotFoundError` - the uid does not exist on this account.
* :class:`TextioProServerError` - TextioPro failed; retry later or report it.
* :class:`TextioProServerFaultError` - TextioPro failed in a way a repeat cannot heal; report it.
* :class:`TextioProSendUncertainError` - a send may or may not have happened.
* :class:`TextioProCampaignUntrackedError` - a campaign went out, but its uid is unknown.
* :class:`TextioProWaitTimeoutError` - a blocking wait ended before the work was final.
* :class:`TextioProDeliveryError` - messages or a campaign ended in failure.

An error raised part-way through a send of several requests carries what was done:
``partial_result`` (a ``SendResult`` of the recipients already handled),
``unsent_recipients`` (never sent) and ``uncertain_recipients`` (maybe sent).

No message ever contains the API token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_textiopro.version_compat import AirflowException

if TYPE_CHECKING:
    from airflow_provider_textiopro.models import SendResult

__all__ = [
    "TextioProAuthError",
    "TextioProAuthStyleError",
    "TextioProCampaignUntrackedError",
    "TextioProDeliveryError",
    "TextioProError",
    "TextioProInputError",
    "TextioProNotFoundError",
    "TextioProRateLimitError",
    "TextioProSendUncertainError",
    "TextioProServerError",
    "TextioProServerFaultError",
    "TextioProWaitTimeoutError",
]


class TextioProError(AirflowException):
    """Base class of every TextioPro error.

    :param message: what failed and what to do about it.
    :param status_code: the HTTP status code, when a response was received.
    :param api_message: the ``message`` text of TextioPro's error envelope.
    :param operation: a short name of the call, e.g. ``"send_message"``.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        api_message: str | None = None,
        operation: str | None = None,
    ) -> None:
        super().__init__(message)
        # Shadows AirflowException.status_code (an HTTPStatus the API server uses) with TextioPro's code.
        self.status_code = status_code  # type: ignore[assignment]
        self.api_message = api_message
        self.operation = operation
        self.partial_result: SendResult | None = None
        self.unsent_recipients: list[str] = []
        self.uncertain_recipients: list[str] = []

    def add_partial_send(
        self, result: SendResult, *, unsent: list[str], uncertain: list[str], note: str
    ) -> None:
        """Record what a multi-request send did before this error, and append ``note`` to the message.

        :param result: the outcomes of the recipients already handled.
        :param unsent: recipients that were never sent.
        :param uncertain: recipients of the failed request that may have been sent.
        :param note: a sentence saying which recipients were sent and which not.
        """
        self.partial_result = result
        self.unsent_recipients = list(unsent)
        self.uncertain_recipients = list(uncertain)
        self.append(note)

    def append(self, note: str) -> None:
        """Append ``note`` (a sentence saying what else is known) to the message."""
        self.args = (f"{self.args[0]} {note}", *self.args[1:])


class TextioProInputError(TextioProError, ValueError):
    """The request is invalid: fix the parameters (raised before sending when possible)."""


class TextioProAuthError(TextioProError):
    """The token was refused or lacks permission: fix the Airflow connection."""


class TextioProAuthStyleError(TextioProError):
    """The endpoint is not served in the connection's auth style: switch ``auth_style``."""


class TextioProRateLimitError(TextioProError):
    """TextioPro asked to slow down (``Too Many Attempts.``): wait and retry.

    :param retry_after: seconds the server asked to wait, when it said so.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TextioProNotFoundError(TextioProError):
    """The message, campaign, group or contact uid does not exist."""


class TextioProServerError(TextioProError):
    """TextioPro answered with a server failure or an unreadable body: retry later or report it."""


class TextioProServerFaultError(TextioProServerError):
    """TextioPro failed with an error a repeat cannot heal (an SQL or PHP error): report it.

    It is never retried: the same request fails the same way until TextioPro fixes its server.
    """


class TextioProSendUncertainError(TextioProServerError):
    """A send or create may have taken effect although no answer confirmed it.

    It is never retried automatically: check the TextioPro dashboard (or list
    messages) before sending again, so nobody gets the message twice.
    """


class TextioProCampaignUntrackedError(TextioProSendUncertainError):
    """A campaign went out but TextioPro answered another campaign's uid: the new one cannot be followed.

    It is never retried (that would send the campaign again): find the campaign in the
    dashboard's campaign list.

    :param answered_uid: the uid TextioPro answered, which belongs to another campaign.
    """

    def __init__(self, message: str, *, answered_uid: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.answered_uid = answered_uid


class TextioProWaitTimeoutError(TextioProError):
    """A blocking wait (``wait_for_campaign`` / ``wait_for_messages``) timed out.

    :param pending: what was still not final, e.g. ``{"6065ecdc9184a": "Enroute"}``.
    """

    def __init__(self, message: str, *, pending: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.pending = dict(pending or {})


class TextioProDeliveryError(TextioProError):
    """Messages or a campaign reached a final state that counts as failed.

    The message names the recipients that were not delivered (with their statuses), or
    gives the campaign's status and counts. Sending again is a decision for a person.
    """
