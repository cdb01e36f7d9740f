"""HTTP answers: JSON bodies and Laravel-like HTML error pages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

JSON_TYPE = "application/json"
HTML_TYPE = "text/html; charset=UTF-8"


@dataclass(frozen=True)
class Response:
    """An HTTP answer."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: Mapping[str, str] = field(default_factory=dict)


def success(data: Any, message: str | None = None) -> dict[str, Any]:
    """The success envelope ``{"status": "success", "message": ..., "data": ...}``."""
    return {"status": "success", "message": message, "data": data}


def json_response(payload: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON answer (non-ASCII escaped, as PHP's json_encode does)."""
    return Response(status, json.dumps(payload).encode(), JSON_TYPE, dict(headers or {}))


def error_response(message: str, status: int, headers: Mapping[str, str] | None = None) -> Response:
    """The error envelope ``{"status": "error", "message": ...}``."""
    return json_response({"status": "error", "message": message}, status, headers)


def html_page(status: int, headers: Mapping[str, str] | None = None) -> Response:
    """A framework error page like Laravel's."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n</head>\n<body>\n"
        f'<div class="code">{status}</div>\n<div class="message">{title}</div>\n'
        "</body>\n</html>\n"
    )
    return Response(status, body.encode(), HTML_TYPE, dict(headers or {}))
