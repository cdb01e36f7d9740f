"""The TextioPro hook, in :mod:`airflow_provider_textiopro.hooks.textiopro`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_provider_textiopro.hooks.textiopro import TextioProHook


def textiopro_hook(conn_id: str) -> TextioProHook:
    """Return a hook of ``conn_id``, importing the hook module only now, not when a DAG file is parsed."""
    from airflow_provider_textiopro.hooks.textiopro import TextioProHook

    return TextioProHook(textiopro_conn_id=conn_id)
