"""The dashboard extra links read the URL the task pushed to XCom."""

from __future__ import annotations

from types import SimpleNamespace
from unittest import mock

import pytest

from airflow_provider_textiopro.compat import BaseOperatorLink
from airflow_provider_textiopro.links import (
    CAMPAIGN_URL_XCOM_KEY,
    MESSAGE_URL_XCOM_KEY,
    TextioProCampaignLink,
    TextioProMessageLink,
)

TI_KEY = SimpleNamespace(dag_id="d", task_id="t", run_id="r", try_number=1, map_index=-1)


@pytest.mark.parametrize(
    ("link", "name", "key"),
    [
        (TextioProCampaignLink(), "TextioPro campaign", CAMPAIGN_URL_XCOM_KEY),
        (TextioProMessageLink(), "TextioPro message", MESSAGE_URL_XCOM_KEY),
    ],
)
def test_link_returns_the_url_pushed_under_its_key(link, name, key):
    url = "https://app.textiopro.com/campaigns/6065ecdc9184a/overview"
    with mock.patch("airflow_provider_textiopro.links.XCom.get_value", return_value=url) as get_value:
        assert link.get_link(mock.sentinel.operator, ti_key=TI_KEY) == url

    get_value.assert_called_once_with(ti_key=TI_KEY, key=key)
    assert isinstance(link, BaseOperatorLink)
    assert link.name == name


def test_link_is_empty_before_the_task_pushed_a_url():
    with mock.patch("airflow_provider_textiopro.links.XCom.get_value", return_value=None):
        assert TextioProMessageLink().get_link(mock.sentinel.operator, ti_key=TI_KEY) == ""


def test_key_names_are_stable():
    assert CAMPAIGN_URL_XCOM_KEY == "textiopro_campaign_url"
    assert MESSAGE_URL_XCOM_KEY == "textiopro_message_url"
