"""The connection's verify, cert and proxies extras: parsed, validated, and carried by the hook's session."""

from __future__ import annotations

import json
import logging

import pytest
import responses

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from tests.support.hooks import BASE, make_hook, ok, set_connection


@pytest.fixture
def pem(tmp_path):
    """Two PEM-named files that exist (their content is not read before a request)."""
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    cert.write_text("cert")
    key.write_text("key")
    return str(cert), str(key)


def _settings(monkeypatch, **extra):
    return TextioProHook(set_connection(monkeypatch, **extra)).settings


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), ("False", False), ("no", False), ("1", True), ("", None)],
)
def test_verify_reads_booleans_and_their_words(monkeypatch, value, expected):
    assert _settings(monkeypatch, verify=value).verify is expected


def test_verify_takes_a_ca_bundle_file_or_folder(monkeypatch, pem, tmp_path):
    assert _settings(monkeypatch, verify=pem[0]).verify == pem[0]
    assert _settings(monkeypatch, verify=str(tmp_path)).verify == str(tmp_path)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (
            {"verify": "/nowhere/ca.pem"},
            r"extra 'verify' names a CA bundle '/nowhere/ca.pem' that does not exist",
        ),
        ({"verify": 3}, r"extra 'verify' must be true, false or the path of a CA bundle, got 3 \(int\)"),
        ({"verify": ["ca.pem"]}, r"extra 'verify' must be true, false or the path"),
        (
            {"cert": "/nowhere/client.pem"},
            r"extra 'cert' names a client certificate file '/nowhere/client.pem'",
        ),
        ({"cert": ["a", "b", "c"]}, r"extra 'cert' must be the path of a client certificate"),
        ({"cert": 7}, r"extra 'cert' must be the path of a client certificate"),
        ({"proxies": "http://proxy:3128"}, r"extra 'proxies' must be a JSON object mapping a scheme"),
        ({"proxies": "{not json"}, r"extra 'proxies' must be a JSON object"),
        ({"proxies": ["http://proxy:3128"]}, r"extra 'proxies' must be a JSON object"),
        ({"proxies": {"https": 3128}}, r"extra 'proxies' must be a JSON object"),
        ({"proxies": {"https": " "}}, r"extra 'proxies' must be a JSON object"),
    ],
)
def test_a_wrong_tls_or_proxy_extra_is_refused_before_any_request(monkeypatch, extra, match):
    hook = TextioProHook(set_connection(monkeypatch, **extra))
    with responses.RequestsMock() as server, pytest.raises(TextioProInputError, match=match):
        hook.get_balance()
    assert len(server.calls) == 0


def test_cert_takes_one_file_a_pair_or_a_comma_separated_pair(monkeypatch, pem):
    cert, key = pem
    assert _settings(monkeypatch, cert=cert).cert == cert
    assert _settings(monkeypatch, cert=[cert, key]).cert == (cert, key)
    assert _settings(monkeypatch, cert=f"{cert}, {key}").cert == (cert, key)


def test_proxies_take_an_object_or_its_json_text_and_stay_out_of_the_repr(monkeypatch):
    proxies = {"https": "http://user:secret@proxy:3128"}
    assert _settings(monkeypatch, proxies=proxies).proxies == proxies
    settings = _settings(monkeypatch, proxies=json.dumps(proxies))
    assert settings.proxies == proxies
    assert "secret" not in repr(settings)
    assert _settings(monkeypatch, proxies="{}").proxies is None


def test_the_session_carries_verify_cert_and_proxies(monkeypatch, pem):
    proxies = {"https": "http://proxy:3128"}
    hook, _ = make_hook(monkeypatch, verify=pem[0], cert=list(pem), proxies=proxies)
    session = hook.get_conn()
    assert (session.verify, session.cert, session.proxies) == (pem[0], pem, proxies)


def test_the_connection_wins_over_the_environment(monkeypatch, pem):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/other.pem")
    monkeypatch.setenv("HTTPS_PROXY", "http://environment-proxy:1")
    hook, _ = make_hook(monkeypatch, verify=pem[0], proxies={"https": "http://proxy:3128"})
    session = hook.get_conn()

    merged = session.merge_environment_settings(BASE, {}, None, None, None)

    assert merged["verify"] == pem[0]
    assert merged["proxies"]["https"] == "http://proxy:3128"


def test_without_the_extras_requests_keeps_its_defaults(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/other.pem")
    hook, _ = make_hook(monkeypatch, verify="true")
    session = hook.get_conn()

    assert (session.verify, session.cert, session.proxies) == (True, None, {})
    assert session.merge_environment_settings(BASE, {}, None, None, None)["verify"] == "/etc/ssl/other.pem"


@responses.activate
def test_verify_false_warns_once_and_is_used_for_every_request(monkeypatch, caplog):
    caplog.set_level(logging.WARNING)
    hook, _ = make_hook(monkeypatch, verify=False)
    responses.add("GET", f"{BASE}/api/v3/balance", json=ok({"remaining_balance": "1"}))
    responses.add("GET", f"{BASE}/api/v3/me", json=ok({"first_name": "A"}))
    hook.get_balance()
    hook.get_profile()

    assert [call.request.req_kwargs["verify"] for call in responses.calls] == [False, False]
    assert caplog.text.count("TLS certificate verification is off for connection 'textiopro_test'") == 1
