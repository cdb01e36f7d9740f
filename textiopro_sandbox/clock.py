"""The sandbox's clock: wall time plus an offset that tests can advance."""

from __future__ import annotations

import threading
import time


class Clock:
    """Return the current time in epoch seconds, shifted by :meth:`advance`."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the sandbox's current time (epoch seconds)."""
        return time.time() + self._offset

    @property
    def offset(self) -> float:
        """Seconds added to the wall clock so far."""
        return self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` and return the total offset."""
        if seconds < 0:
            raise ValueError("The sandbox clock only moves forward.")
        with self._lock:
            self._offset += seconds
            return self._offset

    def reset(self) -> None:
        """Go back to the wall clock."""
        with self._lock:
            self._offset = 0.0
