"""Storage of the activity log (one store's entries, or the system-wide ones)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from pricing_core.activity import ActivityEntry, ActivityType


class ActivityRepository(Protocol):
    """Activity log entries of one store, or system-wide entries when unscoped."""

    def log(
        self,
        activity_type: ActivityType,
        description: str,
        *,
        at: datetime,
        metadata: Mapping[str, object] | None = None,
    ) -> None:
        """Append one entry."""
        ...

    def list(self, *, activity_type: ActivityType | None = None, limit: int = 50) -> list[ActivityEntry]:
        """Entries, newest first. Unscoped: every store's entries and system-wide ones."""
        ...


__all__ = [
    "ActivityRepository",
]
