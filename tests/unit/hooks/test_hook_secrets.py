"""The token never appears in log lines, exception texts or logged URLs, in either auth style."""

from __future__ import annotations

import logging
import traceback

import pytest
import requests
import responses

from airflow_provider_textiopro.exceptions import TextioProError
from airflow_provider_textiopro.hooks._internal.redaction import scrub
from tests.support.hooks import BASE, PREFIX, QUOTED_TOKEN, STYLES, TOKEN, error, make_hook, ok


def assert_no_token(text: str) -> None:
    assert TOKEN not in text
    assert QUOTED_TOKEN not in text
    assert "Sup3rS3cretT0ken" not in text


def failures(style: str) -> list[tuple[str, str, dict]]:
    """(verb, url, response) answers that quote the request or the token back."""
    prefix = PREFIX[style]
    quoted_url = f"{prefix}/me?api_token={QUOTED_TOKEN}"
    return [
        ("GET", f"{prefix}/me", {"body": requests.ConnectionError(quoted_url)}),
        ("GET", f"{prefix}/me", {"status": 500, "body": f"<p>{TOKEN}</p>"}),
        ("POST", f"{prefix}/sms/send", {"body": requests.exceptions.ReadTimeout(f"{quoted_url} timed out")}),
        ("POST", f"{prefix}/sms/send", {"json": error(f"Bad api_token {TOKEN} given")}),
        ("POST", f"{prefix}/sms/send", {"status": 302, "headers": {"Location": f"/login?api_token={TOKEN}"}}),
    ]


@pytest.mark.parametrize("style", STYLES)
def test_token_absent_from_logs_and_errors(monkeypatch, caplog, style):
    caplog.set_level(logging.DEBUG)
    hook, _ = make_hook(monkeypatch, style, max_retries=1)
    texts = []
    for verb, url, answer in failures(style):
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
            mocked.add(verb, url, **answer)
            mocked.add(verb, url, **answer)
            call = hook.get_profile if url.endswith("/me") else lambda: hook.send_message("31612345678", "Hi")
            with pytest.raises(TextioProError) as raised:
                call()
        texts.append(str(raised.value))
        texts.append("".join(traceback.format_exception(raised.value)))
        texts.append(repr(raised.value.args))
    with responses.RequestsMock() as mocked:
        mocked.add("GET", f"{PREFIX[style]}/me", json=ok({"uid": "u"}))
        hook.get_profile()

    assert any(record.levelname == "DEBUG" for record in caplog.records)
    assert any(record.levelname == "WARNING" for record in caplog.records)
    for text in [*texts, caplog.text]:
        assert_no_token(text)


def test_logged_get_url_redacts_the_query_token(monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    hook, _ = make_hook(monkeypatch, "api_token")
    with responses.RequestsMock() as mocked:
        mocked.add(
            "GET", f"{PREFIX['api_token']}/sms", json=ok({"data": [], "current_page": 1, "last_page": 1})
        )
        list(hook.list_messages())
    assert "api_token=***" in caplog.text
    assert_no_token(caplog.text)


def test_the_error_chain_hides_the_request_exception(monkeypatch):
    hook, _ = make_hook(monkeypatch, "api_token", max_retries=0)
    with responses.RequestsMock() as mocked:
        mocked.add(
            "GET", f"{PREFIX['api_token']}/me", body=requests.ConnectionError(f"url?api_token={TOKEN}")
        )
        with pytest.raises(TextioProError) as raised:
            hook.get_profile()
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


@pytest.mark.parametrize("style", STYLES)
def test_test_connection_failure_has_no_token(monkeypatch, style):
    hook, _ = make_hook(monkeypatch, style)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        for verb in ("GET", "POST"):
            mocked.add(verb, f"{PREFIX[style]}/me", json=error(f"Unauthenticated. token={TOKEN}"))
        ok_, message = hook.test_connection()
    assert not ok_
    assert "Unauthenticated." in message
    assert_no_token(message)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"GET /api/http/me?api_token={QUOTED_TOKEN}&page=2", "GET /api/http/me?api_token=***&page=2"),
        (f'{{"api_token": "{TOKEN}", "x": 1}}', '{"api_token": "***", "x": 1}'),
        (f"Authorization: Bearer {TOKEN}", "Authorization: Bearer ***"),
        (f"the token is {TOKEN}.", "the token is ***."),
        ("api_token=someone-elses", "api_token=***"),
    ],
)
def test_scrub(text, expected):
    assert scrub(text, TOKEN) == expected


def test_scrub_without_token_still_redacts_api_token_values():
    assert scrub("https://x/api/http/sms?api_token=abc|def") == "https://x/api/http/sms?api_token=***"


@pytest.mark.parametrize(
    "text",
    [
        "Group Hook bearer 123456 was created",
        "bearer of good news",
        "BEARER ok",
        "Authorization header missing",
    ],
)
def test_scrub_leaves_words_alone(text):
    assert scrub(text, TOKEN) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer 99|someoneElsesTokenValue1234", "Authorization: Bearer ***"),
        ("{'Authorization': 'Bearer short'}", "{'Authorization': 'Bearer ***'}"),
        ("sent with bearer 7|aB3dE5gH7jK9mN1pQ3sT", "sent with bearer ***"),
        ("token 42|AbCdEfGhIjKlMnOpQrSt in a message", "token *** in a message"),
        ("url-encoded 42%7CAbCdEfGhIjKlMnOpQrSt here", "url-encoded *** here"),
    ],
)
def test_scrub_masks_token_shaped_values_without_knowing_the_token(text, expected):
    assert scrub(text) == expected


@responses.activate
def test_urllib3_debug_lines_lose_the_query_token(monkeypatch, caplog):
    caplog.set_level(logging.DEBUG, logger="urllib3.connectionpool")
    hook, _ = make_hook(monkeypatch, "api_token")
    hook.get_conn()
    logging.getLogger("urllib3.connectionpool").debug(
        '%s "GET /api/http/me?api_token=%s HTTP/1.1" 200 10', BASE, QUOTED_TOKEN
    )
    assert "api_token=***" in caplog.text
    assert_no_token(caplog.text)
