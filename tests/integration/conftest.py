"""Fixtures of the integration tests: the sending operators' task state Variables stay in memory."""

from tests.support.task_state import variables  # noqa: F401  (autouse)
