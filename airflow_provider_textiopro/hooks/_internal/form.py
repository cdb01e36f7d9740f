"""The connection form of the ``textiopro`` connection type, defined once for Airflow 2.11 and 3.x.

Airflow 3 reads :data:`CONN_FIELDS` and :data:`UI_FIELD_BEHAVIOUR` from the provider metadata
without importing the hook. Airflow 2 asks the hook instead; its ``get_ui_field_behaviour`` and
``get_connection_form_widgets`` return :func:`field_behaviour` and :func:`form_widgets`, which are
built from the same definitions.
"""

from __future__ import annotations

from typing import Any

CONN_FIELDS: dict[str, dict[str, Any]] = {
    "auth_style": {
        "label": "Auth style",
        "schema": {"type": ["string", "null"], "enum": ["bearer", "api_token"], "default": "bearer"},
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
        "description": "ISO 3166 country code (e.g. NL) for phone numbers written without one.",
    },
    "timezone": {
        "label": "Account timezone",
        "schema": {"type": ["string", "null"], "default": "UTC"},
        "description": "IANA timezone of the TextioPro account, in which schedule_time is sent.",
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
    "max_concurrent_requests": {
        "label": "Max concurrent requests",
        "schema": {"type": ["integer", "null"], "minimum": 1, "default": 8},
        "description": "Requests one call may have in flight at once (list pages, message reads of a wait).",
    },
    "scheme": {
        "label": "Scheme",
        "schema": {"type": ["string", "null"], "pattern": "^https?$"},
        "description": (
            "http or https, replacing the Base URL's scheme. Without it: the Base URL's, "
            "or https (http for the local machine) when it has none."
        ),
    },
    "verify": {
        "label": "Verify TLS certificate",
        "schema": {"type": ["string", "null"]},
        "description": (
            "true (default), false (not advised: the token could be read on the way), or the path of "
            "a CA bundle (PEM) on the Airflow workers that signed the server's certificate."
        ),
    },
    "cert": {
        "label": "Client certificate",
        "schema": {"type": ["string", "null"]},
        "description": (
            "Path of a client certificate (PEM with its key), or 'certificate path,key path', "
            "on the Airflow workers."
        ),
    },
    "proxies": {
        "label": "Proxies (JSON)",
        "schema": {"type": ["string", "null"]},
        "description": 'Proxy URL by scheme, as requests takes them: {"https": "http://proxy:3128"}.',
    },
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    # The port stays visible: the UI's Test button sends the form's port (0 when blank) and
    # Airflow refuses the test when it differs from the stored one, so a saved port (443) is the
    # one way to make the button work before apache/airflow#73298.
    "hidden-fields": ["schema", "login"],
    "relabeling": {"password": "API token", "host": "Base URL"},
    "placeholders": {
        "host": "https://app.textiopro.com",
        "port": "443",
        "password": "token from the TextioPro dashboard (Developers)",
        "default_sender_id": "MyShop",
        "default_region": "NL",
        "timezone": "Europe/Amsterdam",
        "verify": "/etc/ssl/certs/company-ca.pem",
        "cert": "/etc/airflow/client.pem",
        "proxies": '{"https": "http://proxy.example.com:3128"}',
    },
}


def field_behaviour() -> dict[str, Any]:
    """Return :data:`UI_FIELD_BEHAVIOUR` in the shape of ``BaseHook.get_ui_field_behaviour``."""
    return {
        "hidden_fields": list(UI_FIELD_BEHAVIOUR["hidden-fields"]),
        "relabeling": dict(UI_FIELD_BEHAVIOUR["relabeling"]),
        "placeholders": dict(UI_FIELD_BEHAVIOUR["placeholders"]),
    }


def form_widgets() -> dict[str, Any]:
    """Return :data:`CONN_FIELDS` as the WTForms fields of ``BaseHook.get_connection_form_widgets``.

    Airflow 2 accepts only string, integer, password and boolean fields, so numbers with a
    fraction are string fields that must parse as a number.
    """
    from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
    from flask_babel import lazy_gettext
    from wtforms import IntegerField, StringField
    from wtforms.validators import AnyOf, NumberRange, Optional, Regexp

    widgets = {}
    for name, field in CONN_FIELDS.items():
        schema = field["schema"]
        validators: list[Any] = [Optional()]
        if "enum" in schema:
            validators.append(AnyOf(schema["enum"]))
        if "pattern" in schema:
            validators.append(Regexp(schema["pattern"], message=field.get("description")))
        if "integer" in schema["type"]:
            field_class: Any = IntegerField
            validators.append(NumberRange(min=schema.get("minimum")))
        elif "number" in schema["type"]:
            field_class = StringField
            validators.append(Regexp(r"^\d+(\.\d+)?$", message="Enter a number of seconds, e.g. 30 or 0.5"))
        else:
            field_class = StringField
        widgets[name] = field_class(
            lazy_gettext(field["label"]),
            widget=BS3TextFieldWidget(),
            validators=validators,
            description=field.get("description", ""),
        )
    return widgets
