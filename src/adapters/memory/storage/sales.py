"""A store's daily sales and its orders sync cursor, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from adapters.memory.storage.session import MemorySession
from adapters.memory.storage.state import State, require_store
from pricing_core.sales import DailySales


class MemorySales:
    """``SalesRepository`` in memory: daily sales per product and the orders sync cursor."""

    def __init__(self, uow: MemorySession, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def replace_from(self, since: date, days: Sequence[DailySales]) -> None:
        require_store(self._uow.read(), self._store_id)
        kept = [d for d in days if d.day >= since]

        def op(state: State) -> None:
            mine = {k: v for k, v in state.sales.get(self._store_id, {}).items() if k[1] < since}
            mine.update({(d.product_id, d.day): d for d in kept})
            state.sales[self._store_id] = mine

        self._uow.write(op)

    def history(self, *, since: date | None = None, product_ids: Sequence[str] | None = None) -> list[DailySales]:
        wanted = None if product_ids is None else {str(p) for p in product_ids}
        rows = [
            d for d in self._uow.read().sales.get(self._store_id, {}).values()
            if (since is None or d.day >= since) and (wanted is None or d.product_id in wanted)
        ]
        return sorted(rows, key=lambda d: (d.day, d.product_id))

    def resume_from(self) -> date | None:
        return self._uow.read().sales_resume.get(self._store_id)

    def set_resume_from(self, day: date) -> None:
        require_store(self._uow.read(), self._store_id)

        def op(state: State) -> None:
            state.sales_resume[self._store_id] = day

        self._uow.write(op)


__all__ = ["MemorySales"]
