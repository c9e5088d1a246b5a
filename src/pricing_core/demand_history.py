"""From a store's stored history to the demand estimates the profit strategy prices on.

The sweep has, per product, the daily sales read from the store's orders (``DailySales``: only
days that sold something), the price changes it recorded (``PricePoint``) and the current price.
Elasticity needs one observation per day *including the days that sold nothing*, each at the
price that held that day; this module rebuilds those days and estimates every product in two
passes: first on its own data (weak prior), then with its category's prior, so a product with
little data starts from what similar products showed. The category priors are pooled on two
levels (``demand.category_priors``): a category's centre is shrunk toward the store's as far as
categories are seen not to differ, so a store whose categories mix everything gets the store-wide
prior for all; a category too small to pool (or a product without one) takes the store's. Both
passes take out the store's weekly pattern of demand (``demand.weekday_factors``), read from all
its products' days.

What is knowable and what is not:
- The price of a day is the one in effect at the store's local noon. Before the first recorded
  change the price is unknown (the history records the price set, not the one it replaced), so
  those days are left out, unless nothing was ever recorded: then the current price held all
  along (and an estimate from one price is the prior, which the strategy refuses to price on).
- Days before the first synced sales day are left out: "no order" there may mean "not read".
- The competitor reference (``SalesObservation.reference_price``, the lowest trusted competitor
  price of the day) is used where the caller knows it (``DemandInputs.references``, e.g. from the
  offers each sweep stored with its inputs): without it, a repricer that follows the market moves
  its own price with the competitors', and the estimate mixes the two effects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

import attrs

from pricing_core.catalog import PricePoint, Product
from pricing_core.demand import (
    WEAK_PRIOR,
    ElasticityEstimate,
    SalesObservation,
    category_priors,
    estimate_elasticity,
    weekday_factors,
)
from pricing_core.sales import DailySales

DEMAND_WINDOW_DAYS = 90
"""How far back the sweep reads sales for an estimate (recent behaviour matters most)."""

MIN_CATEGORY_PRODUCTS = 10
"""A category with fewer products takes the store-wide prior (its own spread cannot be told apart from noise)."""


@attrs.frozen(kw_only=True)
class DemandInputs:
    """What the sweep read for the demand estimates of one store.

    ``sales``: the store's daily sales in the window (any products); ``history``: price changes by
    product id, in any order; ``first_sales_day``: the first day the orders sync covered (None:
    the sales were never synced, so no estimate is made); ``references``: by product id, the
    lowest trusted competitor price per day, where known.
    """

    sales: Sequence[DailySales] = ()
    history: Mapping[str, Sequence[PricePoint]] = attrs.field(factory=dict)
    first_sales_day: date | None = None
    references: Mapping[str, Mapping[date, Decimal]] = attrs.field(factory=dict)


def price_on(day: date, changes: Sequence[PricePoint], current: Decimal, tz: tzinfo) -> Decimal | None:
    """The price in effect at local noon of ``day``; None when it is not known (before the first change)."""
    if not changes:
        return current
    noon = datetime.combine(day, time(12), tzinfo=tz)
    known = [p for p in changes if p.changed_at <= noon]
    if not known:
        return None
    return max(known, key=lambda p: p.changed_at).price


def observations_for(
    product: Product,
    sales: Sequence[DailySales],
    changes: Sequence[PricePoint],
    *,
    first_day: date,
    last_day: date,
    tz: tzinfo,
    references: Mapping[date, Decimal] | None = None,
) -> list[SalesObservation]:
    """One observation per day from ``first_day`` to ``last_day`` (inclusive) whose price is known.

    Days without a ``DailySales`` row sold nothing. ``sales`` are this product's rows;
    ``references`` its lowest competitor price by day, where known.
    """
    refs = references or {}
    units = {s.day: s.units for s in sales if s.product_id == product.id}
    rows = []
    day = first_day
    while day <= last_day:
        price = price_on(day, changes, product.price, tz)
        if price is not None and price > 0:
            rows.append(SalesObservation(day, price, units.get(day, 0), refs.get(day)))
        day += timedelta(days=1)
    return rows


def category_of(product: Product) -> str:
    """The category a product's prior is pooled in: its first category, or the store-wide pool."""
    return product.categories[0] if product.categories else ""


def demand_estimates(
    products: Sequence[Product],
    inputs: DemandInputs,
    *,
    today: date,
    tz: tzinfo,
    window_days: int = DEMAND_WINDOW_DAYS,
) -> dict[str, ElasticityEstimate]:
    """Each product's elasticity estimate from the stored history, shrunk toward its category's.

    The window ends yesterday (today's sales are still coming in) and starts ``window_days``
    before, or at the first synced day. Returns an empty mapping when sales were never synced.
    """
    if inputs.first_sales_day is None:
        return {}
    last_day = today - timedelta(days=1)
    first_day = max(inputs.first_sales_day, today - timedelta(days=window_days))
    if first_day > last_day:
        return {}
    sales_by_product: dict[str, list[DailySales]] = defaultdict(list)
    for row in inputs.sales:
        sales_by_product[row.product_id].append(row)
    observations = {
        p.id: observations_for(p, sales_by_product.get(p.id, ()), inputs.history.get(p.id, ()),
                               first_day=first_day, last_day=last_day, tz=tz,
                               references=inputs.references.get(p.id))
        for p in products
    }
    weekdays = weekday_factors(observations.values())  # the store's weekly pattern, from all its products
    own = {pid: estimate_elasticity(rows, weekdays=weekdays) for pid, rows in observations.items()}
    members: dict[str, list[str]] = defaultdict(list)
    for p in products:
        members[category_of(p)].append(p.id)
    priors, store = category_priors({name: [own[pid] for pid in ids] for name, ids in members.items()},
                                    made_with=WEAK_PRIOR, min_products=MIN_CATEGORY_PRODUCTS)
    estimates: dict[str, ElasticityEstimate] = {}
    for name, ids in members.items():
        prior = priors.get(name, store)
        for pid in ids:
            estimates[pid] = (own[pid] if prior is WEAK_PRIOR
                              else estimate_elasticity(observations[pid], prior=prior, weekdays=weekdays))
    return estimates


__all__ = [
    "DEMAND_WINDOW_DAYS",
    "MIN_CATEGORY_PRODUCTS",
    "DemandInputs",
    "category_of",
    "demand_estimates",
    "observations_for",
    "price_on",
]
