"""The deployment test's process table stops the orphans of a killed process, and only its own processes."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from processes import ProcessTable, descendants

# Two children: one in the parent's session, one in a session of its own (as a daemon would be).
PARENT = ["sh", "-c", "sleep 60 & setsid sleep 60 & wait"]


def _wait_for_children(pid: int, count: int) -> list[int]:
    deadline = time.monotonic() + 10
    while len(children := descendants(pid)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return children


def test_stop_all_stops_the_orphans_of_a_killed_process_and_nothing_else(tmp_path: Path) -> None:
    table = ProcessTable()
    outsider = subprocess.Popen(["sleep", "60"])  # not the table's: it must survive
    try:
        table.start("parent", PARENT, tmp_path / "parent.log", os.environ)
        children = _wait_for_children(table.started["parent"].pid, 2)
        assert len(children) == 2

        pid, orphans = table.kill("parent")

        assert sorted(orphans) == sorted(children)
        assert set(orphans) <= set(table.alive())
        assert pid not in table.alive()

        assert table.stop_all(timeout=5) == []  # sleep ends on SIGTERM: nothing needed a SIGKILL
        assert table.alive() == []
        assert outsider.poll() is None
    finally:
        outsider.kill()
        outsider.wait()
        table.stop_all(timeout=1)


def test_kill_pids_kills_only_recorded_processes(tmp_path: Path) -> None:
    table = ProcessTable()
    outsider = subprocess.Popen(["sleep", "60"])
    try:
        table.start("parent", PARENT, tmp_path / "parent.log", os.environ)
        children = _wait_for_children(table.started["parent"].pid, 2)

        table.kill_pids([children[0], outsider.pid])

        assert outsider.poll() is None
        deadline = time.monotonic() + 10
        while children[0] in table.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert children[0] not in table.alive()
        assert children[1] in table.alive()
    finally:
        outsider.kill()
        outsider.wait()
        table.stop_all(timeout=1)
