"""Extra links from TextioPro tasks to the campaign or message in the TextioPro dashboard.

The task that knows the uid pushes the dashboard URL to XCom under
:data:`CAMPAIGN_URL_XCOM_KEY` or :data:`MESSAGE_URL_XCOM_KEY`; the link only reads it back,
so it works the same on Airflow 2.11 (the webserver calls ``get_link``) and 3.x (the task
runner calls it when the task finishes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from airflow_provider_textiopro.compat import BaseOperatorLink, XCom

if TYPE_CHECKING:
    from airflow_provider_textiopro.compat import BaseOperator, TaskInstanceKey

CAMPAIGN_URL_XCOM_KEY = "textiopro_campaign_url"
MESSAGE_URL_XCOM_KEY = "textiopro_message_url"


class _XComUrlLink(BaseOperatorLink):
    """Return the URL a task pushed to XCom under :attr:`url_xcom_key` ("" when none)."""

    url_xcom_key: ClassVar[str]

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        """Return the dashboard URL of this task instance, or "" before the task pushed one."""
        return XCom.get_value(ti_key=ti_key, key=self.url_xcom_key) or ""


class TextioProCampaignLink(_XComUrlLink):
    """Link to the campaign's overview in the TextioPro dashboard."""

    name = "TextioPro campaign"
    url_xcom_key = CAMPAIGN_URL_XCOM_KEY


class TextioProMessageLink(_XComUrlLink):
    """Link to the message's report in the TextioPro dashboard (the first one when there are several)."""

    name = "TextioPro message"
    url_xcom_key = MESSAGE_URL_XCOM_KEY
