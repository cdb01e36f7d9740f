"""Scrub the API token from texts and URLs before they are logged or raised."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, quote_plus

REDACTED = "***"

# Token values, not words: an ``api_token`` parameter or JSON field, an Authorization header's
# value, a bearer credential long enough to be a token, and the ``<id>|<secret>`` shape of
# TextioPro tokens (raw or URL-encoded).
_PATTERNS = (
    re.compile(r"(api_token=)[^&\s#'\"]+", re.IGNORECASE),
    re.compile(r"""(["']api_token["']\s*:\s*["'])[^"']*""", re.IGNORECASE),
    re.compile(r"""(Authorization["']?\s*[:=]\s*["']?(?:Bearer\s+)?)[^\s'",}]+""", re.IGNORECASE),
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=|%-]{16,}", re.IGNORECASE),
    re.compile(r"()\b\d+(?:\||%7C)[A-Za-z0-9]{16,}", re.IGNORECASE),
)


def token_forms(token: str) -> set[str]:
    """Return the token as written and URL-encoded (as a path part and as a query value)."""
    return {token, quote(token, safe=""), quote_plus(token)}


def scrub(text: str, token: str | None = None) -> str:
    """Return ``text`` without the token (raw or URL-encoded) and without anything shaped like one.

    :param text: a log line, an exception text or a URL.
    :param token: the connection's token, when known.
    """
    if token:
        for form in token_forms(token):
            text = text.replace(form, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(rf"\g<1>{REDACTED}", text)
    return text


class ScrubFilter(logging.Filter):
    """Scrub ``api_token`` values and token-shaped strings from the records of a logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message without tokens; never drop the record."""
        message = record.getMessage()
        scrubbed = scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def scrub_logger(name: str) -> None:
    """Add a :class:`ScrubFilter` to the logger ``name`` (once), e.g. urllib3's, which logs request URLs."""
    logger = logging.getLogger(name)
    if not any(isinstance(existing, ScrubFilter) for existing in logger.filters):
        logger.addFilter(ScrubFilter())
