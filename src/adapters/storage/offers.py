"""Competitor offers observed for a store's products (``competitors``)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence

from sqlalchemy import func, select

from adapters.storage import models, rows
from adapters.storage.bulk import chunks, insert_rows, where_in
from adapters.storage.session import ScopedRepository
from pricing_core.catalog import CompetitorOffer


class SqlOffers(ScopedRepository):
    """``OfferRepository``: every observation is kept; ``latest`` picks the newest per competitor."""

    def add_many(self, offers: Mapping[str, Sequence[CompetitorOffer]]) -> None:
        batch = [rows.offer_row(self._store_id, str(pid), o) for pid, items in offers.items() for o in items]
        if not batch:
            return
        self._uow.require_store(self._store_id)
        insert_rows(self._uow.conn, models.competitors, batch)

    def latest(self, product_ids: Sequence[str]) -> dict[str, builtins.list[CompetitorOffer]]:
        t = models.competitors
        dialect = self._uow.dialect
        result: dict[str, builtins.list[CompetitorOffer]] = {}
        for part in chunks([str(p) for p in product_ids], dialect):
            rank = (
                func.row_number()
                .over(
                    partition_by=(t.c.product_id, t.c.competitor_name), order_by=(t.c.observed_at.desc(), t.c.id.desc())
                )
                .label("rank")
            )
            ranked = (
                select(t, rank)
                .where(t.c.store_id == self._store_id, where_in(dialect, t.c.product_id, part))
                .subquery()
            )
            query = (
                select(ranked)
                .where(ranked.c.rank == 1)
                .order_by(
                    rows.by_code_point(ranked.c.product_id, dialect),
                    rows.by_code_point(ranked.c.competitor_name, dialect),
                )
            )
            for row in self._uow.conn.execute(query).mappings():
                result.setdefault(row["product_id"], []).append(rows.offer_from(row))
        return result


__all__ = ["SqlOffers"]
