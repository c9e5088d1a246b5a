"""The activity log of one store or of the whole system (``activity_logs``)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from adapters.jsonable import jsonable
from adapters.storage import models, rows
from adapters.storage.session import StorageSession
from pricing_core.activity import ActivityEntry, ActivityType

_INSERT = models.activity_logs.insert()  # built once; each entry is its parameters


class SqlActivity:
    """``ActivityRepository`` of one store, or (``store_id`` None) the system-wide log.

    The system-wide log lists every entry; on a store-bound unit of work it is still limited to
    that store's rows (and RLS hides the system-wide ones), like every other query there.
    """

    def __init__(self, uow: StorageSession, store_id: str | None) -> None:
        self._uow = uow
        self._store_id = store_id

    def log(
        self,
        activity_type: ActivityType,
        description: str,
        *,
        at: datetime,
        metadata: Mapping[str, object] | None = None,
    ) -> None:
        if self._store_id is not None:
            self._uow.require_store(self._store_id)
        row = {
            "store_id": self._store_id,
            "activity_type": ActivityType(activity_type).value,
            "description": description,
            "metadata": jsonable(metadata),
            "created_at": at,
        }
        self._uow.conn.execute(_INSERT, row)

    def list(self, *, activity_type: ActivityType | None = None, limit: int = 50) -> builtins.list[ActivityEntry]:
        t = models.activity_logs
        query = select(t)
        visible = self._store_id or self._uow.bound_store
        if visible is not None:
            query = query.where(t.c.store_id == visible)
        if activity_type is not None:
            query = query.where(t.c.activity_type == ActivityType(activity_type).value)
        query = query.order_by(t.c.created_at.desc(), t.c.id.desc()).limit(limit)
        return [rows.activity_from(r) for r in self._uow.conn.execute(query).mappings()]


__all__ = ["SqlActivity"]
