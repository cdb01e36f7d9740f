"""The table of TextioPro operations: path, verb in each auth style, and how safe a repeat is."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from urllib.parse import quote

BEARER = "bearer"
API_TOKEN = "api_token"
AUTH_STYLES = (BEARER, API_TOKEN)
API_PREFIX = {BEARER: "api/v3", API_TOKEN: "api/http"}


class Kind(Enum):
    """How safe it is to repeat a request of this operation."""

    READ = "read"
    """No effect on the account: repeat freely."""
    UPDATE = "update"
    """Idempotent write (PATCH/DELETE): repeating gives the same state."""
    CREATE = "create"
    """Non-idempotent write: repeat only when the request provably had no effect."""


@dataclass(frozen=True)
class Endpoint:
    """One operation of the TextioPro API.

    :param name: a short name, used in logs.
    :param path: the path below the API prefix, with ``{placeholders}``.
    :param bearer_verb: the HTTP verb under ``/api/v3`` (bearer).
    :param api_token_verb: the HTTP verb under ``/api/http`` (api_token): GET for every read, as
        the platform serves them (``POST contacts`` there creates a group, whatever the reference says).
    :param kind: read, idempotent update or non-idempotent create.
    :param bearer_only: real servers do not serve it under ``/api/http``.
    """

    name: str
    path: str
    bearer_verb: str
    api_token_verb: str
    kind: Kind
    bearer_only: bool = False

    def verb(self, auth_style: str) -> str:
        """Return the reference's verb for ``auth_style``."""
        return self.bearer_verb if auth_style == BEARER else self.api_token_verb

    def url_path(self, auth_style: str, **params: str) -> str:
        """Return ``api/v3/...`` or ``api/http/...`` with the placeholders filled in (URL-quoted)."""
        values = {key: quote(str(value), safe="") for key, value in params.items()}
        return f"{API_PREFIX[auth_style]}/{self.path.format(**values)}".rstrip("/")


SEND_SMS = Endpoint("sms/send", "sms/send", "POST", "POST", Kind.CREATE)
SEND_CAMPAIGN = Endpoint("sms/campaign", "sms/campaign", "POST", "POST", Kind.CREATE, bearer_only=True)
VIEW_SMS = Endpoint("sms/{uid}", "sms/{uid}", "GET", "GET", Kind.READ)
LIST_SMS = Endpoint("sms", "sms", "GET", "GET", Kind.READ)
VIEW_CAMPAIGN = Endpoint(
    "campaign/{uid}/view", "campaign/{uid}/view", "GET", "GET", Kind.READ, bearer_only=True
)
CREATE_GROUP = Endpoint("contacts (create)", "contacts", "POST", "POST", Kind.CREATE)
LIST_GROUPS = Endpoint("contacts (list)", "contacts", "GET", "GET", Kind.READ)
VIEW_GROUP = Endpoint("contacts/{group}/show", "contacts/{group}/show", "POST", "GET", Kind.READ)
UPDATE_GROUP = Endpoint("contacts/{group} (update)", "contacts/{group}", "PATCH", "PATCH", Kind.UPDATE)
DELETE_GROUP = Endpoint("contacts/{group} (delete)", "contacts/{group}", "DELETE", "DELETE", Kind.UPDATE)
CREATE_CONTACT = Endpoint("contacts/{group}/store", "contacts/{group}/store", "POST", "POST", Kind.CREATE)
VIEW_CONTACT = Endpoint(
    "contacts/{group}/search/{uid}", "contacts/{group}/search/{uid}", "POST", "GET", Kind.READ
)
UPDATE_CONTACT = Endpoint(
    "contacts/{group}/update/{uid}", "contacts/{group}/update/{uid}", "PATCH", "PATCH", Kind.UPDATE
)
DELETE_CONTACT = Endpoint(
    "contacts/{group}/delete/{uid}", "contacts/{group}/delete/{uid}", "DELETE", "DELETE", Kind.UPDATE
)
LIST_CONTACTS = Endpoint("contacts/{group}/all", "contacts/{group}/all", "POST", "GET", Kind.READ)
BALANCE = Endpoint("balance", "balance", "GET", "GET", Kind.READ)
PROFILE = Endpoint("me", "me", "GET", "GET", Kind.READ)
