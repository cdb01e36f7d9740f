"""What the sending operators share: their hook, and the task state that keeps retries from sending twice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_textiopro.hooks import TextioProHookMixin
from airflow_provider_textiopro.hooks._internal.settings import DEFAULT_CONN_ID
from airflow_provider_textiopro.utils.send_progress import VariableTaskStateStore
from airflow_provider_textiopro.version_compat import AIRFLOW_V_3_3_PLUS, BaseOperator, ResumableJobMixin

if TYPE_CHECKING:
    from airflow_provider_textiopro.utils.send_progress import TaskStateStore
    from airflow_provider_textiopro.version_compat import Context

__all__ = ["TextioProSendOperator"]


class TextioProSendOperator(TextioProHookMixin, ResumableJobMixin, BaseOperator):
    """Base of the operators that send: what a try sent is kept, so that a retry does not send it again.

    With ``durable=True`` (the default) each send request is written down before it leaves and
    replaced by its answer (:class:`~airflow_provider_textiopro.utils.send_progress.SentRequest`), and
    one found without an answer is never sent again. On Airflow 3.3+ they are kept in the task's
    state store (``ResumableJobMixin.execute_resumable``); below Airflow 3.3 in an Airflow Variable
    of the task instance
    (:class:`~airflow_provider_textiopro.utils.send_progress.VariableTaskStateStore`), deleted once the
    task succeeds. With ``durable=False`` nothing is kept: a retry then says in its log that it may
    send again.

    :param textiopro_conn_id: the TextioPro connection.
    :param durable: keep what was sent across tries (see above).
    """

    def __init__(
        self, *, textiopro_conn_id: str = DEFAULT_CONN_ID, durable: bool = True, **kwargs: Any
    ) -> None:
        if AIRFLOW_V_3_3_PLUS:
            kwargs["durable"] = durable
        super().__init__(**kwargs)
        self.durable = durable  # below 3.3, the stand-in mixin always sets False
        self.textiopro_conn_id = textiopro_conn_id

    def execute(self, context: Context) -> Any:
        """Send, unless an earlier try did."""
        store = self.task_state_store(context)
        ti = context.get("ti")
        if store is None and ti is not None and (ti.try_number or 1) > 1:
            self.log.warning(
                "Try %s: no task state keeps what earlier tries sent here (durable=False), "
                "so if an earlier try sent it, this try sends it again.",
                ti.try_number,
            )
        if store is not None and not AIRFLOW_V_3_3_PLUS:
            return self._execute_resumable_in(store, context)
        return self.execute_resumable(context)

    def task_state_store(self, context: Context) -> TaskStateStore | None:
        """Return where earlier tries' sends are kept; None when not durable.

        That is the task state store of Airflow 3.3+, or below 3.3 the task instance's Variable.
        """
        if not self.durable:
            return None
        store = context.get("task_state_store")
        if store is None and not AIRFLOW_V_3_3_PLUS:
            return VariableTaskStateStore.for_task_instance(context["ti"])
        return store

    def post_execute(self, context: Any, result: Any = None) -> None:
        """Run the ``post_execute`` hook, then delete the task instance's Variable (below Airflow 3.3)."""
        super().post_execute(context, result)
        store = self.task_state_store(context)
        if isinstance(store, VariableTaskStateStore):
            store.clear()

    def _execute_resumable_in(self, store: TaskStateStore, context: Context) -> Any:
        """Do what Airflow 3.3's ``ResumableJobMixin.execute_resumable`` does, keeping the job in ``store``.

        Follow the job an earlier try recorded under ``external_id_key`` while it is active, return
        its result once it succeeded; otherwise submit a new one and record it.
        """
        external_id = store.get(self.external_id_key)
        if external_id:
            status = self.get_job_status(external_id, context)
            if self.is_job_active(status):
                return self.poll_until_complete(external_id, context)
            if self.is_job_succeeded(status):
                return self.get_job_result(external_id, context)
        external_id = self.submit_job(context)
        if external_id is not None:
            store.set(self.external_id_key, external_id)
        self.poll_until_complete(external_id, context)
        return self.get_job_result(external_id, context)
