"""What the sending operators share: their hook, and the task state that keeps retries from sending twice."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_textiopro.compat import BaseOperator, ResumableJobMixin
from airflow_provider_textiopro.connection import DEFAULT_CONN_ID
from airflow_provider_textiopro.hooks import textiopro_hook

if TYPE_CHECKING:
    from airflow_provider_textiopro.compat import Context
    from airflow_provider_textiopro.hooks.textiopro import TextioProHook
    from airflow_provider_textiopro.send_progress import TaskStateStore


class TextioProSendOperator(ResumableJobMixin, BaseOperator):
    """Base of the operators that send: ``execute`` runs ``ResumableJobMixin.execute_resumable``.

    On Airflow 3.3+ the mixin keeps what a try sent in the task's state store
    (``durable=True``, the default), so that a retry does not send it again: each send
    request is written down before it leaves and replaced by its answer
    (:class:`~airflow_provider_textiopro.send_progress.SentRequest`), and one found
    without an answer is never sent again. Below Airflow 3.3, or with ``durable=False``,
    there is no task state: a retry then says in its log that it may send again.

    :param textiopro_conn_id: the TextioPro connection.
    """

    def __init__(self, *, textiopro_conn_id: str = DEFAULT_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.textiopro_conn_id = textiopro_conn_id

    @cached_property
    def hook(self) -> TextioProHook:
        """The TextioPro hook of ``textiopro_conn_id``."""
        return textiopro_hook(self.textiopro_conn_id)

    def execute(self, context: Context) -> Any:
        """Send, unless an earlier try did (see ``ResumableJobMixin``)."""
        ti = context.get("ti")
        if self.task_state_store(context) is None and ti is not None and (ti.try_number or 1) > 1:
            self.log.warning(
                "Try %s: no task state keeps what earlier tries sent here (Airflow < 3.3 or durable=False), "
                "so if an earlier try sent it, this try sends it again.",
                ti.try_number,
            )
        return self.execute_resumable(context)

    def task_state_store(self, context: Context) -> TaskStateStore | None:
        """Return the task state store of earlier tries; None below Airflow 3.3 or when not durable."""
        return context.get("task_state_store") if self.durable else None
