"""Judging applied price changes: a product's days after against before, net of its category's control.

See ``pricing_core.change_impact`` for the method and the verdicts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

import attrs

from pricing_core.catalog import Product
from pricing_core.change_impact.model import (
    PCT,
    PER_DAY,
    AppliedChange,
    ChangeImpact,
    ControlGroup,
    ImpactPolicy,
    ImpactVerdict,
    SalesCoverage,
    WindowFigures,
)
from pricing_core.demand_history import category_of
from pricing_core.money import HUNDRED, ZERO, to_decimal
from pricing_core.sales import DailySales


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
    profit = None if cost is None else (_net_profit(chosen, cost, vat_divisor) / window.days).quantize(PER_DAY)
    return WindowFigures(first_day=window.first, days=window.days, units_total=units,
                         units_per_day=(Decimal(units) / window.days).quantize(PER_DAY), profit_per_day=profit)


def _ratio(after: Decimal, before: Decimal) -> Decimal | None:
    return after / before if before > 0 else None


def _effect(own: Decimal | None, control: Decimal | None) -> Decimal | None:
    """The own ratio over the control's (None: no control to adjust by), as a percent change."""
    if own is None or (control is not None and control <= 0):
        return None
    adjusted = own / control if control is not None else own
    return ((adjusted - 1) * HUNDRED).quantize(PCT)


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


__all__ = ["assess_changes", "change_impact", "local_day", "windows_of"]
