"""A store's price changes per product (``price_history``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from adapters.storage import models, rows
from adapters.storage.bulk import chunks, insert_rows, where_in
from adapters.storage.session import ScopedRepository
from pricing_core.catalog import PricePoint


class SqlPriceHistory(ScopedRepository):
    """``PriceHistoryRepository``."""

    def add_many(self, points: Sequence[PricePoint]) -> None:
        if not points:
            return
        self._uow.require_store(self._store_id)
        batch = [
            {
                "store_id": self._store_id,
                "product_id": p.product_id,
                "price": p.price,
                "changed_at": p.changed_at,
                "source": p.source,
            }
            for p in points
        ]
        insert_rows(self._uow.conn, models.price_history, batch)

    def for_product(self, product_id: str, *, limit: int = 50) -> list[PricePoint]:
        t = models.price_history
        query = (
            select(t)
            .where(t.c.store_id == self._store_id, t.c.product_id == str(product_id))
            .order_by(t.c.changed_at.desc(), t.c.id.desc())
            .limit(limit)
        )
        return [rows.price_point_from(r) for r in self._uow.conn.execute(query).mappings()]

    def latest(self, product_ids: Sequence[str]) -> dict[str, PricePoint]:
        t = models.price_history
        dialect = self._uow.dialect
        result: dict[str, PricePoint] = {}
        for part in chunks([str(p) for p in product_ids], dialect):
            rank = func.row_number().over(partition_by=t.c.product_id, order_by=(t.c.changed_at.desc(), t.c.id.desc()))
            ranked = (
                select(t, rank.label("rank"))
                .where(t.c.store_id == self._store_id, where_in(dialect, t.c.product_id, part))
                .subquery()
            )
            for row in self._uow.conn.execute(select(ranked).where(ranked.c.rank == 1)).mappings():
                result[row["product_id"]] = rows.price_point_from(row)
        return result

    def since(self, product_ids: Sequence[str], when: datetime) -> list[PricePoint]:
        t = models.price_history
        dialect = self._uow.dialect
        found: list[tuple[datetime, int, PricePoint]] = []
        for part in chunks([str(p) for p in product_ids], dialect):
            mine = (t.c.store_id == self._store_id, where_in(dialect, t.c.product_id, part))
            recent = select(t).where(*mine, t.c.changed_at >= when)
            rank = func.row_number().over(partition_by=t.c.product_id, order_by=(t.c.changed_at.desc(), t.c.id.desc()))
            earlier = select(t, rank.label("rank")).where(*mine, t.c.changed_at < when).subquery()
            for query in (recent, select(earlier).where(earlier.c.rank == 1)):
                for row in self._uow.conn.execute(query).mappings():
                    point = rows.price_point_from(row)
                    found.append((point.changed_at, row["id"], point))
        found.sort(key=lambda r: (r[0], r[1]))
        return [p for _, _, p in found]


__all__ = ["SqlPriceHistory"]
