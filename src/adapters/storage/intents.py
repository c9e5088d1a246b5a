"""``IntentRepository`` over SQLAlchemy Core: the ``work_intents`` table, one row per key.

Like the other unscoped repositories, a store-bound unit of work sees only its store's rows (this
filter, and row-level security on PostgreSQL); the scheduler's ticks (no store) only an unscoped one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.storage import models, rows
from adapters.storage.session import StorageSession
from pricing_core.intents import Intent, IntentStatus, command_from

_T = models.work_intents


class SqlIntents:
    """``IntentRepository``."""

    def __init__(self, uow: StorageSession) -> None:
        self._uow = uow

    def _visible(self, query: Any) -> Any:
        bound = self._uow.bound_store
        return query if bound is None else query.where(_T.c.store_id == bound)

    def record(self, intent: Intent) -> None:
        bound = self._uow.bound_store
        if bound is not None and intent.store_id != bound:
            raise ValueError(f"a unit of work bound to store {bound} cannot record work for store {intent.store_id}")
        values = {
            "key": intent.key, "store_id": intent.store_id, "command": intent.kind,
            "payload": intent.command.as_message(), "status": intent.status.value, "created_at": intent.created_at,
            "dispatched_at": intent.dispatched_at, "taken_at": intent.taken_at, "recoveries": intent.recoveries,
            "error": intent.error,
        }
        dialect = postgresql if self._uow.dialect == "postgresql" else sqlite
        stmt = dialect.insert(_T).values(**values)
        stmt = stmt.on_conflict_do_update(index_elements=[_T.c.key], set_={
            "payload": stmt.excluded.payload,
            "status": IntentStatus.QUEUED.value,
            "dispatched_at": stmt.excluded.dispatched_at,
            "error": None,
            # A given-up intent sent afresh gets a fresh count; a queued one keeps its recoveries.
            "recoveries": case((_T.c.status == IntentStatus.DEAD.value, 0), else_=_T.c.recoveries),
        })
        self._uow.conn.execute(stmt)

    def get(self, key: str) -> Intent | None:
        row = self._uow.conn.execute(self._visible(select(_T).where(_T.c.key == key))).mappings().first()
        return None if row is None else _intent_from(row)

    def _update(self, key: str, **values: Any) -> int:
        stmt = self._visible(update(_T).where(_T.c.key == key)).values(**values)
        count: int = self._uow.conn.execute(stmt).rowcount
        return count

    def taken(self, key: str, at: datetime) -> None:
        self._update(key, taken_at=at)

    def done(self, key: str, *, taken_at: datetime) -> bool:
        stmt = self._visible(delete(_T).where(_T.c.key == key, _T.c.dispatched_at <= taken_at))
        return bool(self._uow.conn.execute(stmt).rowcount)

    def stalled(self, before: datetime, *, limit: int = 1000) -> list[Intent]:
        if limit <= 0:
            return []
        quiet = or_(_T.c.taken_at.is_(None), _T.c.taken_at < before)
        query: Select[Any] = self._visible(
            select(_T).where(and_(_T.c.status == IntentStatus.QUEUED.value, _T.c.dispatched_at < before, quiet))
        ).order_by(_T.c.dispatched_at, rows.by_code_point(_T.c.key, self._uow.dialect)).limit(limit)
        return [_intent_from(r) for r in self._uow.conn.execute(query).mappings()]

    def resent(self, key: str, at: datetime) -> None:
        self._update(key, dispatched_at=at, recoveries=_T.c.recoveries + 1)

    def give_up(self, key: str, reason: str) -> None:
        self._update(key, status=IntentStatus.DEAD.value, error=reason)

    def counts(self) -> dict[IntentStatus, int]:
        query = self._visible(select(_T.c.status, func.count()).group_by(_T.c.status))
        return {IntentStatus(status): int(n) for status, n in self._uow.conn.execute(query)}

    def list(self, *, status: IntentStatus | None = None, limit: int = 50) -> list[Intent]:
        if limit <= 0:
            return []
        query = self._visible(select(_T))
        if status is not None:
            query = query.where(_T.c.status == status.value)
        query = query.order_by(_T.c.dispatched_at.desc(), rows.by_code_point(_T.c.key, self._uow.dialect).desc())
        return [_intent_from(r) for r in self._uow.conn.execute(query.limit(limit)).mappings()]

    def delete_dead_before(self, before: datetime) -> int:
        stmt = self._visible(delete(_T).where(_T.c.status == IntentStatus.DEAD.value, _T.c.dispatched_at < before))
        count: int = self._uow.conn.execute(stmt).rowcount
        return count


def _intent_from(row: Any) -> Intent:
    return Intent(
        key=row["key"], command=command_from(row["command"], row["payload"]), status=IntentStatus(row["status"]),
        created_at=row["created_at"], dispatched_at=row["dispatched_at"], taken_at=row["taken_at"],
        recoveries=int(row["recoveries"]), error=row["error"],
    )


__all__ = ["SqlIntents"]
