"""Wait in the triggerer for the campaign named in the run's conf.

Used by tests/dags/test_deferrable_campaign_sensor.py.
"""

from __future__ import annotations

import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_textiopro.sensors.textiopro import TextioProCampaignSensor

START = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)

with DAG("textiopro_wait_for_campaign", schedule=None, start_date=START, catchup=False) as dag:
    TextioProCampaignSensor(
        task_id="wait_for_campaign",
        campaign_uid="{{ dag_run.conf['campaign_uid'] }}",
        deferrable=True,
        poke_interval=0.2,
        timeout=60,
    )
