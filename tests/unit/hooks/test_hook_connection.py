"""The hook's connection: URI / JSON forms, base URL rules, extras validation, form metadata, session."""

from __future__ import annotations

from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from airflow_provider_textiopro import __version__
from airflow_provider_textiopro.exceptions import TextioProAuthError, TextioProInputError
from airflow_provider_textiopro.hooks._internal.form import CONN_FIELDS, field_behaviour
from airflow_provider_textiopro.hooks._internal.settings import build_base_url
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from tests.support.hooks import BASE, TOKEN, make_hook, ok, set_connection


def test_hook_attributes():
    assert TextioProHook.conn_name_attr == "textiopro_conn_id"
    assert TextioProHook.default_conn_name == "textiopro_default"
    assert TextioProHook.conn_type == "textiopro"
    assert TextioProHook.hook_name == "TextioPro"
    assert TextioProHook().textiopro_conn_id == "textiopro_default"


def test_connection_is_loaded_on_first_use_only():
    with mock.patch.object(TextioProHook, "get_connection") as get_connection:
        TextioProHook("nowhere")
        get_connection.assert_not_called()


@responses.activate
def test_uri_with_local_host_and_port_reaches_plain_http(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_TEXTIOPRO_LOCAL",
        "textiopro://:1383%7Ctok@127.0.0.1:8085?auth_style=api_token&timeout=5",
    )
    hook = TextioProHook("textiopro_local")
    responses.add("GET", "http://127.0.0.1:8085/api/http/balance", json=ok({"remaining_unit": "10"}))

    assert hook.get_balance().remaining == "10"
    assert hook.base_url == "http://127.0.0.1:8085"
    assert hook.auth_style == "api_token"
    assert hook.settings.timeout == 5.0
    assert parse_qs(urlsplit(responses.calls[0].request.url).query)["api_token"] == ["1383|tok"]


def test_uri_with_public_host_defaults_to_https(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_TEXTIOPRO_DEFAULT", "textiopro://:uri-secret-token@sms.example.com")
    hook = TextioProHook()
    assert hook.base_url == "https://sms.example.com"
    assert hook.auth_style == "bearer"


def test_json_connection_with_every_extra(monkeypatch):
    conn_id = set_connection(
        monkeypatch,
        host="https://white.label.example/",
        auth_style="API_TOKEN",
        timeout="12",
        default_sender_id="Shop",
        default_region="nl",
        timezone="Europe/Paris",
        max_retries="2",
        retry_wait_min=0.5,
        retry_wait_max=4,
    )
    hook = TextioProHook(conn_id)
    settings = hook.settings
    assert (
        hook.base_url,
        hook.auth_style,
        hook.default_sender_id,
        hook.default_region,
        settings.timezone,
    ) == (
        "https://white.label.example",
        "api_token",
        "Shop",
        "NL",
        "Europe/Paris",
    )
    assert (settings.timeout, settings.max_retries, settings.retry_wait_min, settings.retry_wait_max) == (
        12.0,
        2,
        0.5,
        4.0,
    )
    assert (hook.retry_policy.attempts, hook.retry_policy.wait_max) == (3, 4.0)


def test_defaults(monkeypatch):
    hook = TextioProHook(set_connection(monkeypatch, host=None))
    settings = hook.settings
    assert settings.base_url == BASE
    assert (settings.auth_style, settings.timeout, settings.timezone, settings.max_retries) == (
        "bearer",
        30.0,
        None,
        5,
    )
    assert settings.default_sender_id is None
    assert settings.default_region is None


def test_blank_ui_values_count_as_unset(monkeypatch):
    hook = TextioProHook(set_connection(monkeypatch, auth_style="", timeout="", max_retries=None))
    assert (hook.auth_style, hook.settings.timeout, hook.settings.max_retries) == ("bearer", 30.0, 5)


def test_constructor_overrides_the_extras(monkeypatch):
    conn_id = set_connection(monkeypatch, auth_style="bearer", timeout=30, max_retries=5)
    hook = TextioProHook(conn_id, auth_style="api_token", timeout=3, max_retries=0)
    assert (hook.auth_style, hook.settings.timeout, hook.retry_policy.attempts) == ("api_token", 3.0, 1)


@pytest.mark.parametrize(
    ("host", "port", "scheme", "expected"),
    [
        ("app.textiopro.com", None, None, "https://app.textiopro.com"),
        ("localhost", 8085, None, "http://localhost:8085"),
        ("127.0.0.1:9000", None, None, "http://127.0.0.1:9000"),
        ("::1", None, None, "http://[::1]"),
        ("::1", 8085, None, "http://[::1]:8085"),
        ("[::1]:8085", None, None, "http://[::1]:8085"),
        ("0:0:0:0:0:0:0:1", None, None, "http://[0:0:0:0:0:0:0:1]"),
        ("2001:db8::5", 8080, None, "https://[2001:db8::5]:8080"),
        ("http://sandbox.internal:8000/", None, None, "http://sandbox.internal:8000"),
        ("sandbox.internal", 8000, "http", "http://sandbox.internal:8000"),
        ("https://app.textiopro.com/api/v3/", None, None, "https://app.textiopro.com"),
        ("https://app.textiopro.com/api/http", None, None, "https://app.textiopro.com"),
        ("https://example.com/textio", None, None, "https://example.com/textio"),
        ("https://app.textiopro.com", 443, None, "https://app.textiopro.com:443"),
        ("", None, None, "https://app.textiopro.com"),
    ],
)
def test_base_url_rules(host, port, scheme, expected):
    assert build_base_url(host, port, scheme) == expected


def test_extra_scheme_is_honoured(monkeypatch):
    hook = TextioProHook(set_connection(monkeypatch, host="10.0.0.5", port=8085, scheme="http"))
    assert hook.base_url == "http://10.0.0.5:8085"


def test_bad_auth_style_names_the_allowed_values(monkeypatch):
    hook = TextioProHook(set_connection(monkeypatch, auth_style="basic"))
    with pytest.raises(TextioProInputError, match=r"'basic'.*'bearer'.*'api_token'"):
        _ = hook.settings
    with pytest.raises(TextioProInputError, match="'bearer'"):
        TextioProHook(auth_style="oauth")


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ({"timeout": "soon"}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": "many"}, "max_retries"),
        ({"default_region": "Netherlands"}, "default_region"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"retry_wait_min": "x"}, "retry_wait_min"),
    ],
)
def test_invalid_extras_are_refused_with_the_key_named(monkeypatch, extra, fragment):
    hook = TextioProHook(set_connection(monkeypatch, **extra))
    with pytest.raises(TextioProInputError, match=fragment):
        _ = hook.settings


@pytest.mark.parametrize("password", [None, "", "   "])
def test_missing_token_is_an_auth_error_saying_where_to_put_it(monkeypatch, password):
    hook = TextioProHook(set_connection(monkeypatch, password=password))
    with pytest.raises(TextioProAuthError, match="password"):
        hook.get_balance()


def test_token_is_masked_when_the_connection_is_loaded(monkeypatch):
    hook = TextioProHook(set_connection(monkeypatch))
    with mock.patch("airflow_provider_textiopro.hooks.textiopro.mask_secret") as mask_secret:
        _ = hook.settings
    masked = [call.args[0] for call in mask_secret.call_args_list]
    assert TOKEN in masked
    assert "1383%7CSup3rS3cretT0ken" in masked


def test_settings_repr_hides_the_token(monkeypatch):
    hook = TextioProHook(set_connection(monkeypatch))
    assert TOKEN not in repr(hook.settings)


def test_ui_field_behaviour():
    behaviour = TextioProHook.get_ui_field_behaviour()
    assert behaviour == field_behaviour()
    assert set(behaviour["hidden_fields"]) == {"schema", "login"}
    assert behaviour["relabeling"] == {"password": "API token", "host": "Base URL"}
    assert behaviour["placeholders"]["host"] == "https://app.textiopro.com"


def test_connection_form_widgets():
    pytest.importorskip("flask_appbuilder")
    from wtforms import BooleanField, IntegerField, PasswordField, StringField

    widgets = TextioProHook.get_connection_form_widgets()
    assert set(widgets) == set(CONN_FIELDS)
    allowed = (IntegerField, PasswordField, StringField, BooleanField)
    assert all(widget.field_class in allowed for widget in widgets.values())


@responses.activate
def test_one_session_per_hook_with_the_provider_user_agent(monkeypatch):
    hook, _ = make_hook(monkeypatch)
    responses.add("GET", f"{BASE}/api/v3/balance", json=ok({"remaining_unit": "1"}))
    responses.add("GET", f"{BASE}/api/v3/me", json=ok({"uid": "u"}))

    hook.get_balance()
    hook.get_profile()

    assert hook.get_conn() is hook.get_conn()
    user_agents = {call.request.headers["User-Agent"] for call in responses.calls}
    assert user_agents == {f"airflow-provider-textiopro/{__version__} (requests/{requests.__version__})"}


def test_every_request_has_a_timeout(monkeypatch):
    hook, _ = make_hook(monkeypatch, timeout=7)
    with mock.patch.object(requests.Session, "request") as request:
        request.return_value = mock.Mock(status_code=200, json=lambda: ok({"remaining_unit": "1"}))
        hook.get_balance()
    assert request.call_args.kwargs["timeout"] == 7.0


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("campaign", "campaigns/6065ecdc9184a/overview"),
        ("message", "reports/6065ecdc9184a/view"),
        ("group", "contacts/6065ecdc9184a/show"),
    ],
)
def test_dashboard_url(monkeypatch, kind, path):
    hook = TextioProHook(set_connection(monkeypatch, host="https://white.label.example"))
    assert hook.dashboard_url(kind, "6065ecdc9184a") == f"https://white.label.example/{path}"


def test_dashboard_url_refuses_unknown_kinds(monkeypatch):
    hook = TextioProHook(set_connection(monkeypatch))
    with pytest.raises(TextioProInputError, match="'campaign', 'message' or 'group'"):
        hook.dashboard_url("contact", "x")


# A token that cannot travel as written: non-Latin-1 (a header is Latin-1), control characters,
# and U+FFFD, what Airflow makes of a `%` escape in a URI that is not UTF-8 (`%de`).
UNSENDABLE_TOKENS = {
    "non-latin-1": ("bearer", "1383|ab\u20accd"),
    "cjk": ("bearer", "1383|\u4e2d\u6587"),
    "newline": ("bearer", "1383|ab\ncd"),
    "nul": ("api_token", "http\x00token"),
    "tab": ("api_token", "http\ttoken"),
    "delete": ("bearer", "1383|ab\x7fcd"),
}


@pytest.mark.parametrize(("style", "token"), UNSENDABLE_TOKENS.values(), ids=UNSENDABLE_TOKENS.keys())
@responses.activate
def test_unsendable_token_is_refused_before_any_request(monkeypatch, style, token):
    hook = TextioProHook(set_connection(monkeypatch, password=token, auth_style=style))
    with pytest.raises(TextioProInputError, match="token") as raised:
        hook.get_balance()
    message = str(raised.value)
    assert "textiopro_test" in message
    assert "copy the token again from the TextioPro dashboard" in message
    assert token.strip() not in message
    assert len(responses.calls) == 0


@pytest.mark.parametrize("style", ["bearer", "api_token"])
@responses.activate
def test_undecodable_percent_escape_in_a_uri_token_says_to_encode_the_percent(monkeypatch, style):
    monkeypatch.setenv(
        "AIRFLOW_CONN_TEXTIOPRO_URI", f"textiopro://:1383%7Cab%decd@127.0.0.1:8085?auth_style={style}"
    )
    hook = TextioProHook("textiopro_uri")
    with pytest.raises(TextioProInputError, match="%25") as raised:
        hook.get_balance()
    assert "1383|ab" not in str(raised.value)
    assert len(responses.calls) == 0


@responses.activate
def test_latin_1_token_is_sent_in_bearer_style(monkeypatch):
    hook = TextioProHook(set_connection(monkeypatch, host=BASE, password="1383|caf\u00e9"))
    responses.add("GET", f"{BASE}/api/v3/balance", json=ok({"remaining_balance": "10"}))
    assert hook.get_balance().remaining == "10"
    assert responses.calls[0].request.headers["Authorization"] == "Bearer 1383|caf\u00e9"
