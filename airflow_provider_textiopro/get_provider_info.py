"""Provider metadata that Airflow reads through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any

from airflow_provider_textiopro import __version__
from airflow_provider_textiopro.hooks._internal.form import CONN_FIELDS, UI_FIELD_BEHAVIOUR

__all__ = ["get_provider_info"]

INTEGRATION = "TextioPro"


def get_provider_info() -> dict[str, Any]:
    """Return the provider's metadata in the shape of Airflow's ``provider_info.schema.json``."""
    return {
        "package-name": "airflow-provider-textiopro",
        "name": "TextioPro",
        "description": (
            "Send SMS, voice, MMS, WhatsApp, Viber and OTP messages, run campaigns and keep contact "
            "groups in sync with the TextioPro messaging API."
        ),
        "versions": [__version__],
        "integrations": [{"integration-name": INTEGRATION, "tags": ["service"]}],
        "connection-types": [
            {
                "hook-class-name": "airflow_provider_textiopro.hooks.textiopro.TextioProHook",
                "connection-type": "textiopro",
                "hook-name": "TextioPro",
                "conn-fields": CONN_FIELDS,
                "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
            }
        ],
        "hooks": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_provider_textiopro.hooks.textiopro"],
            }
        ],
        "operators": [
            {
                "integration-name": INTEGRATION,
                "python-modules": [
                    "airflow_provider_textiopro.operators.messages",
                    "airflow_provider_textiopro.operators.campaigns",
                    "airflow_provider_textiopro.operators.contacts",
                    "airflow_provider_textiopro.transfers.sql_to_textiopro",
                ],
            }
        ],
        "transfers": [
            {
                "source-integration-name": "Common SQL",
                "target-integration-name": INTEGRATION,
                "python-module": "airflow_provider_textiopro.transfers.sql_to_textiopro",
            }
        ],
        "sensors": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_provider_textiopro.sensors.textiopro"],
            }
        ],
        "triggers": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_provider_textiopro.triggers.textiopro"],
            }
        ],
        "notifications": ["airflow_provider_textiopro.notifications.textiopro.TextioProNotifier"],
        "extra-links": [
            "airflow_provider_textiopro.links.TextioProCampaignLink",
            "airflow_provider_textiopro.links.TextioProMessageLink",
        ],
        "asset-uris": [{"schemes": ["textiopro"], "handler": None}],
    }
