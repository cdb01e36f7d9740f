"""Apache Airflow provider for the TextioPro messaging API."""

from __future__ import annotations

from airflow_provider_textiopro._moved_modules import install as _keep_moved_paths_working

__version__ = "0.1.0"

__all__ = ["__version__"]

_keep_moved_paths_working()
