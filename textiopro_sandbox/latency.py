"""The server's time per request: spent holding no lock, with a count of the requests spending it at once."""

from __future__ import annotations

import threading
import time


class Latency:
    """Make requests take the server's time, and count how many overlap.

    :param stopping: set when the sandbox stops; cuts every wait short.
    """

    def __init__(self, stopping: threading.Event) -> None:
        self._stopping = stopping
        self._lock = threading.Lock()
        self._in_progress = 0
        self._peak = 0

    def spend(self, started: float, seconds: float) -> None:
        """Wait until ``seconds`` after ``started`` (``time.monotonic()``); hold no lock meanwhile."""
        remaining = started + seconds - time.monotonic()
        if remaining <= 0:
            return
        with self._lock:
            self._in_progress += 1
            self._peak = max(self._peak, self._in_progress)
        try:
            self._stopping.wait(remaining)
        finally:
            with self._lock:
                self._in_progress -= 1

    def overlap(self) -> dict[str, int]:
        """Return ``in_progress`` (requests spending their latency now) and ``peak`` (the most at once)."""
        with self._lock:
            return {"in_progress": self._in_progress, "peak": self._peak}

    def clear(self) -> None:
        """Forget the peak (requests still waiting keep counting)."""
        with self._lock:
            self._peak = self._in_progress
