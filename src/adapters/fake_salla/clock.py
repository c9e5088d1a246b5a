"""Time inside the fake Salla: a clock that can run faster than the wall clock, and Salla's time zone."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone

RIYADH = timezone(timedelta(hours=3))
"""Salla's time zone (KSA has no daylight saving time): dates in its answers and events are Riyadh's."""


def riyadh_stamp(when: datetime) -> str:
    """Salla's date-time text, in Riyadh time: ``2025-12-14 11:41:40``."""
    return when.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M:%S")


class ScaledClock:
    """``Clock`` port whose time runs ``scale`` times faster than the wall clock.

    Rate-limit benchmarks scale it so a minute of Salla time passes in a few seconds; the
    scale can change while running and time stays continuous.
    """

    def __init__(self, scale: float = 1.0, *, start: datetime | None = None) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self._lock = threading.Lock()
        self._base = start or datetime.now(UTC)
        self._mono = time.monotonic()
        self._scale = scale

    @property
    def scale(self) -> float:
        """How many fake seconds pass per wall-clock second."""
        with self._lock:
            return self._scale

    def now(self) -> datetime:
        """The fake current time (UTC)."""
        with self._lock:
            return self._base + timedelta(seconds=(time.monotonic() - self._mono) * self._scale)

    def advance(self, delta: timedelta) -> datetime:
        """Jump forward by ``delta`` (fast-forward); returns the new time."""
        with self._lock:
            self._base += delta
            return self._base + timedelta(seconds=(time.monotonic() - self._mono) * self._scale)

    def set_scale(self, scale: float) -> None:
        """Change the speed from now on, keeping the current time."""
        if scale <= 0:
            raise ValueError("scale must be positive")
        with self._lock:
            mono = time.monotonic()
            self._base += timedelta(seconds=(mono - self._mono) * self._scale)
            self._mono = mono
            self._scale = scale
