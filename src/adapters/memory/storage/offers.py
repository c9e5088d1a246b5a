"""Competitor offers observed for a store's products, in memory."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime

from adapters.memory.storage.session import MemorySession
from adapters.memory.storage.state import State, require_store
from pricing_core.catalog import CompetitorOffer


class MemoryOffers:
    """``OfferRepository`` in memory: every observation is kept; ``latest`` picks the newest per competitor."""

    def __init__(self, uow: MemorySession, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def add_many(self, offers: Mapping[str, Sequence[CompetitorOffer]]) -> None:
        rows = [(self._uow.seq(), self._store_id, str(pid), offer) for pid, items in offers.items() for offer in items]
        if not rows:
            return
        require_store(self._uow.read(), self._store_id)

        def op(state: State) -> None:
            state.offers.extend(rows)

        self._uow.write(op)

    def latest(self, product_ids: Sequence[str]) -> dict[str, builtins.list[CompetitorOffer]]:
        wanted = {str(p) for p in product_ids}
        best: dict[tuple[str, str], tuple[datetime, int, CompetitorOffer]] = {}
        for seq, store_id, pid, offer in self._uow.read().offers:
            if store_id != self._store_id or pid not in wanted:
                continue
            key = (pid, offer.competitor)
            candidate = (offer.observed_at, seq, offer)
            if key not in best or candidate[:2] > best[key][:2]:
                best[key] = candidate
        result: dict[str, builtins.list[CompetitorOffer]] = {}
        for (pid, _competitor), (_, _, offer) in sorted(best.items()):
            result.setdefault(pid, []).append(offer)
        return result


__all__ = ["MemoryOffers"]
