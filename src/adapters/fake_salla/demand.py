"""The true demand of a sandbox product: its curve, and the weekly and daily seasonality it follows.

Expected units fall with the price at a constant elasticity (-0.5 to -4), rise with the lowest
competitor price (a cross-effect) and follow the weekday; ``market.py``'s simulator draws
noise and orders from them. The curves are what a demand estimate should find, so tests and
benchmarks may read them; nothing in the optimizer does.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

# Relative demand by weekday (Monday first): the Saudi weekend (Friday, Saturday) and the evening
# before it sell more. Normalised to a mean of 1 below.
_WEEKLY = (0.92, 0.9, 0.95, 1.12, 1.18, 1.05, 0.88)
# Relative demand by Riyadh hour: quiet nights, a peak in the evening.
_DAILY = (
    0.25, 0.15, 0.1, 0.08, 0.08, 0.15, 0.35, 0.6, 0.85, 1.0, 1.1, 1.15,
    1.1, 1.05, 1.05, 1.1, 1.2, 1.35, 1.5, 1.7, 1.8, 1.75, 1.4, 0.8,
)
WEEKLY = tuple(w * 7 / sum(_WEEKLY) for w in _WEEKLY)
DAILY = tuple(h * 24 / sum(_DAILY) for h in _DAILY)


@attrs.frozen(kw_only=True)
class DemandCurve:
    """The true demand of one product (for tests and benchmarks: what an estimate should find).

    Expected units per day = ``base_units`` x (price / ``reference_price``) ** ``elasticity``
    x (lowest competitor price / ``reference_price``) ** ``cross_elasticity`` x the weekday's
    factor (``WEEKLY`` scaled by ``seasonality``) x a daily log-normal noise of ``noise`` sigma.
    """

    product_id: int
    reference_price: Decimal
    base_units: float
    elasticity: float
    cross_elasticity: float
    seasonality: float
    noise: float

    def expected_units(self, price: Decimal, lowest_competitor: Decimal | None, weekday: int) -> float:
        """Expected units per day at ``price`` on ``weekday`` (0 = Monday), before noise."""
        if price <= 0:
            return 0.0
        ref = float(self.reference_price)
        units: float = self.base_units * (float(price) / ref) ** self.elasticity
        if lowest_competitor is not None and lowest_competitor > 0:
            units *= (float(lowest_competitor) / ref) ** self.cross_elasticity
        return units * (1 + self.seasonality * (WEEKLY[weekday] - 1))

    def as_json(self) -> dict[str, object]:
        """The curve for the ``/_fake`` inspection routes."""
        return {
            "product_id": self.product_id,
            "reference_price": str(self.reference_price),
            "base_units_per_day": self.base_units,
            "elasticity": self.elasticity,
            "cross_elasticity": self.cross_elasticity,
            "seasonality": self.seasonality,
            "noise": self.noise,
        }


__all__ = ["DAILY", "WEEKLY", "DemandCurve"]
