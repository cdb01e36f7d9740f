"""extra_params: fields the provider does not know, passed through as given and logged by name."""

from __future__ import annotations

import json
import logging
from unittest import mock

import pytest
import responses

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.notifications.textiopro import TextioProNotifier
from airflow_provider_textiopro.utils.validation import validate_extra_params
from tests.support.hooks import HTTP, STYLES, TOKEN, V3, make_hook, ok

SENT = {"uid": "m1", "to": "31612345678", "status": "Enroute"}


@pytest.mark.parametrize("style", STYLES)
@responses.activate
def test_send_message_passes_extra_fields_through_and_logs_their_names(monkeypatch, caplog, style):
    caplog.set_level(logging.INFO)
    hook, _ = make_hook(monkeypatch, style)
    base = V3 if style == "bearer" else HTTP
    responses.add("POST", f"{base}/sms/send", json=ok(SENT))

    hook.send_message("+31612345678", "hi", extra_params={"callback_url": "https://x.test/cb", "priority": 2})

    body = json.loads(responses.calls[0].request.body)
    assert (body["callback_url"], body["priority"], body["recipient"]) == (
        "https://x.test/cb",
        2,
        "31612345678",
    )
    assert "passing extra fields through as given: callback_url, priority" in caplog.text
    assert "https://x.test/cb" not in caplog.text


@responses.activate
def test_send_campaign_passes_extra_fields_through(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("POST", f"{V3}/sms/campaign", json=ok({"uid": "c1", "status": "queued"}))
    view = {"id": "c1", "name": "api", "message": "hi", "status": "queued"}
    responses.add("GET", f"{V3}/campaign/c1/view", json=ok(view))  # the hook reads the campaign back

    hook.send_campaign("6065ecdc9184a", "hi", sender_id="Shop", extra_params={"tracking": "on"})

    assert json.loads(responses.calls[0].request.body)["tracking"] == "on"


@pytest.mark.parametrize("name", ["recipient", "api_token", "message", "contact_list_id", "language"])
@responses.activate
def test_extra_fields_never_override_the_providers_own(monkeypatch, name):
    hook, _ = make_hook(monkeypatch, "api_token")
    with pytest.raises(TextioProInputError, match=f"extra_params cannot set {name}"):
        hook.send_message("+31612345678", "hi", extra_params={name: "x"})
    assert len(responses.calls) == 0
    with pytest.raises(TextioProInputError, match=f"extra_params cannot set {name}"):
        hook.send_campaign("6065ecdc9184a", "hi", sender_id="Shop", extra_params={name: TOKEN})
    assert len(responses.calls) == 0


@pytest.mark.parametrize(
    ("value", "error"),
    [(["a"], "must be a dict"), ({"": 1}, "blank or non-text"), ({1: 1}, "blank or non-text")],
)
def test_bad_extra_params(value, error):
    with pytest.raises(TextioProInputError, match=error):
        validate_extra_params(value)


def test_notifier_sends_a_voice_call_with_every_option():
    hook = mock.MagicMock(name="TextioProHook()")
    options = {
        "type": "voice",
        "language": "en-gb",
        "gender": "female",
        "dlt_template_id": "1107",
        "extra_params": {"repeat": 2},
    }
    notifier = TextioProNotifier(recipients="+31612345678", message="Payout run failed", **options)
    with mock.patch("airflow_provider_textiopro.hooks.textiopro.TextioProHook", return_value=hook):
        notifier.notify({})

    hook.send_message.assert_called_once_with(
        "+31612345678", "Payout run failed", sender_id=None, on_invalid="skip", **options
    )


def test_notifier_refuses_an_unknown_type_at_parse_time():
    with pytest.raises(TextioProInputError, match="Unknown message type 'call'"):
        TextioProNotifier(recipients="+31612345678", type="call")
    assert TextioProNotifier(recipients="+31612345678", type="{{ params.channel }}").type
