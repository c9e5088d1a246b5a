"""A store's per-product overrides (``product_overrides``)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, func, select

from adapters.storage import models, rows
from adapters.storage.bulk import Upsert, chunks, insert_rows, where_in
from adapters.storage.session import ScopedRepository
from pricing_core.overrides import ProductOverride

_OVERRIDE_UPDATE = tuple(c.name for c in models.product_overrides.c if c.name not in ("store_id", "product_id"))


class SqlOverrides(ScopedRepository):
    """``OverrideRepository``: one row per product; ``get_many`` is one query per chunk of ids."""

    def get_many(self, product_ids: Sequence[str]) -> dict[str, ProductOverride]:
        t = models.product_overrides
        found: dict[str, ProductOverride] = {}
        for part in chunks([str(p) for p in product_ids], self._uow.dialect):
            query = select(t).where(t.c.store_id == self._store_id, where_in(self._uow.dialect, t.c.product_id, part))
            for row in self._uow.conn.execute(query).mappings():
                found[row["product_id"]] = rows.override_from(row)
        return found

    def list(self, *, limit: int = 100, offset: int = 0) -> builtins.list[ProductOverride]:
        t = models.product_overrides
        query = (select(t).where(t.c.store_id == self._store_id).order_by(t.c.product_id)
                 .limit(limit).offset(offset))
        return [rows.override_from(r) for r in self._uow.conn.execute(query).mappings()]

    def count(self) -> int:
        t = models.product_overrides
        query = select(func.count()).select_from(t).where(t.c.store_id == self._store_id)
        return int(self._uow.conn.execute(query).scalar_one())

    def upsert_many(self, overrides: Sequence[ProductOverride]) -> None:
        if not overrides:
            return
        self._uow.require_store(self._store_id)
        now = datetime.now(UTC)
        latest = {o.product_id: o for o in overrides}  # ON CONFLICT cannot touch a row twice
        batch = [rows.override_row(self._store_id, o, now) for o in latest.values()]
        insert_rows(self._uow.conn, models.product_overrides, batch,
                    conflict=Upsert(("store_id", "product_id"), _OVERRIDE_UPDATE))

    def delete(self, product_id: str) -> bool:
        t = models.product_overrides
        result = self._uow.conn.execute(
            delete(t).where(t.c.store_id == self._store_id, t.c.product_id == str(product_id)))
        return bool(result.rowcount)


__all__ = ["SqlOverrides"]
