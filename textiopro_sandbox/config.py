"""Settings of a sandbox server."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from textiopro_sandbox.faults import Faults

DEFAULT_TOKEN = "sandbox-token"
DEFAULT_PORT = 8085
INITIAL_STATUSES = ("Enroute", "Accepted")


@dataclass(frozen=True)
class SandboxConfig:
    """Settings of a :class:`~textiopro_sandbox.server.SandboxServer`.

    :param host: interface to listen on.
    :param port: TCP port; 0 picks a free one.
    :param tokens: accepted tokens (bearer and ``api_token`` alike); each is its own account.
    :param seed: makes uids and delivery outcomes reproducible; None draws a random seed.
    :param delivery_delay: seconds a message stays ``initial_status`` before its final status.
    :param campaign_step_delay: seconds a campaign spends ``queued``, then ``processing``.
    :param failure_rate: share of deliveries that end ``Failed`` (0 to 1).
    :param initial_status: status of a new message: ``Enroute`` or ``Accepted``.
    :param balance: starting balance of every account; None means ``Unlimited``.
    :param cost_per_segment: price of one SMS segment.
    :param currency: symbol written before the balance.
    :param legacy: answer the shapes of older servers (``remaining_unit``, flat contacts,
        messages without ``sms_count``).
    :param auto_replies: answer sends: ``{ending: text}`` makes every number that ends with
        ``ending`` reply ``text`` (e.g. ``{"1": "YES"}``); the longest matching ending wins.
    :param auto_reply_delay: seconds from a send to its automatic reply.
    :param timezone: the accounts' timezone: ``me`` answers it and ``schedule_time`` is read in it.
    :param single_send_now: send a one-recipient ``sms/send`` at once even with a
        ``schedule_time``, answering its message, as the reference platform does.
    :param first_campaign_uid: answer ``sms/campaign`` with the uid of the account's first
        campaign instead of the new one's, as the reference platform does.
    :param gateway_refuses: number prefixes the gateway refuses as the reference platform
        does: alone, HTTP 403 ``Failed``; in a send to several, a message with
        ``customer_status`` ``Failed``, cost 0 and a uid in ``data``.
    :param quiet: no request log on stderr.
    :param faults: faults in force after start and after every reset.
    :param tls_cert: PEM certificate (chain) file: serve HTTPS instead of HTTP.
    :param tls_key: PEM private key file of ``tls_cert`` (None: the key is in ``tls_cert``).
    """

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    tokens: tuple[str, ...] = (DEFAULT_TOKEN,)
    seed: int | None = None
    delivery_delay: float = 3.0
    campaign_step_delay: float = 3.0
    failure_rate: float = 0.0
    initial_status: str = "Enroute"
    balance: Decimal | None = Decimal("1000")
    cost_per_segment: Decimal = Decimal("1")
    currency: str = "\u20b1"
    legacy: bool = False
    auto_replies: Mapping[str, str] = field(default_factory=dict)
    auto_reply_delay: float = 2.0
    timezone: str = "UTC"
    single_send_now: bool = False
    first_campaign_uid: bool = False
    gateway_refuses: tuple[str, ...] = ()
    quiet: bool = False
    faults: Faults = field(default_factory=Faults)
    tls_cert: str | None = None
    tls_key: str | None = None

    def __post_init__(self) -> None:
        tokens = (self.tokens,) if isinstance(self.tokens, str) else tuple(self.tokens)
        if not tokens or not all(isinstance(t, str) and t.strip() for t in tokens):
            raise ValueError("tokens must hold at least one non-empty token.")
        object.__setattr__(self, "tokens", tuple(dict.fromkeys(tokens)))
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be between 0 and 65535.")
        if not all(str(end).isdigit() and isinstance(text, str) for end, text in self.auto_replies.items()):
            raise ValueError("auto_replies maps number endings (digits) to reply texts.")
        object.__setattr__(self, "auto_replies", dict(self.auto_replies))
        if self.delivery_delay < 0 or self.campaign_step_delay < 0 or self.auto_reply_delay < 0:
            raise ValueError("delays must be >= 0 seconds.")
        if not 0 <= self.failure_rate <= 1:
            raise ValueError("failure_rate must be between 0 and 1.")
        if self.initial_status not in INITIAL_STATUSES:
            raise ValueError(f"initial_status must be one of {', '.join(INITIAL_STATUSES)}.")
        if self.tls_key and not self.tls_cert:
            raise ValueError("tls_key needs tls_cert (the certificate the key belongs to).")
        if self.balance is not None:
            object.__setattr__(self, "balance", _decimal(self.balance, "balance"))
        object.__setattr__(self, "cost_per_segment", _decimal(self.cost_per_segment, "cost_per_segment"))
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"timezone must be an IANA name such as 'Asia/Kolkata', got {self.timezone!r}."
            ) from None
        prefixes = (self.gateway_refuses,) if isinstance(self.gateway_refuses, str) else self.gateway_refuses
        if not all(isinstance(p, str) and p.isdigit() for p in prefixes):
            raise ValueError(f"gateway_refuses must hold digit prefixes, got {self.gateway_refuses!r}.")
        object.__setattr__(self, "gateway_refuses", tuple(prefixes))

    @property
    def scheme(self) -> str:
        """``https`` with a TLS certificate, else ``http``."""
        return "https" if self.tls_cert else "http"

    @property
    def token(self) -> str:
        """The first token."""
        return self.tokens[0]

    def auto_reply_to(self, number: str) -> str | None:
        """Return the automatic reply of ``number`` (the longest matching ending), or None."""
        endings = [end for end in self.auto_replies if number.endswith(end)]
        return self.auto_replies[max(endings, key=len)] if endings else None


def _decimal(value: Any, name: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{name} must be a number, got {value!r}.") from None
    if not result.is_finite() or result < 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}.")
    return result
