"""A store's daily sales, each order's part of them and its orders sync cursor
(``daily_sales``, ``order_sales``, ``order_versions``, ``sales_cursors``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, delete, select, update

from adapters.storage import models
from adapters.storage.bulk import chunks, insert_rows, where_in
from adapters.storage.session import ScopedRepository
from pricing_core.sales import DailySales, OrderSale, order_delta


class SqlSales(ScopedRepository):
    """``SalesRepository``."""

    def replace_from(self, since: date, days: Sequence[DailySales], orders: Sequence[OrderSale] = ()) -> None:
        self._uow.require_store(self._store_id)
        t, o = models.daily_sales, models.order_sales
        self._uow.conn.execute(delete(t).where(t.c.store_id == self._store_id, t.c.day >= since))
        self._uow.conn.execute(delete(o).where(o.c.store_id == self._store_id, o.c.day >= since))
        batch = [
            {"store_id": self._store_id, "product_id": d.product_id, "day": d.day, "units": d.units,
             "revenue": d.revenue}
            for d in days
            if d.day >= since
        ]
        if batch:
            insert_rows(self._uow.conn, t, batch)
        parts = [self._part_row(p) for p in orders if p.day >= since]
        if parts:
            insert_rows(self._uow.conn, o, parts)

    def _part_row(self, part: OrderSale) -> dict[str, Any]:
        return {"store_id": self._store_id, "order_id": part.order_id, "product_id": part.product_id,
                "day": part.day, "units": part.units, "revenue": part.revenue}

    def record_order(self, order_id: str, parts: Sequence[OrderSale], *, as_of: datetime | None = None) -> bool:
        self._uow.require_store(self._store_id)
        conn, v = self._uow.conn, models.order_versions
        seen_query = select(v.c.seen_at).where(v.c.store_id == self._store_id, v.c.order_id == order_id)
        if self._uow.dialect == "postgresql":
            # Two deliveries of one order in parallel: the second waits here for the first's commit.
            seen_query = seen_query.with_for_update()
        seen = conn.execute(seen_query).scalar()
        if as_of is not None and isinstance(seen, datetime) and as_of < seen:
            return False
        before = self.order_parts(order_id)
        t, o = models.daily_sales, models.order_sales
        for (product_id, day), (units, revenue) in order_delta(before, parts).items():
            key = (t.c.store_id == self._store_id, t.c.product_id == product_id, t.c.day == day)
            old = conn.execute(select(t.c.units, t.c.revenue).where(*key)).first()
            total_units = units + (old.units if old else 0)
            if total_units <= 0:
                conn.execute(delete(t).where(*key))
            elif old is None:
                insert_rows(conn, t, [{"store_id": self._store_id, "product_id": product_id, "day": day,
                                       "units": total_units, "revenue": revenue}])
            else:
                conn.execute(update(t).where(*key).values(units=total_units, revenue=old.revenue + revenue))
        conn.execute(delete(o).where(o.c.store_id == self._store_id, o.c.order_id == order_id))
        if parts:
            insert_rows(conn, o, [self._part_row(p) for p in parts])
        if as_of is not None:
            if seen is None:
                insert_rows(conn, v, [{"store_id": self._store_id, "order_id": order_id, "seen_at": as_of}])
            else:
                conn.execute(update(v).where(v.c.store_id == self._store_id, v.c.order_id == order_id)
                             .values(seen_at=as_of))
        return True

    def order_parts(self, order_id: str) -> list[OrderSale]:
        o = models.order_sales
        query = select(o).where(o.c.store_id == self._store_id, o.c.order_id == str(order_id))
        return [
            OrderSale(order_id=r["order_id"], product_id=r["product_id"], day=r["day"], units=r["units"],
                      revenue=r["revenue"])
            for r in self._uow.conn.execute(query.order_by(o.c.product_id, o.c.day)).mappings()
        ]

    def history(self, *, since: date | None = None, product_ids: Sequence[str] | None = None) -> list[DailySales]:
        t = models.daily_sales
        query = select(t).where(t.c.store_id == self._store_id)
        if since is not None:
            query = query.where(t.c.day >= since)
        if product_ids is not None:
            found: list[DailySales] = []
            for part in chunks([str(p) for p in product_ids], self._uow.dialect):
                found += self._read(query.where(where_in(self._uow.dialect, t.c.product_id, part)))
            return sorted(found, key=lambda d: (d.day, d.product_id))
        return self._read(query.order_by(t.c.day, t.c.product_id))

    def _read(self, query: Select[Any]) -> list[DailySales]:
        return [
            DailySales(product_id=r["product_id"], day=r["day"], units=r["units"], revenue=r["revenue"])
            for r in self._uow.conn.execute(query).mappings()
        ]

    def resume_from(self) -> date | None:
        t = models.sales_cursors
        value = self._uow.conn.execute(select(t.c.resume_from).where(t.c.store_id == self._store_id)).scalar()
        return value if isinstance(value, date) else None

    def set_resume_from(self, day: date) -> None:
        self._uow.require_store(self._store_id)
        t = models.sales_cursors
        changed = self._uow.conn.execute(update(t).where(t.c.store_id == self._store_id).values(resume_from=day))
        if changed.rowcount == 0:
            insert_rows(self._uow.conn, t, [{"store_id": self._store_id, "resume_from": day}])


__all__ = ["SqlSales"]
