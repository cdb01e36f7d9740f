"""Test settings shared by every suite: an isolated Airflow home, then the sandbox fixtures."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Set before anything imports airflow: importing airflow creates $AIRFLOW_HOME/logs.
os.environ.setdefault("AIRFLOW_HOME", str(ROOT / ".airflow-home" / "default"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(ROOT / "example_dags"))

pytest_plugins = ["sandbox_fixtures"]
