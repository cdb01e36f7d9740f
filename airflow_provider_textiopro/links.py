"""Extra links from TextioPro tasks to the campaign or message in the TextioPro dashboard.

The task that knows the uid publishes the dashboard URL with :func:`push_dashboard_url`: to
XCom under :data:`CAMPAIGN_URL_XCOM_KEY` or :data:`MESSAGE_URL_XCOM_KEY`, and on the operator
itself (after a deferral, :func:`keep_dashboard_url` puts it back there).

On Airflow 2.11 the webserver calls ``get_link``, which reads the XCom back. On 3.x the task
runner calls it in the task's own process when the task ends and stores the answer for the UI
(the task's *Details* tab); there the link answers from the operator, so a task that failed
before it had a URL asks the API server for nothing (which would log "XCom not found" as an
error) and its link is simply empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from airflow_provider_textiopro.version_compat import BaseOperatorLink, XCom

if TYPE_CHECKING:
    from airflow_provider_textiopro.version_compat import BaseOperator, Context, TaskInstanceKey

__all__ = ["TextioProCampaignLink", "TextioProMessageLink"]

CAMPAIGN_URL_XCOM_KEY = "textiopro_campaign_url"
MESSAGE_URL_XCOM_KEY = "textiopro_message_url"
_PUSHED_URLS = "_textiopro_dashboard_urls"


def push_dashboard_url(task: BaseOperator, context: Context, key: str, url: str) -> None:
    """Push ``url`` to XCom under ``key`` and keep it on ``task`` for the link of this run."""
    context["ti"].xcom_push(key=key, value=url)
    task.__dict__.setdefault(_PUSHED_URLS, {})[key] = url


def keep_dashboard_url(task: BaseOperator, context: Context, key: str) -> None:
    """Keep on ``task`` the URL pushed under ``key`` before the task deferred, for the link."""
    url = context["ti"].xcom_pull(key=key)
    if url:
        task.__dict__.setdefault(_PUSHED_URLS, {})[key] = url


class _XComUrlLink(BaseOperatorLink):
    """Return the URL a task pushed under :attr:`url_xcom_key` ("" when none)."""

    url_xcom_key: ClassVar[str]

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        """Return the dashboard URL of this task instance, or "" before the task pushed one."""
        if not isinstance(ti_key, tuple):
            # Airflow 3, in the task's process as it ends: ti_key is the running task instance,
            # not a TaskInstanceKey (a named tuple).
            return operator.__dict__.get(_PUSHED_URLS, {}).get(self.url_xcom_key, "")
        return XCom.get_value(ti_key=ti_key, key=self.url_xcom_key) or ""


class TextioProCampaignLink(_XComUrlLink):
    """Link to the campaign's overview in the TextioPro dashboard."""

    name = "TextioPro campaign"
    url_xcom_key = CAMPAIGN_URL_XCOM_KEY


class TextioProMessageLink(_XComUrlLink):
    """Link to the message's report in the TextioPro dashboard (the first one when there are several)."""

    name = "TextioPro message"
    url_xcom_key = MESSAGE_URL_XCOM_KEY
