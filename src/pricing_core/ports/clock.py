"""Where time and new ids come from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Where ``now`` comes from. Use cases never call ``datetime.now`` themselves."""

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


# Makes a new unique id, for records the core creates.
IdFactory = Callable[[], str]


__all__ = [
    "Clock",
    "IdFactory",
]
