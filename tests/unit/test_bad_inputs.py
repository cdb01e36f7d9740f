"""One bad argument at a time, across operators, sensors, the SQL transfer and the notifier.

Each case builds the task (and runs it) with one wrong argument and expects an input error
that names the argument, raised before any request: the fake server fails the test on any.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import responses

from airflow_provider_textiopro.exceptions import TextioProInputError
from airflow_provider_textiopro.notifications.textiopro import TextioProNotifier
from airflow_provider_textiopro.operators.campaigns import TextioProSendCampaignOperator
from airflow_provider_textiopro.operators.contacts import (
    TextioProCreateGroupOperator,
    TextioProUpsertContactsOperator,
)
from airflow_provider_textiopro.operators.messages import TextioProSendMessageOperator
from airflow_provider_textiopro.sensors.textiopro import TextioProCampaignSensor, TextioProMessageSensor
from airflow_provider_textiopro.transfers.sql_to_textiopro import SqlToTextioProContactsOperator
from airflow_provider_textiopro.version_compat import AirflowException
from tests.support.hooks import set_connection
from tests.support.task_state import FakeTaskStateStore, make_context

GROUP_UID = "6065ecdc9184a"
LONG_TEXT = "x" * 400
PAST = datetime.now(timezone.utc) - timedelta(days=1)
# Airflow checks its own arguments (poke_interval, mode): a ValueError on 3.x, an AirflowException on 2.
AIRFLOW_ARGUMENT_ERRORS = (ValueError, AirflowException)


def _run(task: Any) -> Any:
    return task.execute(make_context(store=FakeTaskStateStore()))


def send_message(**bad: Any) -> Any:
    args = {"task_id": "send", "recipients": "+31612345678", "message": "Hello", "sender_id": "MyShop", **bad}
    return _run(TextioProSendMessageOperator(**args))


def send_campaign(**bad: Any) -> Any:
    args = {"task_id": "campaign", "contact_list_ids": GROUP_UID, "message": "Hi", "sender_id": "MyShop"}
    return _run(TextioProSendCampaignOperator(**{**args, **bad}))


def create_group(**bad: Any) -> Any:
    return _run(TextioProCreateGroupOperator(**{"task_id": "group", "name": "Customers", **bad}))


def upsert_contacts(**bad: Any) -> Any:
    args = {"task_id": "upsert", "group_uid": GROUP_UID, "records": [{"PHONE": "+31612345678"}]}
    return _run(TextioProUpsertContactsOperator(**{**args, **bad}))


def message_sensor(**bad: Any) -> Any:
    args = {"task_id": "wait", "message_uids": "a1b2c3", "deferrable": False, "poke_interval": 1}
    return _run(TextioProMessageSensor(**{**args, **bad}))


def campaign_sensor(**bad: Any) -> Any:
    args = {"task_id": "wait", "campaign_uid": GROUP_UID, "deferrable": False, "poke_interval": 1}
    return _run(TextioProCampaignSensor(**{**args, **bad}))


def sql_transfer(**bad: Any) -> Any:
    args = {"task_id": "sync", "conn_id": "warehouse", "table": "customers", "group_uid": GROUP_UID}
    return _run(SqlToTextioProContactsOperator(**{**args, **bad}))


def notifier(**bad: Any) -> Any:
    return TextioProNotifier(**{"recipients": "+31612345678", "message": "Alert", **bad})


@dataclass(frozen=True)
class Case:
    """``build(**bad)`` must raise ``error`` naming ``field``."""

    build: Callable[..., Any]
    bad: dict[str, Any]
    field: str
    error: type[Exception] | tuple[type[Exception], ...] = TextioProInputError

    @property
    def id(self) -> str:
        value = self.bad.get(self.field, next(iter(self.bad.values())))
        return f"{self.build.__name__}-{self.field}={value!r}"[:80]


CASES = [
    # TextioProSendMessageOperator
    Case(send_message, {"recipients": ""}, "recipient"),
    Case(send_message, {"recipients": None}, "recipient"),
    Case(send_message, {"recipients": {"NAME": "Jo"}}, "recipients"),  # a row without a phone number
    Case(send_message, {"recipients": "not a number"}, "recipients"),
    Case(send_message, {"recipients": ["+31612345678", 3.5]}, "recipients"),
    Case(send_message, {"message": ""}, "message"),
    Case(send_message, {"message": 42}, "message"),
    Case(send_message, {"type": "fax"}, "type"),
    Case(send_message, {"sender_id": "A sender id that is far too long"}, "sender_id"),
    Case(send_message, {"schedule_time": "next tuesday"}, "schedule_time"),
    Case(send_message, {"schedule_time": PAST}, "schedule_time"),
    Case(send_message, {"schedule_time": 1700000000}, "schedule_time"),
    Case(send_message, {"on_invalid": "ignore"}, "on_invalid"),
    Case(send_message, {"max_segments": 0}, "max_segments"),
    Case(send_message, {"max_segments": "2"}, "max_segments"),
    Case(send_message, {"max_segments": 1, "message": LONG_TEXT}, "max_segments"),
    Case(send_message, {"type": "mms"}, "media_url"),
    Case(send_message, {"type": "mms", "media_url": "ftp://example.com/a.jpg"}, "media_url"),
    Case(send_message, {"type": "voice", "gender": "female", "language": "klingon"}, "language"),
    Case(send_message, {"gender": "female"}, "gender"),
    Case(send_message, {"check_balance": "yes"}, "check_balance"),
    Case(send_message, {"textiopro_conn_id": "missing"}, "conn_id", AirflowException),
    # TextioProSendCampaignOperator
    Case(send_campaign, {"contact_list_ids": ""}, "contact_list_ids"),
    Case(send_campaign, {"contact_list_ids": "Customers"}, "contact_list_ids"),
    Case(send_campaign, {"contact_list_ids": [GROUP_UID, "not-a-uid"]}, "contact_list_ids"),
    Case(send_campaign, {"message": "   "}, "message"),
    Case(send_campaign, {"type": "voice"}, "type"),
    Case(send_campaign, {"sender_id": None}, "sender_id"),
    Case(send_campaign, {"sender_id": "+12"}, "sender_id"),
    Case(send_campaign, {"schedule_time": "31/01/2030 9am"}, "schedule_time"),
    Case(send_campaign, {"poll_interval": 0}, "poll_interval"),
    Case(send_campaign, {"poll_interval": "30"}, "poll_interval"),
    Case(send_campaign, {"timeout": -1}, "timeout"),
    Case(send_campaign, {"timeout": "1h"}, "timeout"),
    # TextioProCreateGroupOperator
    Case(create_group, {"name": ""}, "name"),
    Case(create_group, {"name": "   "}, "name"),
    Case(create_group, {"name": None}, "name"),
    Case(create_group, {"if_exists": "replace"}, "if_exists"),
    # TextioProUpsertContactsOperator
    Case(upsert_contacts, {"group_uid": ""}, "group_uid"),
    Case(upsert_contacts, {"records": "not json"}, "records"),
    Case(upsert_contacts, {"records": {"PHONE": "+31612345678"}}, "records"),
    Case(upsert_contacts, {"records": None}, "records"),
    Case(upsert_contacts, {"full_sync": "all"}, "full_sync"),
    Case(upsert_contacts, {"max_invalid_ratio": 2}, "max_invalid_ratio"),
    Case(upsert_contacts, {"max_invalid_ratio": "0.1"}, "max_invalid_ratio"),
    Case(upsert_contacts, {"max_workers": 0}, "max_workers"),
    Case(upsert_contacts, {"max_workers": "4"}, "max_workers"),
    # TextioProMessageSensor and TextioProCampaignSensor
    Case(message_sensor, {"message_uids": None}, "message_uids"),
    Case(message_sensor, {"message_uids": ""}, "message_uids"),
    Case(message_sensor, {"message_uids": {"status": "sent"}}, "message_uids"),
    Case(message_sensor, {"message_uids": 12}, "message_uids"),
    Case(message_sensor, {"message_uids": "[1, 2"}, "message_uids"),
    Case(message_sensor, {"min_success_ratio": 1.5}, "min_success_ratio"),
    Case(message_sensor, {"min_success_ratio": "all"}, "min_success_ratio"),
    Case(message_sensor, {"poke_interval": -1}, "poke_interval", AIRFLOW_ARGUMENT_ERRORS),
    Case(campaign_sensor, {"campaign_uid": ""}, "campaign_uid"),
    Case(campaign_sensor, {"campaign_uid": None}, "campaign_uid"),
    Case(campaign_sensor, {"mode": "sometimes"}, "mode", AIRFLOW_ARGUMENT_ERRORS),
    # SqlToTextioProContactsOperator
    Case(sql_transfer, {"sql": "SELECT * FROM customers"}, "sql"),
    Case(sql_transfer, {"table": None}, "table"),
    Case(sql_transfer, {"table": None, "sql": "SELECT 1", "where": "active = 1"}, "where"),
    Case(sql_transfer, {"chunk_size": 0}, "chunk_size"),
    Case(sql_transfer, {"chunk_size": "1000"}, "chunk_size"),
    Case(sql_transfer, {"phone_column": ""}, "phone_column"),
    Case(sql_transfer, {"column_mapping": "first_name"}, "column_mapping"),
    Case(sql_transfer, {"column_mapping": {"first_name": ""}}, "column_mapping"),
    Case(sql_transfer, {"group_uid": "  "}, "group_uid"),
    # TextioProNotifier
    Case(notifier, {"max_segments": 0}, "max_segments"),
    Case(notifier, {"max_segments": 2.5}, "max_segments"),
    Case(notifier, {"max_segments": True}, "max_segments"),
    Case(notifier, {"recipients": ""}, "recipients"),
    Case(notifier, {"recipients": []}, "recipients"),
]


@pytest.fixture
def requests_refused(monkeypatch) -> Iterator[list[str]]:
    """A TextioPro connection whose server records, and refuses, every request made."""
    set_connection(monkeypatch, "textiopro_default", max_retries=0)
    made: list[str] = []

    def refuse(request: Any) -> tuple[int, dict[str, str], str]:
        made.append(f"{request.method} {request.url}")
        return 500, {}, "no request is allowed in this test"

    with responses.RequestsMock(assert_all_requests_are_fired=False) as server:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            server.add_callback(method, re.compile(r".*"), callback=refuse)
        yield made


def test_the_table_covers_every_kind_of_task_with_at_least_forty_cases():
    assert len(CASES) >= 40
    kinds = {case.build for case in CASES}
    assert kinds == {
        send_message,
        send_campaign,
        create_group,
        upsert_contacts,
        message_sensor,
        campaign_sensor,
        sql_transfer,
        notifier,
    }


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_bad_argument_is_named_and_nothing_is_sent(case, requests_refused):
    with pytest.raises(case.error) as raised:
        case.build(**case.bad)

    assert re.search(case.field.replace("_", "[_ ]"), str(raised.value), re.IGNORECASE), str(raised.value)
    assert requests_refused == []
