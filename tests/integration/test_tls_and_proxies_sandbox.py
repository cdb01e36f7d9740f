"""The connection's verify, cert and proxies extras against the sandbox served over HTTPS, and a proxy."""

from __future__ import annotations

import json
import logging

import pytest
import requests

from airflow_provider_textiopro.exceptions import TextioProServerError
from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from tests.support.sandbox import SANDBOX_TOKEN
from tests.support.tls import Certificates, forwarding_proxy, make_certificates
from textiopro_sandbox import SandboxServer, run_sandbox
from textiopro_sandbox.__main__ import build_parser, config_from_args, main

pytestmark = pytest.mark.integration

CONN_ID = "textiopro_tls"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> Certificates:
    """A CA and the certificates it signs, made for this run."""
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def https_sandbox(certificates):
    """A sandbox served over HTTPS with a certificate of the test CA."""
    with run_sandbox(
        port=0,
        tokens=(SANDBOX_TOKEN,),
        seed=7,
        delivery_delay=0.3,
        quiet=True,
        tls_cert=str(certificates.server_cert),
        tls_key=str(certificates.server_key),
    ) as server:
        yield server


def _hook(monkeypatch, server: SandboxServer, **extra) -> TextioProHook:
    """A hook on ``server`` with ``extra``, no retries, and no CA bundle or proxy from the environment."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    connection = {
        "conn_type": "textiopro",
        "host": server.url,
        "password": SANDBOX_TOKEN,
        "extra": {"max_retries": 0, "timeout": 10, "default_sender_id": "Sandbox", **extra},
    }
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps(connection))
    server.reset()
    return TextioProHook(CONN_ID)


def test_the_sandbox_command_line_serves_https(certificates):
    argv = ["--port", "0", "--quiet", "--tls-cert", str(certificates.server_cert)]
    config = config_from_args(build_parser().parse_args([*argv, "--tls-key", str(certificates.server_key)]))

    with SandboxServer(config) as server:
        answer = requests.get(f"{server.url}/api/http/me?api_token=sandbox-token", verify=certificates.ca)

    assert server.url.startswith("https://127.0.0.1:")
    assert answer.json()["data"]["first_name"] == "Sandbox"


def test_the_sandbox_command_line_refuses_a_missing_certificate(capsys, tmp_path):
    assert main(["--port", "0", "--tls-cert", str(tmp_path / "missing.pem")]) == 1
    assert "cannot load the TLS certificate" in capsys.readouterr().err


@pytest.mark.parametrize("style", ["bearer", "api_token"])
def test_verify_with_the_ca_bundle_path_sends_over_https(monkeypatch, https_sandbox, certificates, style):
    hook = _hook(monkeypatch, https_sandbox, verify=str(certificates.ca), auth_style=style)

    result = hook.send_message("31612345678", "Over TLS")

    assert [outcome.accepted for outcome in result.outcomes] == [True]
    assert [(r.method, r.status) for r in https_sandbox.requests] == [("POST", 200)]


def test_a_client_certificate_and_key_are_presented(monkeypatch, https_sandbox, certificates):
    cert = f"{certificates.client_cert},{certificates.client_key}"
    hook = _hook(monkeypatch, https_sandbox, verify=str(certificates.ca), cert=cert)

    assert hook.get_conn().cert == (str(certificates.client_cert), str(certificates.client_key))
    assert hook.get_balance() is not None


def test_default_verify_refuses_the_unknown_ca_with_the_tls_error_and_sends_nothing(
    monkeypatch, https_sandbox
):
    hook = _hook(monkeypatch, https_sandbox)

    with pytest.raises(TextioProServerError, match=r"TLS handshake with https://127\.0\.0\.1") as caught:
        hook.send_message("31612345678", "Never sent")

    assert "verify" in str(caught.value)
    assert https_sandbox.requests == []


def test_verify_false_sends_and_logs_a_warning(monkeypatch, https_sandbox, caplog, logged):
    caplog.set_level(logging.WARNING)
    hook = _hook(monkeypatch, https_sandbox, verify="false")

    assert hook.get_profile() is not None

    assert "TLS certificate verification is off for connection 'textiopro_tls'" in logged()
    assert len(https_sandbox.requests) == 1


def test_proxies_route_every_request_through_the_proxy(monkeypatch, sandbox):
    with forwarding_proxy() as (proxy_url, proxy):
        hook = _hook(monkeypatch, sandbox, proxies=json.dumps({"http": proxy_url}))
        hook.get_balance()
        hook.send_message("31612345678", "Via the proxy")

    assert proxy.seen == [
        ("GET", f"{sandbox.url}/api/v3/balance"),
        ("POST", f"{sandbox.url}/api/v3/sms/send"),
    ]
    assert [r.path for r in sandbox.requests] == ["/api/v3/balance", "/api/v3/sms/send"]


def test_without_proxies_the_proxy_sees_nothing(monkeypatch, sandbox):
    with forwarding_proxy() as (_, proxy):
        hook = _hook(monkeypatch, sandbox)
        hook.get_balance()

    assert proxy.seen == []
    assert [r.path for r in sandbox.requests] == ["/api/v3/balance"]
