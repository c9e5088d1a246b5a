"""What an applied price change did: units and gross profit per day after it against before it.

For one applied change of one product (``AppliedChange``), the days before and after the day of the
change (``ImpactPolicy.window_days`` each; the day of the change itself is mixed and left out) are
compared, per day: units sold, and gross profit (revenue net of VAT, less units times cost). The
product's own ratio (after / before) is divided by the same ratio of a **control**: the products of
the same category whose price did not change in those days, pooled. What remains is the change's
own effect, net of what moved the whole category (a holiday, a competitor's sale, the season):
a difference in differences on the ratio. ``assess_changes`` does it for every change of a store.

Sales are known only for the days the orders sync read completely (``SalesCoverage``); a day in
that span without a ``DailySales`` row sold nothing. Revenue is what customers paid, VAT included
(``SoldLine``), so the store's VAT rate is taken out before the cost is.

Verdicts: ``profit_fell`` / ``profit_rose`` when the control-adjusted profit per day moved by more
than ``profit_drop_pct`` down / up, ``steady`` in between; and, when there is nothing to judge yet or
at all, ``too_early`` (the days after are not over or not read yet), ``no_data`` (the days before
were not read), ``changed_again`` (another change of the product falls in the days after),
``too_few_sales`` (fewer than ``min_units_before`` units before), ``no_cost`` (no known cost:
units only) and ``unprofitable_before`` (no gross profit before, so no ratio). A control that sold
nothing (or at no profit) after leaves nothing to compare with: ``no_data`` too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum

import attrs

from pricing_core.catalog import Product
from pricing_core.demand_history import category_of
from pricing_core.money import HUNDRED, ZERO, to_decimal
from pricing_core.sales import DailySales

_PER_DAY = Decimal("0.01")
_PCT = Decimal("0.1")


class ImpactVerdict(StrEnum):
    """What watching a change concluded (see the module docstring)."""

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
        return ((self.new_price - self.old_price) / self.old_price * HUNDRED).quantize(_PCT)


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


@attrs.frozen
class _Window:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def local_day(at: datetime, tz: tzinfo) -> date:
    """The store's local day of an instant."""
    return at.astimezone(tz).date()


def windows_of(change: AppliedChange, tz: tzinfo, window_days: int) -> tuple[date, date, date, date]:
    """(first and last day before, first and last day after) the local day of ``change``."""
    day = local_day(change.changed_at, tz)
    return (day - timedelta(days=window_days), day - timedelta(days=1),
            day + timedelta(days=1), day + timedelta(days=window_days))


def _net_profit(rows: Iterable[DailySales], cost: Decimal, vat_divisor: Decimal) -> Decimal:
    return sum((r.revenue / vat_divisor - r.units * cost for r in rows), ZERO)


def _in(rows: Sequence[DailySales], window: _Window) -> list[DailySales]:
    return [r for r in rows if window.first <= r.day <= window.last]


def _figures(rows: Sequence[DailySales], window: _Window, cost: Decimal | None, vat_divisor: Decimal) -> WindowFigures:
    chosen = _in(rows, window)
    units = sum(r.units for r in chosen)
    profit = None if cost is None else (_net_profit(chosen, cost, vat_divisor) / window.days).quantize(_PER_DAY)
    return WindowFigures(first_day=window.first, days=window.days, units_total=units,
                         units_per_day=(Decimal(units) / window.days).quantize(_PER_DAY), profit_per_day=profit)


def _ratio(after: Decimal, before: Decimal) -> Decimal | None:
    return after / before if before > 0 else None


def _effect(own: Decimal | None, control: Decimal | None) -> Decimal | None:
    """The own ratio over the control's (None: no control to adjust by), as a percent change."""
    if own is None or (control is not None and control <= 0):
        return None
    adjusted = own / control if control is not None else own
    return ((adjusted - 1) * HUNDRED).quantize(_PCT)


@attrs.frozen(kw_only=True)
class ControlGroup:
    """The unchanged products of the change's category: their sales, and the costs of those that have one."""

    sales: Mapping[str, Sequence[DailySales]]
    costs: Mapping[str, Decimal]

    @property
    def size(self) -> int:
        """How many products form the control."""
        return len(self.sales)


def change_impact(
    change: AppliedChange,
    sales: Sequence[DailySales],
    control: ControlGroup,
    *,
    coverage: SalesCoverage | None,
    vat_rate: Decimal,
    tz: tzinfo,
    policy: ImpactPolicy = ImpactPolicy(),
    next_change_at: datetime | None = None,
) -> ChangeImpact:
    """What ``change`` did, from the product's daily ``sales`` and its category's ``control``.

    ``vat_rate`` is a percent (15); ``next_change_at`` the product's next change after this one, if
    any. Pure: the same inputs give the same answer.
    """
    w = policy.window_days
    first_before, last_before, first_after, last_after = windows_of(change, tz, w)
    base = ChangeImpact(change=change, verdict=ImpactVerdict.TOO_EARLY, window_days=w, reason="")
    if coverage is None:
        return attrs.evolve(base, verdict=ImpactVerdict.NO_DATA, reason="the store's sales were never read")
    if last_after > coverage.last_day:
        return attrs.evolve(base, reason=f"the {w} days after the change end on {last_after.isoformat()}; "
                                         f"sales are read up to {coverage.last_day.isoformat()}")
    if first_before < coverage.first_day:
        return attrs.evolve(base, verdict=ImpactVerdict.NO_DATA,
                            reason=f"sales are read from {coverage.first_day.isoformat()}, after the {w} days "
                                   f"before the change began")
    if next_change_at is not None and local_day(next_change_at, tz) <= last_after:
        return attrs.evolve(base, verdict=ImpactVerdict.CHANGED_AGAIN,
                            reason=f"the price changed again on {local_day(next_change_at, tz).isoformat()}, "
                                   f"within the {w} days after")

    divisor = 1 + to_decimal(vat_rate) / HUNDRED
    before_w, after_w = _Window(first_before, last_before), _Window(first_after, last_after)
    before = _figures(sales, before_w, change.cost_price, divisor)
    after = _figures(sales, after_w, change.cost_price, divisor)
    control_units_ratio, control_profit_ratio = _control_ratios(control, before_w, after_w, divisor, policy)
    units_effect = _effect(_ratio(Decimal(after.units_total), Decimal(before.units_total)), control_units_ratio)
    result = attrs.evolve(base, before=before, after=after, control_products=control.size,
                          control_units_ratio=_rounded(control_units_ratio),
                          control_profit_ratio=_rounded(control_profit_ratio), units_change_pct=units_effect)
    if any(r is not None and r <= 0 for r in (control_units_ratio, control_profit_ratio)):
        return attrs.evolve(result, verdict=ImpactVerdict.NO_DATA, units_change_pct=None,
                            reason="the unchanged products of its category sold nothing (or at no profit) in the "
                                   "days after: nothing to compare with")
    if before.units_total < policy.min_units_before:
        return attrs.evolve(result, verdict=ImpactVerdict.TOO_FEW_SALES,
                            reason=f"{before.units_total} unit(s) sold in the {w} days before; at least "
                                   f"{policy.min_units_before} are needed to judge")
    if change.cost_price is None:
        return attrs.evolve(result, verdict=ImpactVerdict.NO_COST, reason="no known cost: units only")
    profit_before = _net_profit(_in(sales, before_w), change.cost_price, divisor)
    profit_after = _net_profit(_in(sales, after_w), change.cost_price, divisor)
    if profit_before <= 0:
        return attrs.evolve(result, verdict=ImpactVerdict.UNPROFITABLE_BEFORE,
                            reason="no gross profit in the days before to compare with")
    profit_effect = _effect(profit_after / profit_before, control_profit_ratio) or ZERO
    if profit_effect < -policy.profit_drop_pct:
        verdict = ImpactVerdict.PROFIT_FELL
    elif profit_effect > policy.profit_drop_pct:
        verdict = ImpactVerdict.PROFIT_ROSE
    else:
        verdict = ImpactVerdict.STEADY
    control_note = (f"against {control.size} unchanged product(s) of its category" if control.size
                    else "no unchanged product of its category to compare with")
    return attrs.evolve(result, verdict=verdict, profit_change_pct=profit_effect,
                        reason=f"gross profit per day {profit_effect:+}% {control_note}")


def _rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.001"))


def _control_ratios(
    control: ControlGroup, before: _Window, after: _Window, divisor: Decimal, policy: ImpactPolicy
) -> tuple[Decimal | None, Decimal | None]:
    """The category's after/before ratios of units and of gross profit, pooled over the control.

    A control that sold fewer than ``min_units_before`` units before is too thin to adjust by (None).
    """
    units_before = units_after = 0
    profit_before = profit_after = ZERO
    profit_units_before = 0
    for product_id, rows in control.sales.items():
        rows_before, rows_after = _in(rows, before), _in(rows, after)
        units_before += sum(r.units for r in rows_before)
        units_after += sum(r.units for r in rows_after)
        cost = control.costs.get(product_id)
        if cost is not None:
            profit_units_before += sum(r.units for r in rows_before)
            profit_before += _net_profit(rows_before, cost, divisor)
            profit_after += _net_profit(rows_after, cost, divisor)
    units_ratio = (_ratio(Decimal(units_after), Decimal(units_before))
                   if units_before >= policy.min_units_before else None)
    profit_ratio = _ratio(profit_after, profit_before) if profit_units_before >= policy.min_units_before else None
    return units_ratio, profit_ratio


def assess_changes(
    changes: Sequence[AppliedChange],
    products: Mapping[str, Product],
    sales: Sequence[DailySales],
    *,
    coverage: SalesCoverage | None,
    vat_rate: Decimal,
    tz: tzinfo,
    policy: ImpactPolicy = ImpactPolicy(),
    judge: Iterable[str] | None = None,
) -> list[ChangeImpact]:
    """The impact of each change (of those whose ``key`` is in ``judge``, when given), in ``changes`` order.

    ``changes`` are all the store's applied changes the windows may touch: they decide each
    change's next change and which products stayed unchanged (the control: the other products of
    the category in ``products`` without a change from the first day before to the last day after).
    ``sales`` are the store's daily sales over those days.
    """
    wanted = None if judge is None else set(judge)
    by_product: dict[str, list[DailySales]] = defaultdict(list)
    for row in sales:
        by_product[row.product_id].append(row)
    changed_days: dict[str, list[date]] = defaultdict(list)
    times: dict[str, list[datetime]] = defaultdict(list)
    for c in changes:
        changed_days[c.product_id].append(local_day(c.changed_at, tz))
        times[c.product_id].append(c.changed_at)
    members: dict[str, list[str]] = defaultdict(list)
    for each in products.values():
        members[category_of(each)].append(each.id)

    results = []
    for change in changes:
        if wanted is not None and change.key not in wanted:
            continue
        first_before, _, _, last_after = windows_of(change, tz, policy.window_days)
        product = products.get(change.product_id)
        peers = members.get(category_of(product), []) if product is not None else []
        unchanged = [pid for pid in peers if pid != change.product_id
                     and not any(first_before <= d <= last_after for d in changed_days.get(pid, ()))]
        control = ControlGroup(
            sales={pid: by_product.get(pid, []) for pid in unchanged},
            costs={pid: cost for pid in unchanged if (cost := products[pid].cost_price) is not None},
        )
        later = [t for t in times[change.product_id] if t > change.changed_at]
        results.append(change_impact(change, by_product.get(change.product_id, []), control, coverage=coverage,
                                     vat_rate=vat_rate, tz=tz, policy=policy,
                                     next_change_at=min(later) if later else None))
    return results


__all__ = [
    "AppliedChange",
    "ChangeImpact",
    "ControlGroup",
    "ImpactPolicy",
    "ImpactVerdict",
    "SalesCoverage",
    "WindowFigures",
    "assess_changes",
    "change_impact",
    "local_day",
    "windows_of",
]
