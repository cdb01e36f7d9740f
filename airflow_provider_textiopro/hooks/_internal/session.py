"""Build the HTTP session the hook sends through, with the connection's TLS and proxy settings."""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import DEFAULT_POOLSIZE, HTTPAdapter

from airflow_provider_textiopro.hooks._internal.settings import ConnectionSettings


class ConnectionSession(requests.Session):
    """A requests session whose TLS and proxy settings, when the connection sets them, win.

    A plain session lets ``REQUESTS_CA_BUNDLE`` replace its ``verify`` and ``HTTPS_PROXY``
    its ``proxies``; here the connection's ``verify`` (when false or a CA bundle path) and
    ``proxies`` extras come first. ``verify`` true keeps requests' own choice. Its connection
    pools keep as many connections as a bulk send has requests in flight.
    """

    def __init__(self, settings: ConnectionSettings, headers: dict[str, str]) -> None:
        super().__init__()
        self.headers.update(headers)
        pool = max(settings.max_concurrent_requests, DEFAULT_POOLSIZE)
        for prefix in ("https://", "http://"):
            self.mount(prefix, HTTPAdapter(pool_connections=DEFAULT_POOLSIZE, pool_maxsize=pool))
        if settings.verify is False or isinstance(settings.verify, str):
            self.verify = settings.verify
        self._verify_wins = self.verify is not True
        if settings.cert is not None:
            self.cert = settings.cert
        if settings.proxies:
            self.proxies.update(settings.proxies)

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        """Merge as requests does, then put the connection's ``verify`` and ``proxies`` back on top."""
        per_request_verify, per_request_proxies = verify is not None, bool(proxies)
        merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if self._verify_wins and not per_request_verify:
            merged["verify"] = self.verify
        if self.proxies and not per_request_proxies:
            merged["proxies"] = {**merged["proxies"], **self.proxies}
        return merged
