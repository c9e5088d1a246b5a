"""The ``profit`` strategy in the pipeline (issue 15), by example: optimum, fallbacks, price tests, guards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from pydantic import ValidationError

from pricing_core import (
    Action,
    AdvisorProposal,
    CompetitorOffer,
    ElasticityEstimate,
    PricePoint,
    Product,
    RiskLevel,
    TenantSettings,
    price_catalog,
    price_product,
)
from pricing_core.demand import WEAK_PRIOR, exploration_direction

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
D = Decimal
# A fallback width of 1 (default 6) so that the fallback paths below are reached with modest intervals.
PROFIT = TenantSettings(strategy="profit", automation_mode="full-auto", min_profit_margin=D("10"),
                        max_change_pct=D("10"), profit_max_interval_width=D("1"))


def product(price: str = "100.00", cost: str | None = "50.00", vat: bool = False, pid: str = "1001") -> Product:
    return Product(id=pid, name="Oud oil", price=D(price), cost_price=D(cost) if cost else None,
                   prices_include_vat=vat)


def offer(competitor: str, price: str, **kw: object) -> CompetitorOffer:
    return CompetitorOffer(competitor=competitor, price=D(price), observed_at=NOW - timedelta(hours=1), **kw)


def known(e: float, width: float = 0.4, units: float | None = 10.0, at: str = "100") -> ElasticityEstimate:
    return ElasticityEstimate(e, e - width / 2, e + width / 2, 56, units_per_day=units,
                              at_price=D(at) if units is not None else None)


def explains(decision, *fragments: str) -> None:
    text = "\n".join(decision.explanation)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"


def test_settings_accept_profit_and_refuse_profit_as_its_own_fallback():
    assert TenantSettings(strategy="profit").profit_fallback_strategy.value == "match"
    with pytest.raises(ValidationError, match="competitive strategy"):
        TenantSettings(strategy="profit", profit_fallback_strategy="profit")
    with pytest.raises(ValidationError):
        TenantSettings(exploration_step_pct=D("25"))


def test_moves_toward_the_optimum_by_at_most_the_maximum_change():
    # cost 50, e = -3: optimum 75; max change 10% -> 90.
    d = price_product(product(), [offer("noon", "99.00")], PROFIT, now=NOW, demand=known(-3.0))
    assert d.suggested_price == D("90.00") and d.strategy == "profit"
    # The interval's uncertainty (sd 0.12) moves the expected-profit optimum a little below the textbook 75.
    explains(d, "elasticity -3.00 (90% interval -3.20..-2.80, 56 days)",
             "profit-maximizing price is 74.95 in expectation over the interval",
             "(at -3.00 alone: 75.00 = cost 50.00 x e/(1+e))",
             "Target 74.95 adjusted to 90.00 by the guards",
             "Demand: at 90.00 instead of 100.00, expected gross profit +")
    # 10 units/day at 100 -> 500/day; at 90: 10 * 0.9**-3 * 40 = 548.70/day.
    explains(d, f"{10 * 0.9**-3 * 40 - 500:+.2f} SAR/day")


def test_reaches_the_optimum_with_vat_included():
    # cost 60, e = -4 known exactly: net optimum 80, with 15% VAT 92.00 (within the 10% window).
    d = price_product(product(cost="60.00", vat=True), [], PROFIT, now=NOW, demand=known(-4.0, width=0.0))
    assert d.suggested_price == D("92.00")
    explains(d, "profit-maximizing price is 92.00 (cost 60.00 x e/(1+e), VAT 15% included)")


def test_a_raise_toward_the_optimum_needs_no_competitor():
    # cost 80, e = -2: optimum 160; +10% per run.
    d = price_product(product(cost="80.00"), [], PROFIT, now=NOW, demand=known(-2.0))
    assert d.suggested_price == D("110.00") and d.strategy == "profit"


def test_the_floor_wins_over_the_optimum():
    # cost 90, e = -8 -> optimum 102.86; a 20% minimum margin puts the floor at 90 / 0.8 = 112.50 (no VAT).
    s = PROFIT.with_changes(min_profit_margin=D("20"))
    d = price_product(product(price="115.00", cost="90.00"), [], s, now=NOW, demand=known(-8.0))
    assert d.floor_price == D("112.50") and d.suggested_price == D("112.50")


def test_inelastic_demand_steps_up_by_the_capped_step():
    d = price_product(product(), [offer("noon", "95.00")], PROFIT, now=NOW, demand=known(-0.6))
    assert d.suggested_price == D("102.00") and d.strategy == "profit:step_up"
    explains(d, "elasticity -0.60", "demand is inelastic", "step up by 2%")


def test_step_ups_are_a_day_apart_so_they_do_not_compound_within_a_day():
    raised = [PricePoint(product_id="1001", price=D("100.00"), changed_at=NOW - timedelta(hours=6))]
    d = price_product(product(), [], PROFIT, now=NOW, history=raised, demand=known(-0.6))
    assert d.action is Action.NO_CHANGE and d.strategy == "profit:wait"
    explains(d, "demand is inelastic", "the price changed less than a day ago (2026-11-23 06:00)")
    day_old = [PricePoint(product_id="1001", price=D("100.00"), changed_at=NOW - timedelta(hours=25))]
    later = price_product(product(), [], PROFIT, now=NOW, history=day_old, demand=known(-0.6))
    assert later.suggested_price == D("102.00") and later.strategy == "profit:step_up"


def test_inelastic_demand_can_fall_back_to_the_competitive_strategy_instead():
    s = PROFIT.with_changes(profit_when_inelastic="competitive")
    d = price_product(product(), [offer("noon", "95.00"), offer("amazon", "95.00")], s, now=NOW,
                      demand=known(-0.6))
    assert d.suggested_price == D("95.00") and d.strategy == "profit>match:lowest"
    explains(d, "demand is inelastic", "the store's settings fall back to 'match'")


def test_too_uncertain_an_estimate_falls_back_to_the_competitive_strategy():
    s = PROFIT.with_changes(profit_fallback_strategy="beat_percent", strategy_value=D("1"))
    d = price_product(product(), [offer("noon", "96.00"), offer("amazon", "96.00")], s, now=NOW,
                      demand=known(-3.0, width=2.0))
    assert d.suggested_price == D("95.04") and d.strategy == "profit>beat_percent:lowest"
    explains(d, "elasticity -3.00 (90% interval -4.00..-2.00", "too uncertain (interval wider than 1)",
             "falls back to 'beat_percent'", "beat it by 1%", "Demand: at 95.04 instead of 100.00")


def test_an_interval_reaching_minus_one_is_priced_in_expectation():
    # e = -1.3, interval -1.7..-0.9: the textbook price at -1.3 is 216.67, and the chance of inelastic
    # demand pushes the expected-profit optimum higher still; the maximum change caps today's move.
    d = price_product(product(), [offer("noon", "97.00"), offer("amazon", "97.00")], PROFIT, now=NOW,
                      demand=known(-1.3, width=0.8))
    assert d.suggested_price == D("110.00") and d.strategy == "profit"
    explains(d, "in expectation over the interval (at -1.30 alone: 216.67 = cost 50.00 x e/(1+e))")


def test_with_the_default_width_a_wide_estimate_is_priced_on_not_refused():
    s = PROFIT.with_changes(profit_max_interval_width=TenantSettings().profit_max_interval_width)
    assert s.profit_max_interval_width == D("6")
    offers = [offer("noon", "96.00"), offer("amazon", "96.00")]
    elastic = price_product(product(price="100.00"), offers, s, now=NOW, demand=known(-4.0, width=2.0))
    # Textbook at -4: 66.67; expected over -5..-3 a little lower; 10% a run -> 90.00.
    assert elastic.suggested_price == D("90.00") and elastic.strategy == "profit"
    explains(elastic, "in expectation over the interval (at -4.00 alone: 66.67")
    # Mostly inelastic mass: expected profit keeps rising with the price -> the capped step up.
    unsure = price_product(product(), offers, s, now=NOW, demand=known(-1.5, width=4.0))
    assert unsure.suggested_price == D("102.00") and unsure.strategy == "profit:step_up"
    explains(unsure, "may be inelastic (", "chance that e > -1), so expected profit keeps rising with the price",
             "step up by 2%")
    # The weak prior alone (no price variation seen yet) is wider than 6: the fallback.
    assert WEAK_PRIOR.width > 6
    prior_only = price_product(product(), offers, s, now=NOW, demand=WEAK_PRIOR)
    assert prior_only.strategy == "profit>match:lowest"


def test_no_estimate_and_no_cost_fall_back_with_the_reason():
    d = price_product(product(), [offer("noon", "97.00"), offer("amazon", "97.00")], PROFIT, now=NOW)
    explains(d, "no demand estimate yet (no sales history); falls back to 'match'")
    d = price_product(product(cost=None), [offer("noon", "103.00")], PROFIT, now=NOW, demand=known(-3.0))
    assert d.suggested_price == D("103.00")
    explains(d, "no cost is known, so profit cannot be computed")


def test_no_estimate_and_no_offer_holds():
    d = price_product(product(), [], PROFIT, now=NOW)
    assert d.action is Action.NO_CHANGE and d.strategy == "hold"


def test_exploration_tests_around_the_competitive_target_on_alternate_weeks():
    s = PROFIT.with_changes(exploration=True, exploration_step_pct=D("2"))
    uncertain = known(-2.0, width=3.0)
    seen = {}
    for days in (0, 7):
        now = NOW + timedelta(days=days)
        offers = [attrs.evolve(o, observed_at=now - timedelta(hours=1))
                  for o in (offer("noon", "100.00"), offer("amazon", "100.00"))]
        d = price_product(product(price="101.00"), offers, s, now=now, demand=uncertain)
        up = exploration_direction("1001", now.date()) > 0
        assert d.suggested_price == (D("102.00") if up else D("98.04")), d.explanation
        assert d.strategy == "profit:explore"
        explains(d, "Price test:", "too uncertain", f"2% {'above' if up else 'below'} the 'match' target 100.00",
                 "the side alternates weekly")
        seen[up] = d.suggested_price
    assert len(seen) == 2


def test_exploration_without_offers_tests_around_the_typical_price():
    s = PROFIT.with_changes(exploration=True)
    uncertain = known(-2.0, width=3.0, at="80.00")
    d = price_product(product(price="80.00", cost="40.00"), [], s, now=NOW, demand=uncertain)
    up = exploration_direction("1001", NOW.date()) > 0
    assert d.suggested_price == (D("81.60") if up else D("78.43"))
    explains(d, "the typical price 80.00 of the last 56 days")


def test_exploration_is_opt_in_and_needs_a_cost_and_a_base():
    uncertain = known(-2.0, width=3.0)
    off = price_product(product(), [], PROFIT, now=NOW, demand=uncertain)
    assert off.action is Action.NO_CHANGE
    on = PROFIT.with_changes(exploration=True)
    no_base = price_product(product(), [], on, now=NOW, demand=ElasticityEstimate(-2.0, -3.5, -0.5, 0))
    assert no_base.action is Action.NO_CHANGE
    no_cost = price_product(product(cost=None), [offer("noon", "100.00")], on, now=NOW, demand=uncertain)
    assert no_cost.strategy == "profit>match:lowest"


def test_exploration_does_not_touch_a_confident_estimate():
    s = PROFIT.with_changes(exploration=True)
    d = price_product(product(), [], s, now=NOW, demand=known(-3.0))
    assert d.strategy == "profit"


def test_with_price_tests_on_a_wide_estimate_tests_around_its_optimum_on_alternate_weeks():
    # e = -4 known to within 2 (wider than 1): the optimum is priced on, and with tests on the price
    # alternates around it so the estimate keeps learning once the price has arrived.
    s = PROFIT.with_changes(exploration=True, exploration_step_pct=D("8"), profit_max_interval_width=D("6"),
                            max_change_pct=D("50"))
    seen = set()
    for days in (0, 7):
        now = NOW + timedelta(days=days)
        d = price_product(product(price="70.00", cost="50.00"), [], s, now=now, demand=known(-4.0, width=2.0))
        up = exploration_direction("1001", now.date()) > 0
        assert d.strategy == "profit:explore"
        explains(d, "in expectation over the interval", "Price test: the interval is wider than 1",
                 f"8% {'above' if up else 'below'} it")
        seen.add(d.suggested_price)
    assert len(seen) == 2
    # A confident estimate (narrower than 1) is priced at its optimum without a test.
    sure = price_product(product(price="70.00", cost="50.00"), [], s, now=NOW, demand=known(-4.0, width=0.5))
    assert sure.strategy == "profit"


def test_exploration_respects_the_cooldown():
    s = PROFIT.with_changes(exploration=True, cooldown_hours=48)
    history = [PricePoint(product_id="1001", price=D("98.04"), changed_at=NOW - timedelta(hours=20))]
    d = price_product(product(), [offer("noon", "100.00")], s, now=NOW, history=history,
                      demand=known(-2.0, width=3.0))
    assert d.action is Action.SKIPPED


def test_a_profit_decrease_does_not_rest_on_the_offers():
    # The optimum, not the lone uncorroborated offer, drives this decrease: neither the corroboration
    # rule nor the weak-evidence risk raise (both about offers) applies to it.
    s = PROFIT.with_changes(max_change_pct=D("3"), automation_mode="semi-auto")
    lone = [offer("noon", "60.00")]
    by_demand = price_product(product(), lone, s, now=NOW, demand=known(-3.0))
    assert by_demand.suggested_price == D("97.00")
    assert by_demand.risk is RiskLevel.LOW and by_demand.action is Action.AUTO_APPLY
    by_offer = price_product(product(), lone, s.with_changes(strategy="match"), now=NOW)
    assert by_offer.suggested_price == D("97.00")
    assert by_offer.risk is RiskLevel.MEDIUM and by_offer.action is Action.NEEDS_APPROVAL
    explains(by_offer, "weak evidence (1 offer)")


def test_other_strategies_ignore_the_estimate():
    s = PROFIT.with_changes(strategy="match")
    offers = [offer("noon", "97.00"), offer("amazon", "97.00")]
    without = price_product(product(), offers, s, now=NOW)
    assert price_product(product(), offers, s, now=NOW, demand=known(-3.0)) == without


def test_catalog_feeds_each_product_its_own_estimate():
    products = [product(pid="1"), product(pid="2"), product(pid="3")]
    demand = {"1": known(-3.0), "2": known(-0.6)}
    decisions = price_catalog(products, {}, PROFIT, now=NOW, demand_by_product_id=demand)
    assert [d.strategy for d in decisions] == ["profit", "profit:step_up", "hold"]
    assert decisions == [price_product(p, [], PROFIT, now=NOW, demand=demand.get(p.id)) for p in products]


def test_an_advisor_proposal_still_wins_over_the_profit_strategy():
    proposal = AdvisorProposal(product_id="1001", target_price="104.00", rationale="seasonal demand")
    d = price_product(product(), [], PROFIT, now=NOW, demand=known(-3.0), proposal=proposal)
    assert d.suggested_price == D("104.00") and d.strategy == "advisor:advisor"
