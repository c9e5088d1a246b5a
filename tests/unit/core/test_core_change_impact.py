"""Watching what an applied price change did: known synthetic sales, and the invariants of the comparison."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing_core import Product
from pricing_core.change_impact import (
    AppliedChange,
    ControlGroup,
    ImpactPolicy,
    ImpactVerdict,
    SalesCoverage,
    assess_changes,
    change_impact,
)
from pricing_core.sales import DailySales

RIYADH = ZoneInfo("Asia/Riyadh")
DAY = date(2026, 4, 15)  # the day of the change
CHANGED_AT = datetime.combine(DAY, time(10), tzinfo=RIYADH).astimezone(UTC)
COVERED = SalesCoverage(first_day=DAY - timedelta(days=30), last_day=DAY + timedelta(days=10))
NO_CONTROL = ControlGroup(sales={}, costs={})


def change(cost: str | None = "60", product_id: str = "p", at: datetime = CHANGED_AT) -> AppliedChange:
    return AppliedChange(product_id=product_id, old_price="115", new_price="109.25", changed_at=at, cost_price=cost,
                         decision_id="d1", run_id="r1")


def days(product_id: str, first: date, n: int, units: int, unit_revenue: str) -> list[DailySales]:
    """``n`` days from ``first`` selling ``units`` a day at ``unit_revenue`` each (VAT included)."""
    return [DailySales(product_id=product_id, day=first + timedelta(days=i), units=units,
                       revenue=Decimal(unit_revenue) * units) for i in range(n) if units]


def history(product_id: str, before_units: int, after_units: int, before_rev: str = "115",
            after_rev: str = "109.25", window: int = 7) -> list[DailySales]:
    return (days(product_id, DAY - timedelta(days=window), window, before_units, before_rev)
            + days(product_id, DAY, 1, 50, "1")  # the day of the change is mixed: never counted
            + days(product_id, DAY + timedelta(days=1), window, after_units, after_rev))


def test_a_cut_that_lost_profit_is_flagged_with_its_figures() -> None:
    # Before: 10 a day at 115 (100 net of VAT), cost 60: 400 a day. After: 6 a day at 109.25 (95 net): 210.
    impact = change_impact(change(), history("p", 10, 6), NO_CONTROL, coverage=COVERED, vat_rate=Decimal(15),
                           tz=RIYADH)
    assert impact.verdict is ImpactVerdict.PROFIT_FELL and impact.flagged
    assert impact.before is not None and impact.after is not None
    assert (impact.before.units_per_day, impact.before.profit_per_day) == (Decimal("10.00"), Decimal("400.00"))
    assert (impact.after.units_per_day, impact.after.profit_per_day) == (Decimal("6.00"), Decimal("210.00"))
    assert impact.before.days == impact.after.days == 7
    assert impact.units_change_pct == Decimal("-40.0")
    assert impact.profit_change_pct == Decimal("-47.5")
    assert impact.control_products == 0
    assert "-47.5%" in impact.reason


def test_the_category_trend_is_taken_out_by_the_control() -> None:
    # The whole category halved (a season's end); the product did a little better than its peers.
    control = ControlGroup(sales={"c1": history("c1", 10, 5, "115", "115"), "c2": history("c2", 4, 2, "115", "115")},
                           costs={"c1": Decimal("60"), "c2": Decimal("60")})
    impact = change_impact(change(), history("p", 10, 6), control, coverage=COVERED, vat_rate=Decimal(15), tz=RIYADH)
    assert impact.control_products == 2
    assert impact.control_units_ratio == Decimal("0.500")
    assert impact.control_profit_ratio == Decimal("0.500")
    assert impact.units_change_pct == Decimal("20.0")  # 0.6 / 0.5
    assert impact.profit_change_pct == Decimal("5.0")  # 0.525 / 0.5
    assert impact.verdict is ImpactVerdict.STEADY


def test_a_raise_that_earned_more_is_profit_rose() -> None:
    impact = change_impact(change(), history("p", 10, 9, "115", "126.50"), NO_CONTROL, coverage=COVERED,
                           vat_rate=Decimal(15), tz=RIYADH)
    # After: 9 a day at 110 net - 60 = 450 a day, +12.5%: not beyond 20%.
    assert impact.verdict is ImpactVerdict.STEADY and impact.profit_change_pct == Decimal("12.5")
    wider = change_impact(change(), history("p", 10, 9, "115", "126.50"), NO_CONTROL, coverage=COVERED,
                          vat_rate=Decimal(15), tz=RIYADH, policy=ImpactPolicy(profit_drop_pct=Decimal(10)))
    assert wider.verdict is ImpactVerdict.PROFIT_ROSE


def test_vat_is_taken_out_of_revenue_before_the_cost() -> None:
    # Without VAT the same sales earn 115 - 60 = 55 a unit before, 109.25 - 60 = 49.25 after.
    impact = change_impact(change(), history("p", 10, 6), NO_CONTROL, coverage=COVERED, vat_rate=Decimal(0),
                           tz=RIYADH)
    assert impact.before is not None and impact.before.profit_per_day == Decimal("550.00")
    assert impact.profit_change_pct == Decimal("-46.3")


@pytest.mark.parametrize(
    ("coverage", "verdict"),
    [
        (None, ImpactVerdict.NO_DATA),
        (SalesCoverage(first_day=DAY - timedelta(days=30), last_day=DAY + timedelta(days=6)), ImpactVerdict.TOO_EARLY),
        (SalesCoverage(first_day=DAY - timedelta(days=6), last_day=DAY + timedelta(days=9)), ImpactVerdict.NO_DATA),
        (SalesCoverage(first_day=DAY - timedelta(days=7), last_day=DAY + timedelta(days=7)),
         ImpactVerdict.PROFIT_FELL),
    ],
)
def test_the_days_read_decide_whether_it_can_be_judged(coverage: SalesCoverage | None, verdict: ImpactVerdict) -> None:
    impact = change_impact(change(), history("p", 10, 6), NO_CONTROL, coverage=coverage, vat_rate=Decimal(15),
                           tz=RIYADH)
    assert impact.verdict is verdict
    assert impact.verdict.is_final is (verdict is not ImpactVerdict.TOO_EARLY)


def test_thin_baselines_unknown_costs_and_losses_are_not_judged() -> None:
    few = change_impact(change(), history("p", 0, 3) + days("p", DAY - timedelta(days=3), 1, 4, "115"), NO_CONTROL,
                        coverage=COVERED, vat_rate=Decimal(15), tz=RIYADH)
    assert few.verdict is ImpactVerdict.TOO_FEW_SALES and "4 unit(s)" in few.reason
    no_cost = change_impact(change(cost=None), history("p", 10, 6), NO_CONTROL, coverage=COVERED,
                            vat_rate=Decimal(15), tz=RIYADH)
    assert no_cost.verdict is ImpactVerdict.NO_COST
    assert no_cost.units_change_pct == Decimal("-40.0") and no_cost.profit_change_pct is None
    assert no_cost.before is not None and no_cost.before.profit_per_day is None
    losing = change_impact(change(cost="120"), history("p", 10, 6), NO_CONTROL, coverage=COVERED,
                           vat_rate=Decimal(15), tz=RIYADH)
    assert losing.verdict is ImpactVerdict.UNPROFITABLE_BEFORE


def test_a_second_change_within_the_days_after_leaves_the_first_unjudged() -> None:
    later = CHANGED_AT + timedelta(days=3)
    impact = change_impact(change(), history("p", 10, 6), NO_CONTROL, coverage=COVERED, vat_rate=Decimal(15),
                           tz=RIYADH, next_change_at=later)
    assert impact.verdict is ImpactVerdict.CHANGED_AGAIN
    after_window = change_impact(change(), history("p", 10, 6), NO_CONTROL, coverage=COVERED, vat_rate=Decimal(15),
                                 tz=RIYADH, next_change_at=CHANGED_AT + timedelta(days=8))
    assert after_window.verdict is ImpactVerdict.PROFIT_FELL


def test_assess_changes_builds_the_control_from_unchanged_products_of_the_same_category() -> None:
    products = {
        "p": Product(id="p", price="109.25", cost_price="60", categories=("shoes",)),
        "same": Product(id="same", price="115", cost_price="60", categories=("shoes",)),
        "moved": Product(id="moved", price="115", cost_price="60", categories=("shoes",)),
        "other": Product(id="other", price="115", cost_price="60", categories=("bags",)),
    }
    sales = (history("p", 10, 6) + history("same", 10, 5, "115", "115") + history("moved", 10, 20, "115", "115")
             + history("other", 10, 1, "115", "115"))
    moved = change(product_id="moved", at=CHANGED_AT - timedelta(days=2))
    impacts = assess_changes([change(), moved], products, sales, coverage=COVERED, vat_rate=Decimal(15), tz=RIYADH,
                             judge=[change().key])
    assert len(impacts) == 1
    (impact,) = impacts
    assert impact.control_products == 1  # "moved" changed within the windows, "other" is another category
    assert impact.control_units_ratio == Decimal("0.500")
    assert impact.verdict is ImpactVerdict.STEADY
    both = assess_changes([change(), moved], products, sales, coverage=COVERED, vat_rate=Decimal(15), tz=RIYADH)
    assert [i.change.product_id for i in both] == ["p", "moved"]


def test_assess_changes_sees_the_next_change_of_the_same_product() -> None:
    products = {"p": Product(id="p", price="100", cost_price="60")}
    second = change(at=CHANGED_AT + timedelta(days=2))
    first, later = assess_changes([change(), second], products, history("p", 10, 6), coverage=COVERED,
                                  vat_rate=Decimal(15), tz=RIYADH)
    assert first.verdict is ImpactVerdict.CHANGED_AGAIN
    assert later.verdict is not ImpactVerdict.CHANGED_AGAIN


def test_the_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="window_days"):
        ImpactPolicy(window_days=0)
    with pytest.raises(ValueError, match="profit_drop_pct"):
        ImpactPolicy(profit_drop_pct=Decimal(100))


# -- invariants ------------------------------------------------------------------------------

units = st.integers(min_value=0, max_value=40)
week = st.lists(units, min_size=7, max_size=7)
revenue = st.sampled_from(["80", "95.50", "115", "130", "172.50"])


def _series(product_id: str, before: list[int], after: list[int], rev_before: str, rev_after: str,
            scale: int = 1) -> list[DailySales]:
    rows = []
    for i, n in enumerate(before):
        if n:
            rows.append(DailySales(product_id=product_id, day=DAY - timedelta(days=7 - i), units=n * scale,
                                   revenue=Decimal(rev_before) * n * scale))
    for i, n in enumerate(after):
        if n:
            rows.append(DailySales(product_id=product_id, day=DAY + timedelta(days=1 + i), units=n * scale,
                                   revenue=Decimal(rev_after) * n * scale))
    return rows


@settings(max_examples=150, deadline=None)
@given(before=week, after=week, c_before=week, c_after=week, rev_before=revenue, rev_after=revenue,
       scale=st.integers(min_value=2, max_value=9))
def test_selling_k_times_as_much_everywhere_changes_no_ratio(
    before: list[int], after: list[int], c_before: list[int], c_after: list[int], rev_before: str, rev_after: str,
    scale: int,
) -> None:
    def judge(k: int) -> tuple[Decimal | None, Decimal | None, ImpactVerdict]:
        control = ControlGroup(sales={"c": _series("c", c_before, c_after, "115", "115", k)}, costs={"c": Decimal(50)})
        impact = change_impact(change(cost="50"), _series("p", before, after, rev_before, rev_after, k), control,
                               coverage=COVERED, vat_rate=Decimal(15), tz=RIYADH,
                               policy=ImpactPolicy(min_units_before=1))
        return impact.units_change_pct, impact.profit_change_pct, impact.verdict

    one, many = judge(1), judge(scale)
    assert one[0] == many[0]
    if one[1] is not None and many[1] is not None:
        assert abs(one[1] - many[1]) <= Decimal("0.1")  # the VAT division rounds at the 28th digit
    if one[2] is not many[2]:  # only a ratio sitting on the threshold may tip
        assert one[1] is not None and abs(abs(one[1]) - 20) <= Decimal("0.1")


@settings(max_examples=150, deadline=None)
@given(before=week, after=week, rev_before=revenue, rev_after=revenue)
def test_a_product_that_moved_exactly_like_its_category_had_no_effect(
    before: list[int], after: list[int], rev_before: str, rev_after: str
) -> None:
    same = _series("p", before, after, rev_before, rev_after)
    control = ControlGroup(sales={"c": [DailySales(product_id="c", day=r.day, units=r.units, revenue=r.revenue)
                                        for r in same]}, costs={"c": Decimal(50)})
    impact = change_impact(change(cost="50"), same, control, coverage=COVERED, vat_rate=Decimal(15), tz=RIYADH)
    if sum(before) >= 5 and not sum(after):  # the category stopped selling: nothing to compare with
        assert impact.verdict is ImpactVerdict.NO_DATA and impact.units_change_pct is None
    elif sum(before) >= 5:
        assert impact.units_change_pct == Decimal("0.0")
        if impact.profit_change_pct is not None:
            assert impact.profit_change_pct == Decimal("0.0")
            assert impact.verdict is ImpactVerdict.STEADY
    else:
        assert impact.verdict is ImpactVerdict.TOO_FEW_SALES


@settings(max_examples=150, deadline=None)
@given(before=week, after=week, extra=st.integers(min_value=1, max_value=20), day=st.integers(min_value=0, max_value=6))
def test_selling_more_after_at_a_profit_never_reads_as_worse(
    before: list[int], after: list[int], extra: int, day: int
) -> None:
    more = list(after)
    more[day] += extra

    def judge(series: list[int]) -> tuple[Decimal | None, Decimal | None]:
        impact = change_impact(change(cost="50"), _series("p", before, series, "115", "109.25"), NO_CONTROL,
                               coverage=COVERED, vat_rate=Decimal(15), tz=RIYADH)
        return impact.units_change_pct, impact.profit_change_pct

    (units_less, profit_less), (units_more, profit_more) = judge(after), judge(more)
    if units_less is not None and units_more is not None:
        assert units_more >= units_less
    if profit_less is not None and profit_more is not None:
        assert profit_more >= profit_less


@settings(max_examples=200, deadline=None)
@given(before=week, after=week, rev_after=revenue, drop=st.integers(min_value=1, max_value=99))
def test_profit_fell_exactly_when_the_adjusted_drop_exceeds_the_share(
    before: list[int], after: list[int], rev_after: str, drop: int
) -> None:
    impact = change_impact(change(cost="50"), _series("p", before, after, "115", rev_after), NO_CONTROL,
                           coverage=COVERED, vat_rate=Decimal(15), tz=RIYADH,
                           policy=ImpactPolicy(profit_drop_pct=Decimal(drop)))
    assert impact.verdict.is_final
    if impact.profit_change_pct is None:
        assert not impact.flagged
    else:
        assert impact.flagged is (impact.profit_change_pct < -drop)
        assert (impact.verdict is ImpactVerdict.PROFIT_ROSE) is (impact.profit_change_pct > drop)


def test_a_category_that_stopped_selling_leaves_nothing_to_compare_with() -> None:
    control = ControlGroup(sales={"c": history("c", 10, 0, "115", "115")}, costs={"c": Decimal("60")})
    impact = change_impact(change(), history("p", 10, 6), control, coverage=COVERED, vat_rate=Decimal(15), tz=RIYADH)
    assert impact.verdict is ImpactVerdict.NO_DATA and not impact.flagged
    assert "sold nothing" in impact.reason
