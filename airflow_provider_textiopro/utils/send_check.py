"""Check a message send once: its fields and its recipients, before any request leaves."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from airflow_provider_textiopro.models import PreparedSend
from airflow_provider_textiopro.utils.phone import normalize_recipients
from airflow_provider_textiopro.utils.validation import (
    format_schedule_time,
    require_sender_id,
    validate_channel,
    validate_extra_params,
)


def message_fields(
    message: str,
    *,
    sender_id: str | None,
    default_sender_id: str | None,
    conn_id: str,
    type: str,
    schedule_time: Any,
    timezone: Callable[[], str],
    dlt_template_id: str | None,
    channel_params: Mapping[str, Any],
) -> dict[str, Any]:
    """Check a message's parameters and return the fields of a send or campaign request.

    :param timezone: returns the account's timezone, in which ``schedule_time`` is written
        (called only when there is a schedule time).
    :raises TextioProInputError: naming what is wrong.
    """
    extra = validate_channel(type, message, dict(channel_params))
    sender = require_sender_id(sender_id, default_sender_id, type=type, conn_id=conn_id)
    fields: dict[str, Any] = {"sender_id": sender, "type": type, "message": message}
    when = format_schedule_time(schedule_time, timezone=timezone)
    if when:
        fields["schedule_time"] = when
    if dlt_template_id:
        fields["dlt_template_id"] = str(dlt_template_id)
    fields.update(extra)
    return fields


def prepare_send(
    recipients: Any,
    message: str,
    *,
    default_region: str | None,
    on_invalid: str = "fail",
    extra_params: Mapping[str, Any] | None = None,
    **message_parameters: Any,
) -> PreparedSend:
    """Check a send and normalise its recipients, once; return what every request of it sends.

    :param recipients: phone numbers, as :func:`~airflow_provider_textiopro.utils.phone.normalize_recipients`
        takes them.
    :param message: the text.
    :param default_region: the region of numbers written without a country code.
    :param on_invalid: ``fail`` refuses the send when a number is unusable; ``skip`` leaves it out.
    :param extra_params: fields the provider does not know, sent as given.
    :param message_parameters: the keyword arguments of :func:`message_fields`.
    :raises TextioProInputError: naming what is wrong; nothing was sent.
    """
    fields = message_fields(message, **message_parameters)
    extra = validate_extra_params(extra_params)
    normalized = normalize_recipients(recipients, default_region=default_region, on_invalid=on_invalid)
    return PreparedSend(
        numbers=list(normalized.numbers), fields=fields, extra=extra, invalid=list(normalized.invalid)
    )
