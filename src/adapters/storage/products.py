"""A store's catalog as last seen (``products``)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from adapters.storage import models, rows
from adapters.storage.bulk import Upsert, chunks, insert_rows, where_in
from adapters.storage.session import ScopedRepository
from pricing_core.catalog import Product

_PRODUCT_UPDATE = tuple(c.name for c in models.products.c if c.name not in ("store_id", "product_id", "is_tracked"))


class SqlProducts(ScopedRepository):
    """``ProductRepository``: the last-seen catalog, upserted in one statement per call."""

    def upsert_many(self, products: Sequence[Product], *, seen_at: datetime) -> None:
        if not products:
            return
        self._uow.require_store(self._store_id)
        # Last one wins within a batch, as with repeated upserts (ON CONFLICT cannot touch a row twice).
        latest = {p.id: p for p in products}
        batch = [rows.product_row(self._store_id, p, seen_at) for p in latest.values()]
        insert_rows(
            self._uow.conn, models.products, batch, conflict=Upsert(("store_id", "product_id"), _PRODUCT_UPDATE)
        )

    def get(self, product_id: str) -> Product | None:
        return self.get_many([str(product_id)]).get(str(product_id))

    def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]:
        t = models.products
        ids = [str(p) for p in product_ids]
        found: dict[str, Product] = {}
        for part in chunks(ids, self._uow.dialect):
            query = select(t).where(t.c.store_id == self._store_id, where_in(self._uow.dialect, t.c.product_id, part))
            for row in self._uow.conn.execute(query).mappings():
                found[row["product_id"]] = rows.product_from(row)
        return found

    def list(self, *, limit: int = 100, offset: int = 0) -> builtins.list[Product]:
        t = models.products
        query = (
            select(t)
            .where(t.c.store_id == self._store_id)
            .order_by(rows.by_code_point(t.c.product_id, self._uow.dialect))
            .limit(limit)
            .offset(offset)
        )
        return [rows.product_from(r) for r in self._uow.conn.execute(query).mappings()]

    def count(self) -> int:
        t = models.products
        query = select(func.count()).select_from(t).where(t.c.store_id == self._store_id)
        return int(self._uow.conn.execute(query).scalar_one())


    def ids_by_sku(self, skus: Sequence[str]) -> dict[str, builtins.list[str]]:
        t = models.products
        found: dict[str, builtins.list[str]] = {}
        for part in chunks([str(s) for s in skus], self._uow.dialect):
            query = (select(t.c.sku, t.c.product_id)
                     .where(t.c.store_id == self._store_id, where_in(self._uow.dialect, t.c.sku, part))
                     .order_by(t.c.product_id))
            for sku, pid in self._uow.conn.execute(query):
                found.setdefault(sku, []).append(pid)
        return found


__all__ = ["SqlProducts"]
