"""A store's pricing decisions and their status changes (``pricing_decisions``)."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, func, select, update

from adapters.storage import models, rows
from adapters.storage.bulk import chunks, insert_rows, where_in
from adapters.storage.session import ScopedRepository
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.ports import checked_expected


class SqlDecisions(ScopedRepository):
    """``DecisionRepository``: inserts skip known idempotency keys in the same single statement."""

    def add_many(self, records: Sequence[DecisionRecord]) -> int:
        if not records:
            return 0
        for record in records:
            if record.store_id != self._store_id:
                raise ValueError(f"decision {record.id} belongs to store {record.store_id}, not {self._store_id}")
        self._uow.require_store(self._store_id)
        return insert_rows(
            self._uow.conn, models.pricing_decisions, [rows.decision_row(r) for r in records], conflict="nothing"
        )

    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        t = models.pricing_decisions
        found: set[str] = set()
        for part in chunks(list(keys), self._uow.dialect):
            query = select(t.c.idempotency_key).where(
                t.c.store_id == self._store_id, where_in(self._uow.dialect, t.c.idempotency_key, part)
            )
            found.update(self._uow.conn.execute(query).scalars())
        return found

    def get(self, decision_id: str) -> DecisionRecord | None:
        t = models.pricing_decisions
        query = select(t).where(t.c.store_id == self._store_id, t.c.id == decision_id)
        row = self._uow.conn.execute(query).mappings().first()
        return None if row is None else rows.decision_from(row)

    def list(
        self,
        *,
        status: DecisionStatus | None = None,
        product_id: str | None = None,
        run_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[DecisionRecord]:
        t = models.pricing_decisions
        conditions = [t.c.store_id == self._store_id]
        if status is not None:
            conditions.append(t.c.status == status.value)
        if product_id is not None:
            conditions.append(t.c.product_id == str(product_id))
        if run_id is not None:
            conditions.append(t.c.run_id == run_id)
        query = (
            select(t)
            .where(and_(*conditions))
            .order_by(t.c.created_at.desc(), rows.by_code_point(t.c.id, self._uow.dialect).desc())
            .limit(limit)
            .offset(offset)
        )
        return [rows.decision_from(r) for r in self._uow.conn.execute(query).mappings()]

    def count(self, *, status: DecisionStatus | None = None) -> int:
        t = models.pricing_decisions
        query = select(func.count()).select_from(t).where(t.c.store_id == self._store_id)
        if status is not None:
            query = query.where(t.c.status == status.value)
        return int(self._uow.conn.execute(query).scalar_one())

    def set_status(
        self,
        decision_ids: Sequence[str],
        status: DecisionStatus,
        *,
        at: datetime,
        by: str | None = None,
        error: str | None = None,
        expected: Collection[DecisionStatus] | None = None,
    ) -> None:
        t = models.pricing_decisions
        allowed = checked_expected(status, expected)
        values: dict[str, object] = {"status": status.value, "updated_at": at, "error": error}
        if by is not None:
            values["decided_by"] = by
        for part in chunks(list(decision_ids), self._uow.dialect):
            if part:
                statement = update(t).where(t.c.store_id == self._store_id, where_in(self._uow.dialect, t.c.id, part))
                statement = statement.where(t.c.status.in_(sorted(s.value for s in allowed)))
                self._uow.conn.execute(statement.values(**values))


__all__ = ["SqlDecisions"]
