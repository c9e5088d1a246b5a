"""The activity log of one store or of the whole system, in memory."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import datetime

from adapters.jsonable import jsonable
from adapters.memory.storage.session import MemorySession
from adapters.memory.storage.state import State, require_store
from pricing_core.activity import ActivityEntry, ActivityType


class MemoryActivity:
    """Scoped to one store, or (``store_id`` None) the system-wide log that lists everything."""

    def __init__(self, uow: MemorySession, store_id: str | None) -> None:
        self._uow, self._store_id = uow, store_id

    def log(
        self,
        activity_type: ActivityType,
        description: str,
        *,
        at: datetime,
        metadata: Mapping[str, object] | None = None,
    ) -> None:
        if self._store_id is not None:
            require_store(self._uow.read(), self._store_id)
        entry = ActivityEntry(
            activity_type=ActivityType(activity_type),
            description=description,
            created_at=at,
            store_id=self._store_id,
            metadata=jsonable(metadata),
            id=str(self._uow.seq()),
        )

        def op(state: State) -> None:
            state.activity.append(entry)

        self._uow.write(op)

    def list(self, *, activity_type: ActivityType | None = None, limit: int = 50) -> builtins.list[ActivityEntry]:
        visible = self._store_id or self._uow.bound_store
        rows = [
            e
            for e in self._uow.read().activity
            if (visible is None or e.store_id == visible)
            and (activity_type is None or e.activity_type is activity_type)
        ]
        rows.sort(key=lambda e: (e.created_at, int(e.id or 0)), reverse=True)
        return rows[:limit]


__all__ = ["MemoryActivity"]
