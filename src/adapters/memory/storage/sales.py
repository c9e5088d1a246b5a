"""A store's daily sales, each order's part of them, and its orders sync cursor, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from adapters.memory.storage.session import MemorySession
from adapters.memory.storage.state import State, require_store
from pricing_core.sales import DailySales, OrderSale, order_delta


class MemorySales:
    """``SalesRepository`` in memory: daily sales per product, per-order parts, the orders sync cursor."""

    def __init__(self, uow: MemorySession, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def replace_from(self, since: date, days: Sequence[DailySales], orders: Sequence[OrderSale] = ()) -> None:
        require_store(self._uow.read(), self._store_id)
        kept = [d for d in days if d.day >= since]
        parts: dict[str, list[OrderSale]] = {}
        for part in orders:
            if part.day >= since:
                parts.setdefault(part.order_id, []).append(part)

        def op(state: State) -> None:
            mine = {k: v for k, v in state.sales.get(self._store_id, {}).items() if k[1] < since}
            mine.update({(d.product_id, d.day): d for d in kept})
            state.sales[self._store_id] = mine
            by_order: dict[str, tuple[OrderSale, ...]] = {}
            for order_id, old in state.order_sales.get(self._store_id, {}).items():
                earlier = tuple(p for p in old if p.day < since)
                if earlier:
                    by_order[order_id] = earlier
            for order_id, new in parts.items():
                by_order[order_id] = by_order.get(order_id, ()) + tuple(new)
            state.order_sales[self._store_id] = by_order

        self._uow.write(op)

    def record_order(self, order_id: str, parts: Sequence[OrderSale], *, as_of: datetime | None = None) -> bool:
        state = self._uow.read()
        require_store(state, self._store_id)
        if _stale(state, self._store_id, order_id, as_of):
            return False
        new = tuple(parts)

        # Computed from the state the op is applied to (this copy now, the committed state on commit).
        def op(state: State) -> None:
            sid = self._store_id
            if _stale(state, sid, order_id, as_of):
                return
            days = dict(state.sales.get(sid, {}))
            for (product_id, day), (units, revenue) in order_delta(state.order_sales.get(sid, {}).get(order_id, ()),
                                                                   new).items():
                old = days.get((product_id, day))
                total_units = units + (old.units if old else 0)
                if total_units <= 0:
                    days.pop((product_id, day), None)
                else:
                    days[(product_id, day)] = DailySales(product_id=product_id, day=day, units=total_units,
                                                         revenue=revenue + (old.revenue if old else 0))
            state.sales[sid] = days
            orders = dict(state.order_sales.get(sid, {}))
            if new:
                orders[order_id] = new
            else:
                orders.pop(order_id, None)
            state.order_sales[sid] = orders
            if as_of is not None:
                state.order_seen[sid] = {**state.order_seen.get(sid, {}), order_id: as_of}

        self._uow.write(op)
        return True

    def order_parts(self, order_id: str) -> list[OrderSale]:
        found = self._uow.read().order_sales.get(self._store_id, {}).get(str(order_id), ())
        return sorted(found, key=lambda p: (p.product_id, p.day))

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


def _stale(state: State, store_id: str, order_id: str, as_of: datetime | None) -> bool:
    """True when a later Salla time of the order was recorded than ``as_of``."""
    seen = state.order_seen.get(store_id, {}).get(order_id)
    return as_of is not None and seen is not None and as_of < seen


__all__ = ["MemorySales"]
