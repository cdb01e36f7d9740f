"""Provider metadata that Airflow reads through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any

from airflow_provider_textiopro import __version__

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
                "conn-fields": {
                    "auth_style": {
                        "label": "Auth style",
                        "schema": {
                            "type": ["string", "null"],
                            "enum": ["bearer", "api_token"],
                            "default": "bearer",
                        },
                        "description": (
                            "bearer: /api/v3/ with an Authorization header (default); "
                            "api_token: /api/http/ with the token in the request."
                        ),
                    },
                    "timeout": {
                        "label": "Timeout (seconds)",
                        "schema": {"type": ["number", "null"], "exclusiveMinimum": 0, "default": 30},
                    },
                    "default_sender_id": {
                        "label": "Default sender ID",
                        "schema": {"type": ["string", "null"]},
                        "description": "Sender ID used when a task does not set one.",
                    },
                    "default_region": {
                        "label": "Default region",
                        "schema": {"type": ["string", "null"], "pattern": "^[A-Za-z]{2}$"},
                        "description": "ISO 3166 country code for phone numbers written without one.",
                    },
                    "timezone": {
                        "label": "Account timezone",
                        "schema": {"type": ["string", "null"], "default": "UTC"},
                        "description": "Timezone of the TextioPro account, used for schedule_time.",
                    },
                    "max_retries": {
                        "label": "Max retries",
                        "schema": {"type": ["integer", "null"], "minimum": 0, "default": 5},
                    },
                    "retry_wait_min": {
                        "label": "Min retry wait (seconds)",
                        "schema": {"type": ["number", "null"], "minimum": 0, "default": 1},
                    },
                    "retry_wait_max": {
                        "label": "Max retry wait (seconds)",
                        "schema": {"type": ["number", "null"], "minimum": 0, "default": 30},
                    },
                },
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port", "login"],
                    "relabeling": {"password": "API token", "host": "Base URL"},
                    "placeholders": {
                        "host": "https://app.textiopro.com",
                        "password": "TextioPro API token",
                        "default_sender_id": "MyShop",
                        "default_region": "NL",
                        "timezone": "Europe/Amsterdam",
                    },
                },
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
