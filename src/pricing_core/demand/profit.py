"""Pricing under a demand estimate: the price that earns most, the expected change in profit, price tests.

Profit is gross profit per day on the pre-VAT price, ``units_at(price) * (net(price) - cost)``,
on the estimate's constant-elasticity curve (``demand/model.py``). The profit strategy
(``strategies.plan_profit``) and the engine's explanation read these.
"""

from __future__ import annotations

import math
import zlib
from datetime import date
from decimal import Decimal

import attrs

from pricing_core.demand.model import ElasticityEstimate
from pricing_core.guards import net_price


def optimal_price(cost: Decimal, elasticity: float, *, vat_fraction: Decimal, includes_vat: bool) -> Decimal | None:
    """The price maximizing gross profit under constant elasticity: ``cost * e / (1 + e)`` (+ VAT when included).

    Profit per day is ``A * p**e * (net(p) - cost)``; it has an interior maximum only when demand is
    elastic (``e < -1``). Returns None otherwise (profit then keeps rising with the price). Not rounded.
    """
    if elasticity >= -1 or cost <= 0:
        return None
    e = Decimal(repr(elasticity))
    net = cost * e / (1 + e)
    return net * (1 + vat_fraction) if includes_vat else net


def daily_profit(
    estimate: ElasticityEstimate, price: Decimal, cost: Decimal, *, vat_fraction: Decimal, includes_vat: bool,
    elasticity: float | None = None,
) -> float | None:
    """Expected gross profit per day at ``price`` on the estimate's curve; None when the curve is not placed."""
    units = estimate.units_at(price, elasticity)
    if units is None:
        return None
    return units * float(net_price(price, vat_fraction, includes_vat) - cost)


@attrs.frozen
class ProfitChange:
    """Expected change in gross profit per day from ``old`` to ``new`` under an estimate and its interval."""

    per_day: float | None          # currency units per day; None when the curve has no units
    percent: float | None          # change relative to today's profit; None when today's profit is not positive
    low: float | None              # per_day at the least favourable end of the interval
    high: float | None             # per_day at the most favourable end

    def describe(self, currency: str) -> str:
        """A short sentence for the explanation."""
        parts = []
        if self.per_day is not None:
            parts.append(f"{self.per_day:+.2f} {currency}/day")
        if self.percent is not None:
            parts.append(f"{self.percent:+.1f}%")
        text = "expected gross profit " + (" ".join(parts) if parts else "change unknown")
        if self.low is not None and self.high is not None:
            text += f" (between {self.low:+.2f} and {self.high:+.2f} across the interval)"
        return text


def profit_change(
    estimate: ElasticityEstimate, old: Decimal, new: Decimal, cost: Decimal, *, vat_fraction: Decimal,
    includes_vat: bool,
) -> ProfitChange:
    """How gross profit per day is expected to move when the price goes from ``old`` to ``new``."""
    margin_old = float(net_price(old, vat_fraction, includes_vat) - cost)
    margin_new = float(net_price(new, vat_fraction, includes_vat) - cost)
    ratio = float(new) / float(old)

    def relative(e: float) -> float:
        return math.pow(ratio, e) * margin_new - margin_old  # per unit sold at today's price

    percent = relative(estimate.value) / margin_old * 100 if margin_old > 0 else None
    units_today = estimate.units_at(old)
    if units_today is None:
        return ProfitChange(per_day=None, percent=percent, low=None, high=None)
    ends = sorted(units_today * relative(e) for e in (estimate.low, estimate.high))
    return ProfitChange(per_day=units_today * relative(estimate.value), percent=percent, low=ends[0], high=ends[1])


def exploration_direction(product_id: str, day: date) -> int:
    """+1 or -1: the side of today's price test for a product, alternating daily.

    Deterministic (a CRC of the product id, not Python's salted ``hash``), so every run of one day
    gives the same answer, and half of a catalog tests up while the other half tests down.
    """
    return 1 if (zlib.crc32(product_id.encode()) + day.toordinal()) % 2 == 0 else -1


__all__ = [
    "ProfitChange",
    "daily_profit",
    "exploration_direction",
    "optimal_price",
    "profit_change",
]
