"""The TextioPro hook, in :mod:`airflow_provider_textiopro.hooks.textiopro`."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_provider_textiopro.hooks.textiopro import TextioProHook

__all__ = ["TextioProHookMixin"]


class TextioProHookMixin:
    """Give an operator, sensor or notifier a lazy ``hook`` of its ``textiopro_conn_id``.

    The hook module is imported when the hook is first used, not when a DAG file is parsed.
    """

    textiopro_conn_id: str

    @cached_property
    def hook(self) -> TextioProHook:
        """The TextioPro hook of ``textiopro_conn_id``."""
        return self.new_hook()

    def new_hook(self) -> TextioProHook:
        """Return a new hook of ``textiopro_conn_id`` (one per thread when writing concurrently)."""
        from airflow_provider_textiopro.hooks.textiopro import TextioProHook

        return TextioProHook(textiopro_conn_id=self.textiopro_conn_id)
