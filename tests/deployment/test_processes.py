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


def test_kill_tree_kills_a_process_and_everything_below_it_and_nothing_else(tmp_path: Path) -> None:
    table = ProcessTable()
    outsider = subprocess.Popen(["sleep", "60"])
    try:
        table.start("parent", PARENT, tmp_path / "parent.log", os.environ)
        parent = table.started["parent"].pid
        children = _wait_for_children(parent, 2)

        killed = table.kill_tree("parent")

        assert sorted(killed) == sorted([parent, *children])
        deadline = time.monotonic() + 10
        while table.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert table.alive() == []
        assert "parent" not in table.started
        assert outsider.poll() is None
    finally:
        outsider.kill()
        outsider.wait()
        table.stop_all(timeout=1)


def test_freeze_stops_a_whole_tree_until_thawed(tmp_path: Path) -> None:
    table = ProcessTable()
    try:
        table.start("parent", PARENT, tmp_path / "parent.log", os.environ)
        parent = table.started["parent"].pid
        children = _wait_for_children(parent, 2)

        frozen = table.freeze("parent")

        assert sorted(frozen) == sorted([parent, *children])
        assert _states_become(frozen, {"T"})
        table.thaw("parent")
        assert _states_become(frozen, {"S"})
    finally:
        table.stop_all(timeout=1)


def _states_become(pids: list[int], states: set[str]) -> bool:
    """Wait up to 10 s for the processes' states (``T`` stopped, ``S`` sleeping) to be ``states``."""
    deadline = time.monotonic() + 10
    while {_state(pid) for pid in pids} != states:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _state(pid: int) -> str:
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2]
