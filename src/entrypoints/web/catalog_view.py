"""The catalog page's rows: every product with its fresh price, cost, margin, market position and pending change.

Built from the ports in a handful of reads per page view (products, the pending and applied decisions,
the latest competitor offers): no query per product.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import attrs

from pricing_core.catalog import CompetitorOffer, Product
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.guards import margin_of
from pricing_core.money import quantize
from pricing_core.ports import StoreScope

POSITIONS = ("cheapest", "matched", "above", "no_data")
CATALOG_SORTS = ("name", "price", "margin", "position", "pending")
CATALOG_PER_PAGE = 50
_POSITION_ORDER = {p: i for i, p in enumerate(POSITIONS)}


@attrs.frozen
class CatalogFilter:
    """Search and filters of the catalog page; the CSV export uses the same one."""

    q: str = ""
    position: str = ""
    cost: str = ""      # "yes" / "no"
    pending: str = ""   # "yes"
    sort: str = "name"
    category: str = ""  # a Salla category id the product is in
    brand: str = ""     # a Salla brand id

    @classmethod
    def read(cls, source: Mapping[str, Any]) -> CatalogFilter:
        """From query parameters; unknown values fall back to no filter and sort by name."""
        def pick(key: str, allowed: Sequence[str]) -> str:
            value = str(source.get(key) or "")
            return value if value in allowed else ""
        return cls(q=str(source.get("q") or "").strip()[:100], position=pick("position", POSITIONS),
                   cost=pick("cost", ("yes", "no")), pending=pick("pending", ("yes",)),
                   sort=pick("sort", CATALOG_SORTS) or "name",
                   category=str(source.get("category") or "").strip()[:100],
                   brand=str(source.get("brand") or "").strip()[:100])

    def query(self) -> str:
        """Non-default values as a query string."""
        pairs = {"q": self.q, "position": self.position, "cost": self.cost, "pending": self.pending,
                 "category": self.category, "brand": self.brand, "sort": "" if self.sort == "name" else self.sort}
        return urlencode({k: v for k, v in pairs.items() if v})

    def matches(self, row: Mapping[str, Any]) -> bool:
        if self.q:
            needle = self.q.casefold()
            if needle not in str(row["name"]).casefold() and needle not in str(row["sku"] or "").casefold():
                return False
        if self.position and row["position"] != self.position:
            return False
        if self.category and self.category not in row["categories"]:
            return False
        if self.brand and row["brand"] != self.brand:
            return False
        if self.cost and (row["cost"] is not None) != (self.cost == "yes"):
            return False
        return not (self.pending and row["pending"] is None)

    def order(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.sort == "price":
            return sorted(rows, key=lambda r: r["price"], reverse=True)
        if self.sort == "margin":
            return sorted(rows, key=lambda r: (r["margin"] is None, r["margin"] if r["margin"] is not None else 0))
        if self.sort == "position":
            return sorted(rows, key=lambda r: _POSITION_ORDER[r["position"]], reverse=True)
        if self.sort == "pending":
            return sorted(rows, key=lambda r: r["pending"] is None)
        return sorted(rows, key=lambda r: str(r["name"]).casefold())


def fresh_price(product: Product, applied: DecisionRecord | None) -> Decimal:
    """The price the customer pays now.

    The product snapshot is refreshed by the catalog sync, not by an approval: until the next sync
    it still holds the price from before an applied change. When the snapshot equals the applied
    decision's old price, the applied price is the newer one.
    """
    if applied is not None and product.price == applied.decision.old_price:
        return applied.decision.suggested_price
    return product.price


def position_of(price: Decimal, lowest: Decimal | None) -> str:
    """Where the price stands against the lowest competitor offer."""
    if lowest is None:
        return "no_data"
    if price < lowest:
        return "cheapest"
    if price == lowest:
        return "matched"
    return "above"


def _lowest(offers: Sequence[CompetitorOffer], currency: str) -> CompetitorOffer | None:
    usable = [o for o in offers if o.in_stock and not o.is_own_store and o.price > 0 and o.currency == currency]
    return min(usable, key=lambda o: o.price, default=None)


def _latest_by_product(records: Sequence[DecisionRecord]) -> dict[str, DecisionRecord]:
    latest: dict[str, DecisionRecord] = {}
    for r in records:
        seen = latest.get(r.decision.product_id)
        if seen is None or r.updated_at > seen.updated_at:
            latest[r.decision.product_id] = r
    return latest


def catalog_rows(scope: StoreScope, vat_fraction: Decimal) -> list[dict[str, Any]]:
    """One row per product of the store (unfiltered)."""
    products = scope.products.list(limit=max(scope.products.count(), 1))
    pending_total = scope.decisions.count(status=DecisionStatus.PENDING)
    pending = _latest_by_product(scope.decisions.list(status=DecisionStatus.PENDING, limit=max(pending_total, 1)))
    applied_total = scope.decisions.count(status=DecisionStatus.APPLIED)
    applied = _latest_by_product(scope.decisions.list(status=DecisionStatus.APPLIED, limit=max(applied_total, 1)))
    offers = scope.offers.latest([p.id for p in products]) if products else {}
    changes = scope.price_history.latest([p.id for p in products]) if products else {}
    rows = []
    for p in products:
        price = fresh_price(p, applied.get(p.id))
        lowest = _lowest(offers.get(p.id, []), p.currency)
        margin = (quantize(margin_of(price, p.cost_price, vat_fraction, p.prices_include_vat) * 100)
                  if p.cost_price is not None and price > 0 else None)
        waiting = pending.get(p.id)
        change = changes.get(p.id)
        rows.append({
            "id": p.id, "sku": p.sku, "name": p.name or p.id, "price": price, "currency": p.currency,
            "cost": p.cost_price, "margin": margin,
            "lowest": lowest.price if lowest else None, "lowest_competitor": lowest.competitor if lowest else None,
            "position": position_of(price, lowest.price if lowest else None),
            "last_change": change.changed_at if change else None,
            "last_change_price": change.price if change else None,
            "pending": waiting.decision.suggested_price if waiting else None,
            "pending_id": waiting.id if waiting else None,
            "status": p.status, "categories": p.categories, "brand": p.brand,
            "category_names": p.category_names, "brand_name": p.brand_name,
        })
    return rows


__all__ = ["CATALOG_PER_PAGE", "CATALOG_SORTS", "POSITIONS", "CatalogFilter", "catalog_rows", "fresh_price",
           "position_of"]
