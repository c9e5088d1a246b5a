"""The demand model's values: a product's daily sales in, an own-price elasticity estimate out.

The model is a constant-elasticity demand curve, ``units per day = A * price**e * reference**g``
(``reference``: the lowest trusted competitor price). A ``SalesObservation`` is one product's
sales on one day; an ``ElasticityEstimate`` is ``e`` with its 90% interval and, when known, where
the curve sits (``units_at``). ``WEAK_PRIOR`` is the estimate assumed for a product of no known
category. Fitting lives in ``demand/estimation.py``, pricing under an estimate in ``demand/profit.py``.

Money stays ``Decimal``; statistics are ``float``.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from statistics import NormalDist

import attrs

from pricing_core.money import MoneyError, to_decimal

Z90 = NormalDist().inv_cdf(0.95)  # half-width of a two-sided 90% interval, in standard deviations

# Weakly informative prior for a product with no category estimate: centred near the typical
# retail elasticity (meta-analyses put the mean around -2 to -2.6), wide enough (sd 2) that a
# few weeks of varied prices dominate it, narrow enough to keep the fit stable without data.
_WEAK_SD = 2.0


class DemandError(ValueError):
    """Sales observations or an estimate that cannot be used, with the reason."""


def _finite(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise DemandError(f"not a number: {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise DemandError(f"not a finite number: {value!r}")
    return number


def _positive_money(value: object) -> Decimal:
    try:
        amount = to_decimal(value)
    except MoneyError as exc:
        raise DemandError(str(exc)) from exc
    if amount <= 0:
        raise DemandError(f"a price must be positive, got {amount}")
    return amount


def _optional_positive_money(value: object) -> Decimal | None:
    return None if value is None else _positive_money(value)


def _day(value: object) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise DemandError(f"day must be a date (not a datetime), got {value!r}")
    return value


def _units(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DemandError(f"units must be a whole number, got {value!r}")
    if value < 0:
        raise DemandError(f"units must not be negative, got {value}")
    return value


@attrs.frozen
class SalesObservation:
    """One product's sales on one day at one price.

    ``reference_price`` is the lowest trusted competitor price that day, when one was known.
    Give one observation per day: the price that held most of the day (a day split into two
    observations would count as two days of demand). Leave out days the product was out of
    stock or hidden: zero sales on those days say nothing about the price.
    """

    day: date = attrs.field(converter=_day)
    price: Decimal = attrs.field(converter=_positive_money)
    units: int = attrs.field(converter=_units)
    reference_price: Decimal | None = attrs.field(default=None, converter=_optional_positive_money)


def _optional_finite(value: object) -> float | None:
    return None if value is None else _finite(value)


@attrs.frozen
class ElasticityEstimate:
    """An own-price elasticity ``value`` with its 90% interval ``low..high``, from ``observations`` days.

    ``units_per_day`` and ``at_price``, when known, place the demand curve: the expected daily
    units at ``at_price`` (the geometric mean price of the observed window, at the window's typical
    competitor price); ``units_at(price)`` follows the curve from there. ``prior_share`` is the part
    of the estimate's precision that came from the prior (0: all data; 1: nothing but the prior).

    A hand-made estimate (a category default, a test) needs only the first four fields.
    """

    value: float = attrs.field(converter=_finite)
    low: float = attrs.field(converter=_finite)
    high: float = attrs.field(converter=_finite)
    observations: int = attrs.field(default=0, converter=_units)
    units_per_day: float | None = attrs.field(default=None, converter=_optional_finite, kw_only=True)
    at_price: Decimal | None = attrs.field(default=None, converter=_optional_positive_money, kw_only=True)
    prior_share: float = attrs.field(default=0.0, converter=_finite, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not self.low <= self.value <= self.high:
            raise DemandError(f"the interval {self.low}..{self.high} must contain the value {self.value}")
        if self.units_per_day is not None and self.units_per_day < 0:
            raise DemandError(f"units_per_day must not be negative, got {self.units_per_day}")
        if not 0.0 <= self.prior_share <= 1.0:
            raise DemandError(f"prior_share must be within 0..1, got {self.prior_share}")

    @property
    def width(self) -> float:
        """Width of the 90% interval (elasticity units)."""
        return self.high - self.low

    @property
    def sd(self) -> float:
        """The standard deviation the interval stands for (normal approximation)."""
        return self.width / (2 * Z90)

    def units_at(self, price: Decimal, elasticity: float | None = None) -> float | None:
        """Expected daily units at ``price`` on this curve (or one with another ``elasticity``); None if unplaced."""
        if self.units_per_day is None or self.at_price is None:
            return None
        e = self.value if elasticity is None else elasticity
        return self.units_per_day * math.pow(float(price) / float(self.at_price), e)

    def describe(self) -> str:
        """``-2.10 (90% interval -2.60..-1.60, 56 days)``, with the prior's share when it matters."""
        text = f"{self.value:.2f} (90% interval {self.low:.2f}..{self.high:.2f}, {self.observations} days"
        if self.prior_share >= 0.05:
            text += f", {self.prior_share:.0%} from the prior"
        return text + ")"


WEAK_PRIOR = ElasticityEstimate(-2.0, -2.0 - Z90 * _WEAK_SD, -2.0 + Z90 * _WEAK_SD, 0)
"""The prior used when the caller has no category estimate."""


__all__ = [
    "WEAK_PRIOR",
    "Z90",
    "DemandError",
    "ElasticityEstimate",
    "SalesObservation",
]
