"""The provider metadata: valid for the installed Airflow, every listed path importable, seen by the CLI."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import airflow
import jsonschema
import pytest

from airflow_provider_textiopro import __version__
from airflow_provider_textiopro.get_provider_info import get_provider_info
from airflow_provider_textiopro.hooks._internal.form import field_behaviour, form_widgets

AIRFLOW_DIR = Path(airflow.__file__).parent
DISTRIBUTION = "airflow-provider-textiopro"
INFO = get_provider_info()
CONNECTION = INFO["connection-types"][0]


def airflow_schema(name: str) -> dict[str, Any]:
    return json.loads((AIRFLOW_DIR / name).read_text())


def listed_modules() -> list[str]:
    modules = [
        module
        for key in ("hooks", "operators", "sensors", "triggers")
        for entry in INFO[key]
        for module in entry["python-modules"]
    ]
    modules += [transfer["python-module"] for transfer in INFO["transfers"]]
    return sorted(set(modules))


def listed_classes() -> list[str]:
    return [
        *(conn["hook-class-name"] for conn in INFO["connection-types"]),
        *INFO["notifications"],
        *INFO["extra-links"],
    ]


def test_validates_against_airflow_provider_info_schema():
    jsonschema.validate(INFO, airflow_schema("provider_info.schema.json"))


def test_connection_type_validates_against_airflow_provider_yaml_schema():
    schema = airflow_schema("provider.yaml.schema.json")["properties"]["connection-types"]
    jsonschema.validate(INFO["connection-types"], schema)


def test_ui_field_behaviour_validates_against_airflow_form_schema():
    behaviour = CONNECTION["ui-field-behaviour"]
    as_hook_returns_it = {
        "hidden_fields": behaviour["hidden-fields"],
        "relabeling": behaviour["relabeling"],
        "placeholders": behaviour["placeholders"],
    }
    jsonschema.validate(as_hook_returns_it, airflow_schema("customized_form_field_behaviours.schema.json"))


@pytest.mark.parametrize("name", sorted(CONNECTION["conn-fields"]))
def test_conn_field_schema_is_valid_and_accepts_its_default(name):
    schema = CONNECTION["conn-fields"][name]["schema"]
    jsonschema.Draft7Validator.check_schema(schema)
    if "default" in schema:
        jsonschema.validate(schema["default"], schema)


def test_connection_form_matches_the_connection_contract():
    assert CONNECTION["connection-type"] == "textiopro"
    assert set(CONNECTION["conn-fields"]) == {
        "auth_style",
        "timeout",
        "default_sender_id",
        "default_region",
        "timezone",
        "max_retries",
        "retry_wait_min",
        "retry_wait_max",
        "max_concurrent_requests",
        "scheme",
        "verify",
        "cert",
        "proxies",
    }
    assert CONNECTION["conn-fields"]["auth_style"]["schema"]["enum"] == ["bearer", "api_token"]
    behaviour = CONNECTION["ui-field-behaviour"]
    assert set(behaviour["hidden-fields"]) == {"schema", "login"}
    assert behaviour["relabeling"] == {"password": "API token", "host": "Base URL"}
    assert behaviour["placeholders"]["host"] == "https://app.textiopro.com"
    assert set(behaviour["placeholders"]) <= {"host", "port", "password", *CONNECTION["conn-fields"]}


def test_the_form_shows_the_port_so_the_ui_test_button_can_match_the_stored_one():
    # The UI's Test button sends the form's port (0 when the field is hidden or blank) and Airflow
    # answers "Bad Request" when it differs from the stored port: the field must be there to fill.
    assert "port" not in CONNECTION["ui-field-behaviour"]["hidden-fields"]
    assert "port" not in field_behaviour()["hidden_fields"]
    assert field_behaviour()["placeholders"]["port"] == "443"


def test_airflow_builds_the_connection_form():
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    assert manager.field_behaviours["textiopro"]["hidden_fields"] == field_behaviour()["hidden_fields"]
    assert manager.field_behaviours["textiopro"]["relabeling"] == field_behaviour()["relabeling"]
    expected = {f"extra__textiopro__{name}" for name in CONNECTION["conn-fields"]}
    assert expected <= set(manager.connection_form_widgets)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"auth_style": "api_token", "timeout": "0.5", "default_region": "nl", "max_retries": "0"}, set()),
        ({}, set()),
        (
            {"auth_style": "oauth", "timeout": "soon", "default_region": "NLD", "max_retries": "-1"},
            {"auth_style", "timeout", "default_region", "max_retries"},
        ),
        ({"scheme": "http"}, set()),
        ({"scheme": "ftp"}, {"scheme"}),
    ],
)
def test_airflow2_form_widgets_validate_like_the_conn_fields(data, errors):
    pytest.importorskip("flask_appbuilder", reason="Airflow 2's connection form needs Flask-AppBuilder")
    from werkzeug.datastructures import MultiDict
    from wtforms import Form

    widgets = form_widgets()
    assert set(widgets) == set(CONNECTION["conn-fields"])
    form = type("TextioProForm", (Form,), widgets)(MultiDict(data))
    form.validate()
    assert set(form.errors) == errors


def test_metadata_matches_the_installed_distribution():
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pytest.fail(f"{DISTRIBUTION} is not installed: run `pip install -e .` (scripts/test.sh does)")
    assert dist.metadata["Name"] == INFO["package-name"] == DISTRIBUTION
    assert dist.version == __version__
    assert INFO["versions"] == [__version__]
    entry_points = [ep for ep in dist.entry_points if ep.group == "apache_airflow_provider"]
    assert [ep.value for ep in entry_points] == [
        "airflow_provider_textiopro.get_provider_info:get_provider_info"
    ]


@pytest.mark.parametrize("module", listed_modules())
def test_listed_module_imports(module):
    importlib.import_module(module)


@pytest.mark.parametrize("path", listed_classes())
def test_listed_class_imports(path):
    module, _, name = path.rpartition(".")
    assert inspect.isclass(getattr(importlib.import_module(module), name))


def test_hook_class_agrees_with_the_connection_type():
    module, _, name = CONNECTION["hook-class-name"].rpartition(".")
    hook = getattr(importlib.import_module(module), name)
    assert hook.conn_type == CONNECTION["connection-type"]
    assert hook.hook_name == CONNECTION["hook-name"]
    assert hook.default_conn_name == "textiopro_default"


def run_airflow_cli(*args: str) -> tuple[str, str]:
    airflow_bin = Path(sys.executable).with_name("airflow")
    result = subprocess.run(
        [str(airflow_bin), *args, "--output", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ.copy(),
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout, result.stderr


def parse_json_table(stdout: str) -> list[dict[str, Any]]:
    return json.loads(stdout[stdout.index("[") :])


def problems_about_textiopro(*outputs: str) -> list[str]:
    words = ("warn", "error", "exception", "traceback", "fail")
    return [
        line
        for output in outputs
        for line in output.splitlines()
        if "textiopro" in line.lower() and any(word in line.lower() for word in words)
    ]


@pytest.mark.cli
def test_airflow_providers_list_shows_the_provider_without_warning():
    stdout, stderr = run_airflow_cli("providers", "list")
    rows = {row["package_name"]: row for row in parse_json_table(stdout)}
    assert rows[DISTRIBUTION]["version"] == __version__
    assert problems_about_textiopro(stdout, stderr) == []


@pytest.mark.cli
def test_airflow_providers_hooks_shows_the_hook_without_warning():
    stdout, stderr = run_airflow_cli("providers", "hooks")
    rows = {row["connection_type"]: row for row in parse_json_table(stdout)}
    assert rows["textiopro"]["class"] == CONNECTION["hook-class-name"]
    assert rows["textiopro"]["package_name"] == DISTRIBUTION
    assert rows["textiopro"]["hook_name"] == "TextioPro"
    assert problems_about_textiopro(stdout, stderr) == []
