"""dag.test(): a deferrable TextioProCampaignSensor waits in the triggerer for a sandbox campaign."""

from __future__ import annotations

from unittest import mock

import pytest

from airflow_provider_textiopro.hooks.textiopro import TextioProHook
from airflow_provider_textiopro.links import CAMPAIGN_URL_XCOM_KEY, TextioProCampaignLink
from airflow_provider_textiopro.sensors.textiopro import TextioProCampaignSensor
from airflow_provider_textiopro.version_compat import AIRFLOW_V_3_0_PLUS
from tests.dags.dag_runner import load_dags, run_dag, use_dag_files

pytestmark = [pytest.mark.dags, pytest.mark.integration]


def xcom(ti, key: str):
    from airflow.models.xcom import XCom

    return XCom.get_value(ti_key=ti.key, key=key) if not AIRFLOW_V_3_0_PLUS else ti.xcom_pull(key=key)


def test_deferrable_sensor_waits_for_the_campaign(monkeypatch, textiopro_conn, sandbox):
    hook = TextioProHook(textiopro_conn_id=textiopro_conn)
    group = hook.create_group("Newsletter")
    for number in ("447700900000", "447700900006", "447700900007"):
        hook.create_contact(group.uid, number)
    uid = hook.send_campaign([group.uid], "Spring sale: 20% off today.", sender_id="Shop").uid
    use_dag_files(monkeypatch)
    dags = load_dags("textiopro_wait_for_campaign.py")

    with mock.patch.object(
        TextioProCampaignSensor,
        "execute_complete",
        autospec=True,
        side_effect=TextioProCampaignSensor.execute_complete,
    ) as execute_complete:
        dag_run = run_dag(dags["textiopro_wait_for_campaign"], dags, run_conf={"campaign_uid": uid})

    assert dag_run.state == "success"
    (ti,) = dag_run.get_task_instances()
    assert ti.state == "success"
    call = execute_complete.call_args
    event = {**dict(zip(("self", "context", "event"), call.args, strict=False)), **call.kwargs}["event"]
    assert event["status"] == "success"
    assert event["campaign"]["uid"] == uid
    assert event["campaign"]["status"] == "done"
    url = f"{sandbox.url}/campaigns/{uid}/overview"
    assert xcom(ti, CAMPAIGN_URL_XCOM_KEY) == url
    if AIRFLOW_V_3_0_PLUS:
        assert xcom(ti, TextioProCampaignLink().xcom_key) == url
    else:
        task = dags["textiopro_wait_for_campaign"].get_task("wait_for_campaign")
        assert TextioProCampaignLink().get_link(task, ti_key=ti.key) == url
