"""The values of watching an applied price change: the change, the policy, the figures and the verdict.

See ``pricing_core.change_impact`` for what is compared and what each verdict means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import attrs

from pricing_core.money import HUNDRED, ZERO, to_decimal
from pricing_core.sales import DailySales

PER_DAY = Decimal("0.01")  # figures per day, to the hundredth
PCT = Decimal("0.1")  # percent changes, to the tenth


class ImpactVerdict(StrEnum):
    """What watching a change concluded (the verdicts: ``pricing_core.change_impact``)."""

    PROFIT_FELL = "profit_fell"
    PROFIT_ROSE = "profit_rose"
    STEADY = "steady"
    TOO_EARLY = "too_early"
    NO_DATA = "no_data"
    CHANGED_AGAIN = "changed_again"
    TOO_FEW_SALES = "too_few_sales"
    NO_COST = "no_cost"
    UNPROFITABLE_BEFORE = "unprofitable_before"

    @property
    def is_final(self) -> bool:
        """False only for ``too_early``: the same change judged later may conclude something else."""
        return self is not ImpactVerdict.TOO_EARLY


def _positive_days(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not 1 <= value <= 90:
        raise ValueError(f"{attribute.name} must be between 1 and 90 days, not {value}")


def _share(_: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if not ZERO < value < HUNDRED:
        raise ValueError(f"{attribute.name} must be above 0 and below 100 (percent), not {value}")


@attrs.frozen(kw_only=True)
class ImpactPolicy:
    """How a change is watched: days on each side, the drop that flags it, the least baseline judged."""

    window_days: int = attrs.field(default=7, validator=_positive_days)
    profit_drop_pct: Decimal = attrs.field(default=Decimal(20), converter=to_decimal, validator=_share)
    min_units_before: int = attrs.field(default=5, validator=attrs.validators.ge(1))


@attrs.frozen(kw_only=True)
class AppliedChange:
    """One price change that landed in Salla: the product, both prices, when, and the cost it was made with.

    ``decision_id`` and ``run_id`` name the decision and run that made it (for the rollback of it).
    """

    product_id: str = attrs.field(converter=str)
    old_price: Decimal = attrs.field(converter=to_decimal)
    new_price: Decimal = attrs.field(converter=to_decimal)
    changed_at: datetime
    cost_price: Decimal | None = attrs.field(default=None, converter=attrs.converters.optional(to_decimal))
    name: str = ""
    decision_id: str | None = None
    run_id: str | None = None

    @property
    def key(self) -> str:
        """Names the change for good: the product and the instant (a product changes once at a time)."""
        return f"{self.product_id}@{self.changed_at.isoformat()}"

    @property
    def change_pct(self) -> Decimal:
        """The size of the change, percent of the old price (one decimal)."""
        if self.old_price <= 0:
            return ZERO
        return ((self.new_price - self.old_price) / self.old_price * HUNDRED).quantize(PCT)


@attrs.frozen(kw_only=True)
class SalesCoverage:
    """The days whose sales are fully read (``first_day`` to ``last_day``, inclusive)."""

    first_day: date
    last_day: date

    def covers(self, first: date, last: date) -> bool:
        """True when every day from ``first`` to ``last`` is read."""
        return self.first_day <= first and last <= self.last_day


@attrs.frozen(kw_only=True)
class WindowFigures:
    """One window's figures per day: units, and gross profit (None without a known cost)."""

    first_day: date
    days: int
    units_total: int
    units_per_day: Decimal
    profit_per_day: Decimal | None


@attrs.frozen(kw_only=True)
class ChangeImpact:
    """What one applied change did: the figures before and after, the control's trend, the verdict.

    ``units_change_pct`` and ``profit_change_pct`` are the change's own effect, percent: the
    product's after/before ratio over the control's, minus one (None when not computable).
    ``control_products`` is how many unchanged products of the category formed the control (0:
    the figures are the product's own, unadjusted). ``reason`` says the verdict in one line.
    """

    change: AppliedChange
    verdict: ImpactVerdict
    window_days: int
    reason: str
    before: WindowFigures | None = None
    after: WindowFigures | None = None
    control_products: int = 0
    control_units_ratio: Decimal | None = None
    control_profit_ratio: Decimal | None = None
    units_change_pct: Decimal | None = None
    profit_change_pct: Decimal | None = None

    @property
    def flagged(self) -> bool:
        """True when the merchant should hear of it: profit fell beyond the policy's share."""
        return self.verdict is ImpactVerdict.PROFIT_FELL


@attrs.frozen(kw_only=True)
class ControlGroup:
    """The unchanged products of the change's category: their sales, and the costs of those that have one."""

    sales: Mapping[str, Sequence[DailySales]]
    costs: Mapping[str, Decimal]

    @property
    def size(self) -> int:
        """How many products form the control."""
        return len(self.sales)


__all__ = [
    "PCT",
    "PER_DAY",
    "AppliedChange",
    "ChangeImpact",
    "ControlGroup",
    "ImpactPolicy",
    "ImpactVerdict",
    "SalesCoverage",
    "WindowFigures",
]
