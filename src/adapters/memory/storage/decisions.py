"""A store's pricing decisions and their status changes, in memory."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from datetime import datetime

import attrs

from adapters.memory.storage.session import MemorySession
from adapters.memory.storage.state import State, require_store
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.ports import checked_expected


class MemoryDecisions:
    """``DecisionRepository`` in memory: inserts skip known idempotency keys."""

    def __init__(self, uow: MemorySession, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def _mine(self) -> dict[str, DecisionRecord]:
        return self._uow.read().decisions.get(self._store_id, {})

    def add_many(self, records: Sequence[DecisionRecord]) -> int:
        if not records:
            return 0
        require_store(self._uow.read(), self._store_id)
        for record in records:
            if record.store_id != self._store_id:
                raise ValueError(f"decision {record.id} belongs to store {record.store_id}, not {self._store_id}")
        batch = list(records)

        def op(state: State) -> int:
            mine = state.decisions.setdefault(self._store_id, {})
            keys = {r.idempotency_key for r in mine.values()}
            inserted = 0
            for record in batch:
                if record.idempotency_key in keys or record.id in mine:
                    continue
                mine[record.id] = record
                keys.add(record.idempotency_key)
                inserted += 1
            return inserted

        inserted: int = self._uow.write(op)
        return inserted

    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        stored = {r.idempotency_key for r in self._mine().values()}
        return stored.intersection(keys)

    def get(self, decision_id: str) -> DecisionRecord | None:
        return self._mine().get(decision_id)

    def list(
        self,
        *,
        status: DecisionStatus | None = None,
        product_id: str | None = None,
        run_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[DecisionRecord]:
        rows = [
            r
            for r in self._mine().values()
            if (status is None or r.status is status)
            and (product_id is None or r.decision.product_id == str(product_id))
            and (run_id is None or r.run_id == run_id)
        ]
        rows.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        return rows[offset : offset + limit]

    def count(self, *, status: DecisionStatus | None = None) -> int:
        return sum(1 for r in self._mine().values() if status is None or r.status is status)

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
        ids = list(decision_ids)
        allowed = checked_expected(status, expected)

        def op(state: State) -> None:
            mine = state.decisions.get(self._store_id, {})
            for decision_id in ids:
                current = mine.get(decision_id)
                if current is None or current.status not in allowed:
                    continue
                mine[decision_id] = attrs.evolve(
                    current,
                    status=status,
                    updated_at=at,
                    decided_by=by if by is not None else current.decided_by,
                    error=error,
                )

        self._uow.write(op)


__all__ = ["MemoryDecisions"]
