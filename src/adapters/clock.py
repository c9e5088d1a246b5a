"""The real clock."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """``Clock`` port over the system time, always UTC-aware."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)
