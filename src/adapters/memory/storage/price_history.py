"""A store's price changes per product, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.memory.storage.session import MemorySession
from adapters.memory.storage.state import State, require_store
from pricing_core.catalog import PricePoint


class MemoryPriceHistory:
    """``PriceHistoryRepository`` in memory."""

    def __init__(self, uow: MemorySession, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def add_many(self, points: Sequence[PricePoint]) -> None:
        rows = [(self._uow.seq(), self._store_id, p) for p in points]
        if not rows:
            return
        require_store(self._uow.read(), self._store_id)

        def op(state: State) -> None:
            state.price_history.extend(rows)

        self._uow.write(op)

    def _mine(self) -> list[tuple[int, PricePoint]]:
        return [(seq, p) for seq, sid, p in self._uow.read().price_history if sid == self._store_id]

    def for_product(self, product_id: str, *, limit: int = 50) -> list[PricePoint]:
        rows = [(p.changed_at, seq, p) for seq, p in self._mine() if p.product_id == str(product_id)]
        rows.sort(key=lambda r: (r[0], r[1]), reverse=True)
        return [p for _, _, p in rows[:limit]]

    def latest(self, product_ids: Sequence[str]) -> dict[str, PricePoint]:
        wanted = {str(p) for p in product_ids}
        best: dict[str, tuple[datetime, int, PricePoint]] = {}
        for seq, p in self._mine():
            if p.product_id not in wanted:
                continue
            if p.product_id not in best or (p.changed_at, seq) > best[p.product_id][:2]:
                best[p.product_id] = (p.changed_at, seq, p)
        return {pid: row[2] for pid, row in best.items()}

    def since(self, product_ids: Sequence[str], when: datetime) -> list[PricePoint]:
        wanted = {str(p) for p in product_ids}
        mine = [(p.changed_at, seq, p) for seq, p in self._mine() if p.product_id in wanted]
        before: dict[str, tuple[datetime, int, PricePoint]] = {}
        for row in mine:
            if row[0] < when and (row[2].product_id not in before or row[:2] > before[row[2].product_id][:2]):
                before[row[2].product_id] = row
        kept = [row for row in mine if row[0] >= when] + list(before.values())
        kept.sort(key=lambda r: (r[0], r[1]))
        return [p for _, _, p in kept]


__all__ = ["MemoryPriceHistory"]
