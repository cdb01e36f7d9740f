"""Start, kill and finally stop the deployment test's processes, and only those, by their ids.

Every command starts in a session of its own, and every process seen in one of those sessions or
below a process already known is recorded with its start time (``/proc``). A SIGKILL leaves
orphans (executor workers, a triggerer's runner, task processes) that are reparented away from
the killed process: they stay recorded, so :meth:`ProcessTable.stop_all` still finds them, and
never a process that merely reused one of their ids.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

PROC = Path("/proc")


def _stat(pid: int) -> tuple[int, int, int] | None:
    """Return ``(parent pid, session id, start time)`` of a live process, or None when it is gone."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: read after its end.
    fields = raw[raw.rindex(")") + 2 :].split()
    if fields[0] == "Z":  # a zombie: exited, waiting for its parent to reap it
        return None
    return int(fields[1]), int(fields[3]), int(fields[19])


def _all_pids() -> list[int]:
    return [int(entry.name) for entry in PROC.iterdir() if entry.name.isdigit()]


def descendants(pid: int) -> list[int]:
    """Return the live processes below ``pid``, children first."""
    children: dict[int, list[int]] = {}
    for other in _all_pids():
        stat = _stat(other)
        if stat is not None:
            children.setdefault(stat[0], []).append(other)
    found, queue = [], list(children.get(pid, []))
    while queue:
        child = queue.pop(0)
        found.append(child)
        queue.extend(children.get(child, []))
    return found


class ProcessTable:
    """The processes the deployment test started, and every process they started in turn."""

    def __init__(self) -> None:
        self.started: dict[str, subprocess.Popen[bytes]] = {}
        self._order: list[str] = []
        self._sessions: set[int] = set()
        self._known: dict[int, int] = {}  # pid -> start time

    def start(
        self, name: str, argv: Sequence[str], log: Path, env: Mapping[str, str]
    ) -> subprocess.Popen[bytes]:
        """Start ``argv`` in a new session, its output appended to ``log``."""
        with log.open("ab") as out:
            popen = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=dict(env),
                start_new_session=True,
            )
        self.started[name] = popen
        self._order.append(name)
        self._sessions.add(popen.pid)
        self.record()
        return popen

    def record(self) -> None:
        """Record every live process in one of our sessions or below a process already recorded."""
        stats = {pid: stat for pid in _all_pids() if (stat := _stat(pid)) is not None}
        changed = True
        while changed:
            changed = False
            for pid, (parent, session, started) in stats.items():
                if pid in self._known:
                    continue
                if session in self._sessions or self._is_known(parent, stats):
                    self._known[pid] = started
                    changed = True

    def _is_known(self, pid: int, stats: Mapping[int, tuple[int, int, int]]) -> bool:
        return pid in self._known and pid in stats and stats[pid][2] == self._known[pid]

    def alive(self) -> list[int]:
        """Return the recorded processes that still run (same id and start time)."""
        return [pid for pid, started in self._known.items() if (stat := _stat(pid)) and stat[2] == started]

    def kill(self, name: str) -> tuple[int, list[int]]:
        """SIGKILL the main process of ``name`` only, as a crash would; return its pid and its orphans."""
        self.record()
        popen = self.started.pop(name)
        children = descendants(popen.pid)
        popen.kill()
        popen.wait()
        return popen.pid, [pid for pid in children if pid in self.alive()]

    def kill_pids(self, pids: Sequence[int]) -> None:
        """SIGKILL those of ``pids`` that the table recorded and that still run."""
        self.signal_pids(pids, signal.SIGKILL)

    def signal_pids(self, pids: Sequence[int], sig: signal.Signals) -> None:
        """Send ``sig`` to those of ``pids`` that the table recorded and that still run."""
        self.record()
        alive = set(self.alive())
        for pid in pids:
            if pid in alive:
                _send(pid, sig)

    def tree(self, name: str) -> list[int]:
        """Return the main process of ``name`` and the live processes below it, parents first."""
        self.record()
        pid = self.started[name].pid
        return [pid, *descendants(pid)]

    def freeze(self, name: str) -> list[int]:
        """SIGSTOP the whole tree of ``name``, as a machine that stops dead would; return its pids.

        Stopped from the top down, and again until no new child appears, so that no process of
        the tree runs on once this returns (:meth:`thaw` lets it go on, :meth:`kill_tree` ends it).
        """
        stopped: list[int] = []
        while new := [pid for pid in self.tree(name) if pid not in stopped]:
            self.signal_pids(new, signal.SIGSTOP)
            stopped += new
        return stopped

    def thaw(self, name: str) -> None:
        """SIGCONT the whole tree of ``name`` (after :meth:`freeze`)."""
        self.signal_pids(self.tree(name), signal.SIGCONT)

    def kill_tree(self, name: str) -> list[int]:
        """SIGKILL ``name``'s main process and every process below it, as when its machine is lost.

        Frozen first, so that no process of the tree starts another meanwhile; return the pids killed.
        """
        pids = self.freeze(name)
        self.signal_pids(pids, signal.SIGKILL)
        popen = self.started.pop(name)
        popen.wait()
        return pids

    def stop_all(self, timeout: float = 15.0, last: Sequence[str] = ()) -> list[int]:
        """Stop every recorded process that still runs, the trees of ``last`` after the others.

        SIGTERM, then SIGKILL for those still running after ``timeout``; return the pids it had to SIGKILL.
        """
        self.record()
        later = {
            pid
            for name in last
            if name in self.started
            for pid in (self.started[name].pid, *descendants(self.started[name].pid))
        }
        killed = self._terminate([pid for pid in self.alive() if pid not in later], timeout)
        killed += self._terminate(sorted(later), timeout)
        for popen in self.started.values():
            popen.wait()
        self.started.clear()
        return killed

    def _terminate(self, pids: Sequence[int], timeout: float) -> list[int]:
        """SIGTERM the recorded ``pids`` that still run, wait, SIGKILL those left; return those."""
        known = set(self.alive())
        targets = [pid for pid in pids if pid in known]
        for pid in targets:
            _send(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (left := set(self.alive()) & set(targets)):
            self._reap()
            time.sleep(0.2)
        left = sorted(set(self.alive()) & set(targets))
        for pid in left:
            _send(pid, signal.SIGKILL)
        self._reap()
        return left

    def _reap(self) -> None:
        for popen in self.started.values():
            popen.poll()


def _send(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
