"""Where competitor offers come from (feeds, search, page extraction in ``adapters/competitors``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from pricing_core.catalog import CompetitorOffer, Product


class CompetitorSource(Protocol):
    """Competitor offers for a batch of one store's products."""

    def offers_for(
        self, store_id: str, products: Sequence[Product], now: datetime
    ) -> Mapping[str, Sequence[CompetitorOffer]]:
        """Offers by product id. Products without any offer may be absent. Never raises for one bad source."""
        ...


__all__ = [
    "CompetitorSource",
]
