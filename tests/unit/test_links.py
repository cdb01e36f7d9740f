"""The dashboard extra links: the URL the task pushed, and no lookup for a URL never pushed."""

from __future__ import annotations

import logging
from unittest import mock

import pytest

from airflow_provider_textiopro.links import (
    CAMPAIGN_URL_XCOM_KEY,
    MESSAGE_URL_XCOM_KEY,
    TextioProCampaignLink,
    TextioProMessageLink,
    keep_dashboard_url,
    push_dashboard_url,
)
from airflow_provider_textiopro.version_compat import BaseOperatorLink, TaskInstanceKey

# What Airflow 2.11's webserver passes; Airflow 3's task runner passes the running task instance.
TI_KEY = TaskInstanceKey(dag_id="d", task_id="t", run_id="r", try_number=1, map_index=-1)
URL = "https://app.textiopro.com/campaigns/6065ecdc9184a/overview"
LINKS = [
    (TextioProCampaignLink(), "TextioPro campaign", CAMPAIGN_URL_XCOM_KEY),
    (TextioProMessageLink(), "TextioPro message", MESSAGE_URL_XCOM_KEY),
]


class Task:
    """Stands for an operator: the links keep what it pushed in its ``__dict__``."""


@pytest.fixture
def get_value():
    with mock.patch("airflow_provider_textiopro.links.XCom.get_value", return_value=None) as patched:
        yield patched


@pytest.mark.parametrize(("link", "name", "key"), LINKS)
def test_link_reads_the_url_pushed_under_its_key_from_a_task_instance_key(link, name, key, get_value):
    get_value.return_value = URL
    assert link.get_link(Task(), ti_key=TI_KEY) == URL

    get_value.assert_called_once_with(ti_key=TI_KEY, key=key)
    assert isinstance(link, BaseOperatorLink)
    assert link.name == name


def test_link_is_empty_before_the_task_pushed_a_url(get_value, caplog):
    with caplog.at_level(logging.DEBUG):
        assert TextioProMessageLink().get_link(Task(), ti_key=TI_KEY) == ""
    assert [record for record in caplog.records if record.levelno >= logging.WARNING] == []


@pytest.mark.parametrize(("link", "name", "key"), LINKS)
def test_in_the_task_process_the_link_answers_what_the_task_pushed(link, name, key, get_value):
    task, running_ti = Task(), mock.MagicMock(name="RuntimeTaskInstance")
    push_dashboard_url(task, {"ti": running_ti}, key, URL)

    assert link.get_link(task, ti_key=running_ti) == URL
    running_ti.xcom_push.assert_called_once_with(key=key, value=URL)
    get_value.assert_not_called()


def test_in_the_task_process_a_task_that_pushed_nothing_asks_for_nothing(get_value, caplog):
    # A send that failed before it had a uid: Airflow 3 asks the link when the task ends.
    running_ti = mock.MagicMock(name="RuntimeTaskInstance")
    with caplog.at_level(logging.DEBUG):
        assert TextioProMessageLink().get_link(Task(), ti_key=running_ti) == ""
        assert TextioProCampaignLink().get_link(Task(), ti_key=running_ti) == ""
    get_value.assert_not_called()
    running_ti.xcom_pull.assert_not_called()
    assert caplog.records == []


def test_after_a_deferral_the_task_keeps_the_url_pushed_before_it(get_value):
    task, running_ti = Task(), mock.MagicMock(name="RuntimeTaskInstance")
    running_ti.xcom_pull.return_value = URL

    keep_dashboard_url(task, {"ti": running_ti}, CAMPAIGN_URL_XCOM_KEY)

    running_ti.xcom_pull.assert_called_once_with(key=CAMPAIGN_URL_XCOM_KEY)
    assert TextioProCampaignLink().get_link(task, ti_key=running_ti) == URL
    assert TextioProMessageLink().get_link(task, ti_key=running_ti) == ""


def test_key_names_are_stable():
    assert CAMPAIGN_URL_XCOM_KEY == "textiopro_campaign_url"
    assert MESSAGE_URL_XCOM_KEY == "textiopro_message_url"
