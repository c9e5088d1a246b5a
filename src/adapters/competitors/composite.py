"""Several competitor sources behind one ``CompetitorSource``."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from adapters.competitors.source import OwnStoreLookup, mark_own, no_own_store
from pricing_core.catalog import CompetitorOffer, Product
from pricing_core.ports import CompetitorSource

log = logging.getLogger(__name__)


class CompositeCompetitorSource:
    """Asks every source in turn and merges their offers by product id.

    A source that raises is logged and skipped (the port promises never to raise for one bad
    source): a broken feed must not stop the page fetcher's offers, nor the sweep. Every merged
    offer then goes through the store's own-identity check, whatever source found it.
    """

    name = "composite"

    def __init__(self, sources: Sequence[CompetitorSource], *, own_store: OwnStoreLookup = no_own_store) -> None:
        self.sources = tuple(sources)
        self.own_store = own_store
        self.failures: list[str] = []

    def offers_for(
        self, store_id: str, products: Sequence[Product], now: datetime
    ) -> Mapping[str, Sequence[CompetitorOffer]]:
        """Offers of every source for ``products``, the store's own listings marked."""
        own = self.own_store(store_id)
        merged: dict[str, list[CompetitorOffer]] = {}
        for source in self.sources:
            label = getattr(source, "name", type(source).__name__)
            try:
                found = source.offers_for(store_id, products, now)
            except Exception as exc:  # one broken source must not cost the others' offers
                reason = f"competitor source {label} failed for store {store_id}: {exc!r}"
                log.warning(reason)
                self.failures.append(reason)
                continue
            for product_id, offers in found.items():
                merged.setdefault(product_id, []).extend(mark_own(offers, own))
        return merged


__all__ = ["CompositeCompetitorSource"]
