"""Storage of a store's catalog and what it is priced from: products, competitor offers, price history."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from pricing_core.catalog import CompetitorOffer, PricePoint, Product


class ProductRepository(Protocol):
    """One store's last-seen catalog snapshot."""

    def upsert_many(self, products: Sequence[Product], *, seen_at: datetime) -> None:
        """Insert or update products by id, in one statement batch."""
        ...

    def get(self, product_id: str) -> Product | None:
        """One product, or None."""
        ...

    def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]:
        """Products by id; unknown ids are absent."""
        ...

    def list(self, *, limit: int = 100, offset: int = 0) -> list[Product]:
        """Products ordered by id."""
        ...

    def count(self) -> int:
        """How many products the store has."""
        ...

    def ids_by_sku(self, skus: Sequence[str]) -> dict[str, builtins.list[str]]:
        """Product ids per SKU (sorted; more than one when SKUs repeat); unknown SKUs are absent."""
        ...


class OfferRepository(Protocol):
    """One store's observed competitor offers."""

    def add_many(self, offers: Mapping[str, Sequence[CompetitorOffer]]) -> None:
        """Record offers by product id."""
        ...

    def latest(self, product_ids: Sequence[str]) -> dict[str, list[CompetitorOffer]]:
        """The latest offer per (product, competitor) for the given products."""
        ...


class PriceHistoryRepository(Protocol):
    """One store's applied price changes."""

    def add_many(self, points: Sequence[PricePoint]) -> None:
        """Record applied prices."""
        ...

    def for_product(self, product_id: str, *, limit: int = 50) -> list[PricePoint]:
        """A product's price history, newest first."""
        ...

    def latest(self, product_ids: Sequence[str]) -> dict[str, PricePoint]:
        """The latest recorded change per product (cooldown input)."""
        ...

    def since(self, product_ids: Sequence[str], when: datetime) -> list[PricePoint]:
        """The changes of ``product_ids`` from ``when`` on, plus each product's last one before it
        (the price in effect at ``when``), oldest first (demand estimation input)."""
        ...


__all__ = [
    "OfferRepository",
    "PriceHistoryRepository",
    "ProductRepository",
]
