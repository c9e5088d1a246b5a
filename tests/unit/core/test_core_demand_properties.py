"""The profit strategy's and the estimator's promises, as hypothesis properties (issue 15).

MAP (minimum advertised price) comes with another issue; these properties cover the floor, the
merchant's min/max prices and the maximum change, whatever the estimate says.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tests.support.demand_support import histories

from pricing_core import (
    Action,
    CompetitorOffer,
    ElasticityEstimate,
    PriceEnding,
    Product,
    SalesObservation,
    TenantSettings,
    estimate_elasticity,
    price_catalog,
    price_product,
)
from pricing_core.demand import (
    MIN_CATEGORY_SPREAD,
    Z90,
    category_priors,
    daily_profit,
    expected_profit_price,
    inelastic_probability,
    optimal_price,
    pool_estimates,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CENT = Decimal("0.01")
money = st.decimals(min_value=Decimal("0.50"), max_value=Decimal("20000"), places=2)


@st.composite
def estimates(draw: st.DrawFn) -> ElasticityEstimate | None:
    """Anything an estimator might say, sensible or not (including positive elasticities)."""
    if draw(st.booleans()) and draw(st.booleans()):
        return None
    value = draw(st.floats(min_value=-12, max_value=3, allow_nan=False))
    below = draw(st.floats(min_value=0, max_value=4))
    above = draw(st.floats(min_value=0, max_value=4))
    units = draw(st.one_of(st.none(), st.floats(min_value=0, max_value=500)))
    at = draw(money) if units is not None else None
    return ElasticityEstimate(value, value - below, value + above, draw(st.integers(0, 400)),
                              units_per_day=units, at_price=at)


@st.composite
def profit_settings(draw: st.DrawFn) -> TenantSettings:
    low = draw(st.one_of(st.none(), money))
    high = draw(st.one_of(st.none(), money))
    if low is not None and high is not None and low > high:
        low, high = high, low
    return TenantSettings(
        strategy="profit",
        profit_fallback_strategy=draw(st.sampled_from(["match", "beat_percent", "above_percent", "beat_amount"])),
        strategy_value=draw(st.decimals(min_value=Decimal("0"), max_value=Decimal("10"), places=2)),
        min_profit_margin=draw(st.decimals(min_value=Decimal("0"), max_value=Decimal("60"), places=1)),
        max_change_pct=draw(st.decimals(min_value=Decimal("0.5"), max_value=Decimal("100"), places=1)),
        vat_rate=draw(st.sampled_from([Decimal("0"), Decimal("5"), Decimal("15")])),
        min_price=low,
        max_price=high,
        price_ending=draw(st.sampled_from(list(PriceEnding))),
        automation_mode=draw(st.sampled_from(["manual", "semi-auto", "full-auto"])),
        profit_max_interval_width=draw(st.decimals(min_value=Decimal("0.2"), max_value=Decimal("20"), places=1)),
        profit_when_inelastic=draw(st.sampled_from(["step_up", "competitive"])),
        profit_step_up_pct=draw(st.decimals(min_value=Decimal("0.5"), max_value=Decimal("50"), places=1)),
        exploration=draw(st.booleans()),
        exploration_step_pct=draw(st.decimals(min_value=Decimal("0.5"), max_value=Decimal("10"), places=1)),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[Product, list[CompetitorOffer], TenantSettings, ElasticityEstimate | None,
                                    datetime]:
    price = draw(money)
    cost = draw(st.one_of(st.none(), st.decimals(min_value=Decimal("0.01"), max_value=price * 2, places=2)))
    product = Product(id=str(draw(st.integers(1, 10**9))), name="p", price=price, cost_price=cost,
                      prices_include_vat=draw(st.booleans()))
    factor = st.decimals(min_value=Decimal("0.3"), max_value=Decimal("2"), places=3)
    offers = [CompetitorOffer(competitor=name, price=max(CENT, (price * draw(factor)).quantize(CENT)),
                              observed_at=NOW - timedelta(hours=1))
              for name in draw(st.lists(st.sampled_from(["noon", "amazon", "extra"]), max_size=3, unique=True))]
    now = NOW + timedelta(days=draw(st.integers(0, 30)))
    return product, offers, draw(profit_settings()), draw(estimates()), now


def _net(price: Decimal, s: TenantSettings, includes_vat: bool) -> Decimal:
    return price / (1 + s.vat_rate / 100) if includes_vat else price


@settings(max_examples=400, deadline=None)
@given(cases())
def test_whatever_the_estimate_the_floor_min_max_and_maximum_change_hold(case):
    product, offers, s, demand, now = case
    d = price_product(product, offers, s, now=now, demand=demand)
    old = product.price
    assert d.suggested_price > 0 and d.suggested_price == d.suggested_price.quantize(CENT)
    if not d.is_change:
        return
    if product.cost_price is not None:  # the margin floor, always
        n = _net(d.suggested_price, s, product.prices_include_vat)
        assert (n - product.cost_price) / n >= s.min_profit_margin / 100
    limit = old * s.max_change_pct / 100 + CENT
    floor = d.floor_price
    if floor is None or old >= floor:  # the maximum change, except a raise up to the floor
        assert abs(d.suggested_price - old) <= limit
    else:
        assert old < d.suggested_price <= max(floor, old + limit)
    above_floor = floor is None
    if s.max_price is not None and old <= s.max_price and (above_floor or floor <= s.max_price):
        assert d.suggested_price <= s.max_price  # never above max (the floor alone may exceed it)
    if s.min_price is not None and old >= s.min_price:
        assert d.suggested_price >= s.min_price
    if product.cost_price is None and d.suggested_price < old:
        assert d.action is not Action.AUTO_APPLY


@settings(max_examples=200, deadline=None)
@given(cases())
def test_same_inputs_same_decision_price_tests_included(case):
    product, offers, s, demand, now = case
    first = price_product(product, offers, s, now=now, demand=demand)
    assert price_product(product, list(reversed(offers)), s, now=now, demand=demand) == first
    later_same_day = now.replace(hour=23, minute=59)
    again = price_product(product, offers, s, now=later_same_day, demand=demand)
    assert (again.suggested_price, again.strategy) == (first.suggested_price, first.strategy)
    demand_map = {product.id: demand} if demand is not None else {}
    assert price_catalog([product], {product.id: offers}, s, now=now, demand_by_product_id=demand_map) == [first]


@settings(max_examples=300, deadline=None)
@given(
    e=st.floats(min_value=-8, max_value=-1.25),
    cost=st.decimals(min_value=Decimal("1"), max_value=Decimal("5000"), places=2),
    vat=st.sampled_from([Decimal("0"), Decimal("5"), Decimal("15")]),
    includes_vat=st.booleans(),
    start=st.floats(min_value=0.75, max_value=1.3),
)
def test_with_a_known_elasticity_and_no_binding_guard_the_price_is_the_textbook_optimum(
    e, cost, vat, includes_vat, start
):
    s = TenantSettings(strategy="profit", min_profit_margin=Decimal("0"), max_change_pct=Decimal("50"),
                       vat_rate=vat, automation_mode="full-auto")
    textbook = cost * Decimal(repr(e)) / (1 + Decimal(repr(e))) * ((1 + vat / 100) if includes_vat else 1)
    old = (textbook * Decimal(repr(start))).quantize(CENT)
    assume(old > 0)
    product = Product(id="1", price=old, cost_price=cost, prices_include_vat=includes_vat)
    demand = ElasticityEstimate(e, e, e, 56, units_per_day=5.0, at_price=old)
    d = price_product(product, [], s, now=NOW, demand=demand)
    expected = textbook.quantize(CENT, rounding=ROUND_HALF_UP)  # shop rounding, as the core's quantize
    if expected == old:
        assert d.action is Action.NO_CHANGE
        return
    assert d.strategy == "profit"
    assert d.suggested_price == expected
    # ... and it is the maximum of the expected profit: a cent either side earns no more.
    vat_fraction = vat / 100

    def profit(price: Decimal) -> float:
        value = daily_profit(demand, price, cost, vat_fraction=vat_fraction, includes_vat=includes_vat)
        assert value is not None
        return value

    exact = textbook
    assert profit(exact) >= max(profit(exact * Decimal("0.99")), profit(exact * Decimal("1.01")))


@settings(max_examples=150, deadline=None)
@given(histories(), st.sampled_from([Decimal("0.5"), Decimal("3.75"), Decimal("100")]))
def test_estimate_is_finite_consistent_and_does_not_depend_on_the_currency_unit(history, scale):
    est = estimate_elasticity(history)
    assert all(math.isfinite(x) for x in (est.value, est.low, est.high))
    assert est.low <= est.value <= est.high and 0 <= est.prior_share <= 1
    assert est.observations == len(history)
    scaled = estimate_elasticity([
        SalesObservation(o.day, (o.price * scale).quantize(Decimal("0.0001")), o.units,
                         o.reference_price * scale if o.reference_price is not None else None)
        for o in history
    ])
    assert math.isclose(scaled.value, est.value, abs_tol=1e-5)
    assert math.isclose(scaled.high - scaled.low, est.high - est.low, rel_tol=1e-5, abs_tol=1e-6)


@settings(max_examples=100, deadline=None)
@given(histories(), st.floats(min_value=-5, max_value=0), st.floats(min_value=0.01, max_value=4))
def test_data_never_makes_the_interval_wider_than_the_prior(history, centre, width):
    prior = ElasticityEstimate(centre, centre - width / 2, centre + width / 2, 0)
    assert estimate_elasticity(history, prior=prior).width <= prior.width * (1 + 1e-9)


def _expected_profit(price: float, cost: float, m: float, sd: float, anchor: float) -> float:
    """Expected profit per unit of demand at the anchor, for an elasticity e ~ N(m, sd²): the normal's
    moment-generating function gives E[(price/anchor)**e] = exp(m·L + sd²·L²/2), L = log(price/anchor).
    (A sum over 2,000 normal quantiles, used before, is off by about 1e-6 far from the anchor: more
    than the tolerance below, so a correct maximum could fail.)"""
    log_ratio = math.log(price / anchor)
    return math.exp(m * log_ratio + sd * sd * log_ratio * log_ratio / 2) * (price - cost)


@settings(max_examples=150, deadline=None)
@given(
    m=st.floats(min_value=-6, max_value=-1.05),
    width=st.floats(min_value=0.01, max_value=3),
    cost=st.floats(min_value=1, max_value=1000),
    anchor_ratio=st.floats(min_value=1.05, max_value=4),
)
def test_the_expected_profit_price_is_a_maximum_of_expected_profit_over_the_interval(m, width, cost, anchor_ratio):
    estimate = ElasticityEstimate(m, m - width / 2, m + width / 2, 30)
    anchor = Decimal(repr(round(cost * anchor_ratio, 2)))
    found = expected_profit_price(Decimal(repr(cost)), estimate, anchor=anchor, vat_fraction=Decimal(0),
                                  includes_vat=False)
    if found is None:  # then expected profit still rises at twice the textbook price (or more)
        return
    p, a = float(found), float(anchor)
    assert p > cost
    best = _expected_profit(p, cost, m, estimate.sd, a)
    for factor in (0.98, 1.02):
        assert _expected_profit(p * factor, cost, m, estimate.sd, a) <= best * (1 + 1e-6)


@settings(max_examples=150, deadline=None)
@given(m=st.floats(min_value=-8, max_value=-1.05), cost=st.decimals(min_value=Decimal("1"), max_value=Decimal("5000"),
                                                                     places=2),
       includes_vat=st.booleans())
def test_a_tight_estimate_prices_at_the_textbook_optimum_and_a_little_uncertainty_stays_near_it(
    m, cost, includes_vat
):
    vat = Decimal("0.15")
    textbook = optimal_price(cost, m, vat_fraction=vat, includes_vat=includes_vat)
    tight = ElasticityEstimate(m, m, m, 56)
    assert expected_profit_price(cost, tight, anchor=cost * 2, vat_fraction=vat, includes_vat=includes_vat) == textbook
    # Measured from the textbook price itself, a little uncertainty leaves the optimum near the textbook.
    assert textbook is not None
    near = ElasticityEstimate(m, m - 0.01, m + 0.01, 56)
    found = expected_profit_price(cost, near, anchor=textbook, vat_fraction=vat, includes_vat=includes_vat)
    assert found is not None and abs(found / textbook - 1) < Decimal("0.001")
    assert 0 <= inelastic_probability(near) <= 1


_estimates = st.lists(st.tuples(st.floats(min_value=-5, max_value=0), st.floats(min_value=0.2, max_value=5)),
                      max_size=14)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["", "oud", "shoes", "phones", "toys"]), _estimates, max_size=5))
def test_category_priors_lie_between_the_categories_and_are_never_too_narrow(groups):
    by_category = {name: [ElasticityEstimate(v, v - w / 2, v + w / 2, 10) for v, w in rows]
                   for name, rows in groups.items()}
    priors, store = category_priors(by_category, min_products=3)
    assert store == pool_estimates(e for group in by_category.values() for e in group)
    assert "" not in priors and all(len(by_category[name]) >= 3 for name in priors)
    alone = {name: pool_estimates(by_category[name]) for name in priors}
    if priors:
        low, high = min(a.value for a in alone.values()), max(a.value for a in alone.values())
        for prior in priors.values():
            # Shrunk from its own centre toward a weighted mean of the categories' centres: never outside them.
            assert low - 1e-9 <= prior.value <= high + 1e-9
            assert prior.width >= 2 * Z90 * MIN_CATEGORY_SPREAD - 1e-9
            assert math.isfinite(prior.low) and math.isfinite(prior.high)
