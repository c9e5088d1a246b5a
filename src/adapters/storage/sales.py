"""A store's daily sales and its orders sync cursor (``daily_sales``, ``sales_cursors``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, delete, select, update

from adapters.storage import models
from adapters.storage.bulk import chunks, insert_rows, where_in
from adapters.storage.session import ScopedRepository
from pricing_core.sales import DailySales


class SqlSales(ScopedRepository):
    """``SalesRepository``."""

    def replace_from(self, since: date, days: Sequence[DailySales]) -> None:
        self._uow.require_store(self._store_id)
        t = models.daily_sales
        self._uow.conn.execute(delete(t).where(t.c.store_id == self._store_id, t.c.day >= since))
        batch = [
            {"store_id": self._store_id, "product_id": d.product_id, "day": d.day, "units": d.units,
             "revenue": d.revenue}
            for d in days
            if d.day >= since
        ]
        if batch:
            insert_rows(self._uow.conn, t, batch)

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
