"""A local TextioPro server for demos, integration tests and benchmarks (standard library only).

Run it with ``textiopro-sandbox`` or ``python -m textiopro_sandbox``
(``--help`` lists the options); it prints ``TextioPro sandbox listening on http://HOST:PORT``
on stdout once it serves. Point a connection at it: host = that URL, password = a token
(default ``sandbox-token``). In Python::

    from textiopro_sandbox import run_sandbox

    with run_sandbox(port=0, seed=1, delivery_delay=0.3) as sandbox:
        requests.get(f"{sandbox.url}/api/v3/me", headers={"Authorization": f"Bearer {sandbox.token}",
                                                        "Accept": "application/json"})

Importing this package never imports Airflow.

What it serves
--------------
Every endpoint of the vendor reference, under ``/api/v3/`` (``Authorization: Bearer``)
and ``/api/http/`` (``api_token`` in the JSON body, a form body or the query string),
behaving as ``FIELD-NOTES.md`` describes. Each token is its own account. Data lives in
memory; statuses are computed from timestamps when read (no background threads).

Where the reference is ambiguous, the sandbox chooses:

* ``/api/http/sms/campaign`` answers HTTP 405 ``The POST method is not supported for route
  api/http/sms/campaign. Supported methods: GET, HEAD.`` and ``/api/http/campaign/{uid}/view``
  HTTP 404 ``The route ... could not be found.``, as the reference server: campaigns need
  the bearer API.
* ``/api/http`` reads accept GET (the platform) and POST (the vendor's documents):
  ``sms``, ``sms/{uid}``, ``balance``, ``me``; group and contact reads (``contacts/{gid}/show``,
  ``.../search/{uid}``, ``.../all``) accept GET there too; ``sms/send`` accepts GET with the
  query string. ``/api/v3`` accepts only the documented verbs (``GET /api/v3/sms/send`` reads
  a message with uid ``send``, as Laravel would).
* ``POST /api/http/contacts`` creates a group, as the platform routes it: without ``name`` it
  answers HTTP 200 ``The name field is required.``; ``GET /api/http/contacts`` lists.
  ``PUT`` works like ``PATCH`` for ``contacts/{gid}`` (Laravel resource route).
* ``contacts/{gid}/update/{uid}`` under ``/api/http`` needs the number as ``phone`` as well as
  ``PHONE``: without it the answer is HTTP 200 ``Cannot assign null to property
  App\\Rules\\Phone::$value`` (platform 3.8).
* Unknown message or campaign uid: HTTP 200 ``No query results for model [App\\Models\\Reports]
  <uid>`` (``Campaigns``); unknown group or contact: HTTP 404 with ``ContactGroups`` /
  ``Contacts``. Without ``Accept: application/json`` framework errors (unknown uid
  or route, 405, rate limit, 5xx) come as HTML pages with 404/405/429/5xx.
* Bad bearer token: HTTP 200 ``Unauthenticated.``, or without ``Accept: application/json`` a
  302 redirect to ``/login`` (as the platform); bad ``api_token``: HTTP 200 ``These
  credentials do not match our records.``. Send, campaign and group validation errors are
  HTTP 200; the 100-recipient limit, the balance, invalid or refused numbers and unknown
  campaign groups 403; contact validation (required, taken) 422.
* Recipients: ``+ ( ) -`` and spaces stripped, duplicates dropped, 8-15 digits with an
  assigned country code. More than 100 entries (counted before dropping duplicates) is
  refused. ``schedule_time`` is ``Y-m-d H:i`` in the accounts' timezone (``timezone``, default
  UTC, which ``me`` answers); scheduled messages are charged at once and appear in ``sms`` from
  their time on. Dates in answers (``created_at`` ...) are written in UTC.
* Contacts: any UPPERCASE key other than ``PHONE`` is a custom field; ``STATUS`` (or
  ``status``) = ``subscribe`` | ``unsubscribe`` sets the subscription on store and update
  (unsubscribed contacts get no campaign message). Update merges the fields given.
* Lists are Laravel paginators of 25 (``?page=N``, or ``page`` in a POST body): messages
  newest first, groups and contacts in creation order.
* Campaigns go ``scheduled`` (when ``schedule_time`` is given) -> ``queued`` -> ``processing``
  -> ``done``, one ``campaign_step_delay`` each; their messages are sent when processing
  starts and counted in ``stats``. ``recipient`` is ignored: groups come from ``contact_list_id``.
* Messages start ``Enroute`` (``--initial-status Accepted``) and end ``Delivered``, or
  ``Failed`` for a ``failure_rate`` share (seeded), ``delivery_delay`` seconds after sending.
* Replies are listed with the sent messages, ``from`` the replier and ``to`` the account's
  number (``12025550100``): injected with ``POST /_sandbox/inbound``, or sent by numbers with an
  ``auto_replies`` ending (``--auto-reply 1=YES``) ``auto_reply_delay`` seconds after each send.

The reference platform (3.8) was seen to differ in ways that would break the documented API;
each is an option (off by default): ``single_send_now`` (a one-recipient ``sms/send`` goes out
at once despite ``schedule_time`` and answers its message), ``first_campaign_uid``
(``sms/campaign`` answers the uid of the account's first campaign) and ``gateway_refuses``
(number prefixes the gateway refuses: alone HTTP 403 ``Failed``; in a send to several, listed
in ``data`` with ``customer_status`` ``Failed``, cost 0 and a uid, as the platform does).

Test numbers ``4477009000xD`` (UK numbers reserved for drama) behave by their last digit D:
1 Failed, 2 Undelivered, 3 Expired, 4 Rejected, 5 Skipped, 8 refused by the gateway (403
``Failed`` for a single recipient, ``Failed`` in campaigns), 9 never leaves the initial
status; 0, 6 and 7 follow ``failure_rate``.

Control endpoints (no auth, not in the request log)
---------------------------------------------------
=======  ========================  ====================================================
GET      ``/_sandbox/health``      accounts count and seed
POST     ``/_sandbox/reset``       forget all data, faults set since start, log, clock
GET      ``/_sandbox/faults``      the faults in force
POST     ``/_sandbox/faults``      change some: ``{"rate_limit": 5, "slow": 1.5, ...}``
DELETE   ``/_sandbox/faults``      back to the faults given at start
GET      ``/_sandbox/requests``    ``[{"method", "path", "status"}, ...]``, tokens redacted
DELETE   ``/_sandbox/requests``    empty the request log (and the latency's peak)
GET      ``/_sandbox/latency``     ``{"in_progress", "peak"}``: requests spending their latency at once
POST     ``/_sandbox/clock``       ``{"advance": seconds}``: move the sandbox clock on
GET      ``/_sandbox/accounts``    balance and counts per account (no tokens)
POST     ``/_sandbox/inbound``     receive a reply: ``{"from": "+447700900107", "message": "YES"}``
=======  ========================  ====================================================

Fault names: ``rate_limit`` (requests per window and account, a sliding window; at the limit the
platform's HTTP 200 ``Too Many Attempts.`` without rate-limit headers, and the request is not
processed; counted requests answer ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining``),
``rate_limit_window`` (seconds, default 60), ``rate_limit_style`` (``"200"``, ``"429"``,
``"mixed"``), ``latency_base`` and ``latency_per_recipient`` (seconds every API request takes,
plus seconds per recipient of an accepted ``sms/send``; spent after the request took effect,
holding no lock), ``fail_next_5xx``, ``fail_status``, ``fail_mode`` (``"before"``: no
effect, ``"after"``: the request takes effect, then fails), ``slow`` (seconds),
``html_errors``, and two server errors of the platform: ``contacts_sql_error`` (listing a
non-empty group's contacts fails with an SQL error) and ``delete_group_error`` (``DELETE`` of
a group under ``/api/http`` deletes it, then answers an error). The request log (stderr
unless quiet, and :attr:`SandboxServer.requests`) redacts ``api_token`` and never shows
headers or bodies; :func:`textiopro_sandbox.api.is_write` tells which of its requests sent or
wrote something (a dry run leaves reads only).
"""

from __future__ import annotations

from textiopro_sandbox.config import DEFAULT_TOKEN, SandboxConfig
from textiopro_sandbox.faults import Faults
from textiopro_sandbox.pipeline import LoggedRequest
from textiopro_sandbox.server import SandboxServer, run_sandbox

__all__ = ["DEFAULT_TOKEN", "Faults", "LoggedRequest", "SandboxConfig", "SandboxServer", "run_sandbox"]
