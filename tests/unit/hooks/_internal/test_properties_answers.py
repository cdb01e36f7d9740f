"""Properties of answer parsing: any bytes a server answers are read or become a TextioPro error."""

from __future__ import annotations

import json

import pytest
import responses
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_textiopro.hooks._internal.answers import Answer, read_answer
from airflow_provider_textiopro.utils.phone import normalize_recipients
from tests.support.hooks import TOKEN, V3, make_hook
from tests.support.properties import (
    FAST,
    chunks,
    envelopes,
    fake_response,
    json_values,
    result_or_error,
    send_data,
)

pytestmark = pytest.mark.property

statuses = st.sampled_from([200, 201, 204, 301, 302, 400, 401, 403, 404, 405, 419, 422, 429, 500, 502, 503])
statuses |= st.integers(100, 599)
headers = st.fixed_dictionaries(
    {},
    optional={
        "Retry-After": st.text(max_size=30) | st.integers(-5, 10**6).map(str),
        "Location": st.text(max_size=40).map(lambda text: f"https://elsewhere/{text}?api_token={TOKEN}"),
        "Content-Type": st.sampled_from(["application/json", "text/html", "text/plain; charset=utf-8"]),
    },
)


def _encode(document) -> bytes:
    return json.dumps(document).encode()


bodies = (
    envelopes().map(_encode)
    | json_values.map(_encode)
    | st.binary(max_size=200)
    | st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass"))
    | st.text(max_size=80).map(
        lambda text: f"<html><title>{text}</title><p>api_token={TOKEN}</p></html>".encode()
    )
)


@FAST
@given(status=statuses, body=bodies, header=headers, creates=st.booleans())
def test_any_answer_is_read_or_raises_a_textiopro_error_without_the_token(status, body, header, creates):
    response = fake_response(status, body.replace(b"TOKEN", TOKEN.encode()), header)
    answer, error = result_or_error(
        read_answer, response, operation="send_message", token=TOKEN, creates=creates
    )
    if error is not None:
        assert TOKEN not in str(error)
        assert TOKEN not in (error.api_message or "")
        assert error.status_code == status
        return
    assert isinstance(answer, Answer)
    assert status < 300
    assert answer.message is None or isinstance(answer.message, str)


@FAST
@given(status=statuses, document=envelopes())
def test_an_error_status_is_never_read_as_success(status, document):
    response = fake_response(status, _encode(document))
    _, error = result_or_error(read_answer, response, operation="get_balance", token=TOKEN)
    if error is not None:
        return
    assert status < 300
    assert str(document.get("status") or "").lower() in ("success", "")


@FAST
@given(data=st.data(), chunk=chunks, status=statuses, message=st.text(max_size=60) | st.none())
def test_a_send_gives_an_outcome_to_each_recipient_and_no_other_or_raises(
    monkeypatch, data, chunk, status, message
):
    answer = data.draw(send_data(chunk) | json_values, label="data")
    body = data.draw(
        st.sampled_from(["success", "error", ""]).map(
            lambda kind: {"status": kind, "message": message, "data": answer}
        )
        | envelopes(),
        label="body",
    )
    hook, _ = make_hook(monkeypatch, max_retries=0)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as server:
        server.add("POST", f"{V3}/sms/send", body=json.dumps(body), status=status)
        result, error = result_or_error(hook.send_message, chunk, "hello", on_invalid="skip")
        if error is not None:
            assert TOKEN not in str(error)
            return
        sent = [json.loads(call.request.body)["recipient"].split(",") for call in server.calls]
    skipped = [raw for raw, _ in normalize_recipients(chunk, on_invalid="skip").invalid]
    assert sorted(outcome.recipient for outcome in result.outcomes) == sorted(sum(sent, skipped))
