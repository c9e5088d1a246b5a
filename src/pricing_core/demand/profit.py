"""Pricing under a demand estimate: the price that earns most, the expected change in profit, price tests.

Profit is gross profit per day on the pre-VAT price, ``units_at(price) * (net(price) - cost)``,
on the estimate's constant-elasticity curve (``demand/model.py``). The profit strategy
(``strategies.plan_profit``) and the engine's explanation read these.

Pricing on the posterior: the estimate is a normal approximation ``e ~ N(value, sd**2)``, so the
expected units at a price ``p`` relative to the window's typical price ``p0`` are
``E[(p/p0)**e] = exp(value*x + sd**2 * x**2 / 2)`` with ``x = log(p/p0)`` (exact, no quadrature
needed). :func:`expected_profit_price` maximizes that expected gross profit: the interval's width
is priced in instead of being a reason to refuse.
"""

from __future__ import annotations

import math
import zlib
from datetime import date
from decimal import Decimal
from statistics import NormalDist

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


_STANDARD_NORMAL = NormalDist()
_BISECTIONS = 60  # halvings of a bracket in log-price: far below a cent at any price


def inelastic_probability(estimate: ElasticityEstimate) -> float:
    """The posterior probability that demand is inelastic (``e > -1``), under the normal approximation."""
    sd = estimate.sd
    if sd <= 0:
        return 1.0 if estimate.value > -1 else 0.0
    return 1.0 - _STANDARD_NORMAL.cdf((-1.0 - estimate.value) / sd)


def expected_profit_price(
    cost: Decimal, estimate: ElasticityEstimate, *, anchor: Decimal, vat_fraction: Decimal, includes_vat: bool,
) -> Decimal | None:
    """The price at which expected gross profit, over the estimate's uncertainty, has its maximum; None if none.

    ``anchor`` is the price the estimate's uncertainty is measured from (``estimate.at_price``, the
    window's typical price, when known): far from it the curve is extrapolated and the interval
    grows. With ``y = log(net/cost)`` the log of expected profit rises while
    ``g(y) = value + sd**2 * (y - y0) + e**y / (e**y - 1)`` is positive (``y0``: the anchor's ``y``).
    ``g`` is convex, so it has at most two roots: the first is the maximum returned (by bisection),
    the second a minimum beyond which the wide tail makes far-away prices look ever better. Without
    a root (``g`` never negative) expected profit keeps rising with the price: None, as for
    inelastic demand. With a zero-width estimate this is :func:`optimal_price` exactly.
    """
    if cost <= 0:
        return None
    m, sd = estimate.value, estimate.sd
    if sd <= 0:
        return optimal_price(cost, m, vat_fraction=vat_fraction, includes_vat=includes_vat)
    var = sd * sd
    net_anchor = net_price(anchor, vat_fraction, includes_vat)
    y0 = math.log(float(net_anchor) / float(cost)) if net_anchor > 0 else 0.0

    def g(y: float) -> float:
        t = math.exp(y)
        return m + var * (y - y0) + t / (t - 1)

    # g' = var - t/(t-1)**2 is zero at the t solving var*t**2 - (2*var + 1)*t + var = 0 (the root above 1).
    t_min = ((2 * var + 1) + math.sqrt(4 * var + 1)) / (2 * var)
    y_min = math.log(t_min)
    if g(y_min) >= 0:
        return None
    # g runs to +infinity as the net price falls to the cost (y to 0): halve toward 0 until g > 0.
    low, high = y_min / 2, y_min
    while g(low) <= 0:
        low, high = low / 2, low
    for _ in range(_BISECTIONS):
        mid = (low + high) / 2
        if g(mid) > 0:
            low = mid
        else:
            high = mid
    net = cost * Decimal(repr(math.exp((low + high) / 2)))
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


EXPLORATION_WEEK_DAYS = 7
"""How long a product's price test holds one side before switching to the other.

A week, not a day: the maximum change per run (10% by default) cannot take a price from 8% above
its optimum to 8% below in one step, so tests that switched daily were cut to about +-5% and carried
a third of the information their step promised (``bench/market_simulation.py``); a week on each side
also sees every weekday at both prices, so the weekly pattern of demand does not pose as a price effect.
"""


def exploration_direction(product_id: str, day: date) -> int:
    """+1 or -1: the side of a product's price test on ``day``; it switches every week.

    Deterministic (a CRC of the product id, not Python's salted ``hash``), so every run of one day
    gives the same answer, and half of a catalog tests up while the other half tests down. Weeks
    start on Sunday (the ordinal of 0001-01-07 is a multiple of seven), the first day of Salla's week.
    """
    week = day.toordinal() // EXPLORATION_WEEK_DAYS
    return 1 if (zlib.crc32(product_id.encode()) + week) % 2 == 0 else -1


__all__ = [
    "EXPLORATION_WEEK_DAYS",
    "ProfitChange",
    "daily_profit",
    "expected_profit_price",
    "exploration_direction",
    "inelastic_probability",
    "optimal_price",
    "profit_change",
]
