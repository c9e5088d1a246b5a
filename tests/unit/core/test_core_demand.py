"""The elasticity estimate and the profit math of ``pricing_core.demand`` (issue 15), by example.

The oracle for the fit is statsmodels' Poisson GLM (an independent implementation) where the
priors are negligible, and the known elasticity of simulated sales everywhere else.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
import statsmodels.api as sm
from tests.support.demand_support import START, simulate

from pricing_core import DemandError, ElasticityEstimate, SalesObservation, estimate_elasticity, pool_estimates
from pricing_core.demand import (
    WEAK_PRIOR,
    Z90,
    daily_profit,
    exploration_direction,
    optimal_price,
    profit_change,
)

D = Decimal
FLAT = ElasticityEstimate(-2.0, -2.0 - Z90 * 1e4, -2.0 + Z90 * 1e4, 0)  # a prior that says nothing


def obs(day: int, price: str, units: int, ref: str | None = None) -> SalesObservation:
    return SalesObservation(START + timedelta(days=day), D(price), units, D(ref) if ref else None)


# --- the value objects refuse bad input with a clear error ------------------------------------------


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"price": D("0")}, "positive"),
    ({"price": "abc"}, "not an amount"),
    ({"units": -1}, "negative"),
    ({"units": 2.5}, "whole number"),
    ({"units": True}, "whole number"),
    ({"reference_price": D("-3")}, "positive"),
    ({"day": datetime(2026, 1, 1, tzinfo=UTC)}, "not a datetime"),
])
def test_observation_rejects_bad_values(kwargs, message):
    args = {"day": START, "price": D("10"), "units": 1, **kwargs}
    with pytest.raises(DemandError, match=message):
        SalesObservation(**args)


def test_observation_reads_prices_like_the_rest_of_the_core():
    o = SalesObservation(START, "1,250.50", 3, "1200")
    assert (o.price, o.reference_price) == (D("1250.50"), D("1200"))


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    ((-2.0, -1.5, -1.0, 10), {}, "must contain"),
    ((float("nan"), -3.0, -1.0, 10), {}, "finite"),
    ((-2.0, -3.0, -1.0, -1), {}, "negative"),
    ((-2.0, -3.0, -1.0, 10), {"prior_share": 1.5}, "within 0..1"),
    ((-2.0, -3.0, -1.0, 10), {"units_per_day": -1.0}, "negative"),
])
def test_estimate_rejects_inconsistent_values(args, kwargs, message):
    with pytest.raises(DemandError, match=message):
        ElasticityEstimate(*args, **kwargs)


def test_two_observations_on_one_day_are_refused_not_summed():
    with pytest.raises(DemandError, match="two observations for 2026-01-02"):
        estimate_elasticity([obs(1, "10", 1), obs(0, "10", 2), obs(1, "11", 0)])


def test_only_sales_observations_are_accepted():
    with pytest.raises(DemandError, match="not a SalesObservation"):
        estimate_elasticity([obs(0, "10", 1), (START, D("10"), 1)])  # type: ignore[list-item]


# --- no information: the prior comes back --------------------------------------------------------


def test_no_history_returns_the_prior():
    prior = ElasticityEstimate(-2.5, -3.0, -2.0, 900)
    assert estimate_elasticity([], prior=prior) == ElasticityEstimate(-2.5, -3.0, -2.0, 0, prior_share=1.0)
    assert estimate_elasticity([]).value == WEAK_PRIOR.value


def test_no_sales_returns_the_prior_with_zero_demand():
    est = estimate_elasticity([obs(d, str(10 + d), 0) for d in range(20)])
    assert (est.value, est.low, est.high) == (WEAK_PRIOR.value, WEAK_PRIOR.low, WEAK_PRIOR.high)
    assert est.units_per_day == 0.0 and est.observations == 20 and est.prior_share == 1.0


def test_a_price_that_never_moved_says_nothing_about_elasticity():
    prior = ElasticityEstimate(-2.5, -3.0, -2.0, 0)
    est = estimate_elasticity([obs(d, "50.00", 3 + d % 4) for d in range(56)], prior=prior)
    assert est.value == pytest.approx(-2.5, abs=1e-6)
    assert est.width == pytest.approx(prior.width, rel=1e-3)
    assert est.prior_share == pytest.approx(1.0, abs=1e-3)
    assert est.units_per_day == pytest.approx(sum(3 + d % 4 for d in range(56)) / 56, rel=1e-6)
    assert est.at_price == D("50.00")


# --- the fit against an independent Poisson GLM -----------------------------------------------------


def _statsmodels_fit(history: list[SalesObservation]) -> tuple[float, float]:
    """Elasticity and its quasi-Poisson standard error from statsmodels, a missing reference carried forward."""
    y = np.array([o.units for o in history], dtype=float)
    cols = [np.log([float(o.price) for o in history])]
    refs = [o.reference_price for o in history]
    first = next((r for r in refs if r is not None), None)
    if first is not None:
        filled, last = [], first
        for r in refs:
            last = r or last
            filled.append(math.log(last))
        cols.append(np.array(filled))
    x = sm.add_constant(np.column_stack(cols))
    fit = sm.GLM(y, x, family=sm.families.Poisson()).fit(scale="X2")
    return float(fit.params[1]), float(fit.bse[1])


@pytest.mark.parametrize("case", ["no reference", "reference", "reference on some days"])
def test_fit_matches_statsmodels_poisson_glm_where_the_priors_are_negligible(case):
    rng = np.random.default_rng(7)
    with_reference = case != "no reference"
    history = simulate(rng, elasticity=-2.2, cross=0.8 if with_reference else 0.0, units=150.0, days=120,
                       price_sd=0.15, burst=20.0, with_reference=with_reference)
    if case == "reference on some days":
        history = [SalesObservation(o.day, o.price, o.units, None if i % 5 == 0 else o.reference_price)
                   for i, o in enumerate(history)]
    value, se = _statsmodels_fit(history)
    est = estimate_elasticity(history, prior=FLAT)
    assert est.value == pytest.approx(value, abs=0.01 * se)  # the near-flat priors move it a little
    assert est.sd == pytest.approx(se, rel=0.005)
    assert est.value == pytest.approx(-2.2, abs=0.25)  # and both are near the truth


def test_noise_free_demand_is_recovered_exactly_with_a_poisson_interval():
    # units = 1000 * (p/20)**-3, rounded: the only noise is the rounding to whole units. The interval
    # does not shrink below Poisson noise (real sales are never steadier than that): se ~ 1/sqrt(sum mu var(log p)).
    prices = [18, 19, 20, 21, 22] * 6
    history = [obs(d, f"{p:.2f}", round(1000 * (p / 20) ** -3)) for d, p in enumerate(prices)]
    est = estimate_elasticity(history, prior=FLAT)
    assert est.value == pytest.approx(-3.0, abs=0.01)
    mus = [1000 * (p / 20) ** -3 for p in prices]
    logs = [math.log(p) for p in prices]
    centre = sum(m * lp for m, lp in zip(mus, logs, strict=True)) / sum(mus)  # the intercept is estimated too
    info = sum(m * (lp - centre) ** 2 for m, lp in zip(mus, logs, strict=True))
    assert est.sd == pytest.approx(1 / math.sqrt(info), rel=0.02)
    assert est.units_at(D("20")) == pytest.approx(1000, rel=0.01)


def test_the_90_percent_interval_covers_the_truth_about_90_percent_of_the_time():
    rng = np.random.default_rng(11)
    hits = 0
    n = 200
    for _ in range(n):
        e = float(rng.uniform(-3.5, -0.8))
        history = simulate(rng, elasticity=e, cross=0.5, units=float(rng.uniform(2, 30)), days=56)
        est = estimate_elasticity(history, prior=FLAT)
        hits += est.low <= e <= est.high
    assert 0.84 <= hits / n <= 0.96  # a 90% interval; binomial sd over 200 products is 2.1%


def test_competitor_reference_removes_the_repricers_confounding():
    # A repricer matching yesterday's competitor price moves with the market; demand also depends
    # on the competitor. Without the reference, the fit mixes the two effects (e + cross).
    rng = np.random.default_rng(5)
    with_ref, without, covered = [], [], 0
    for _ in range(30):
        history = simulate(rng, elasticity=-2.5, cross=1.5, units=80.0, days=112, market_sd=0.05, lag_match=True)
        est = estimate_elasticity(history, prior=FLAT)
        with_ref.append(est.value)
        covered += est.low <= -2.5 <= est.high
        without.append(estimate_elasticity([SalesObservation(o.day, o.price, o.units) for o in history],
                                           prior=FLAT).value)
    assert float(np.median(with_ref)) == pytest.approx(-2.5, abs=0.25)
    assert covered >= 24  # of 30, for a 90% interval
    assert float(np.median(without)) == pytest.approx(-1.0, abs=0.25)  # e + cross: confounded


def test_thin_data_stays_near_the_prior_and_more_data_moves_away_from_it():
    rng = np.random.default_rng(3)
    history = simulate(rng, elasticity=-3.5, units=4.0, days=112, price_sd=0.1, with_reference=False)
    prior = ElasticityEstimate(-1.5, -2.0, -1.0, 0)
    week = estimate_elasticity(history[:7], prior=prior)
    months = estimate_elasticity(history, prior=prior)
    assert abs(week.value + 1.5) < abs(months.value + 1.5)
    assert week.prior_share > months.prior_share
    assert months.width < week.width <= prior.width + 1e-9


def test_estimate_does_not_depend_on_the_order_of_the_history():
    rng = np.random.default_rng(2)
    history = simulate(rng, elasticity=-2.0, cross=0.5, days=40)
    assert estimate_elasticity(history) == estimate_elasticity(list(reversed(history)))


def test_describe_names_the_interval_days_and_prior_share():
    est = ElasticityEstimate(-2.1, -2.6, -1.6, 56, prior_share=0.3)
    assert est.describe() == "-2.10 (90% interval -2.60..-1.60, 56 days, 30% from the prior)"
    assert ElasticityEstimate(-2.1, -2.6, -1.6, 56).describe() == "-2.10 (90% interval -2.60..-1.60, 56 days)"


# --- the category prior ---------------------------------------------------------------------------


def test_pooled_prior_is_centred_on_the_category_and_as_wide_as_its_spread():
    rng = np.random.default_rng(17)
    truths = rng.normal(-2.5, 0.4, size=120)
    estimates = [estimate_elasticity(simulate(rng, elasticity=float(e), units=20.0, days=56, with_reference=False))
                 for e in truths]
    pooled = pool_estimates(estimates)
    assert pooled.value == pytest.approx(-2.5, abs=0.15)
    assert 0.25 <= pooled.sd <= 0.6  # the spread between products (0.4), not the mean's tiny error
    assert pooled.observations == 120 * 56


def test_pooling_ignores_estimates_that_are_only_the_prior():
    rng = np.random.default_rng(19)
    estimates = [estimate_elasticity(simulate(rng, elasticity=-3.0, units=20.0, days=56, with_reference=False))
                 for _ in range(20)]
    empty = [estimate_elasticity([]) for _ in range(50)]
    assert pool_estimates(estimates + empty).value == pytest.approx(pool_estimates(estimates).value, abs=1e-9)


def test_pooling_too_few_products_returns_the_prior_they_were_made_with():
    est = ElasticityEstimate(-3.0, -3.2, -2.8, 56)
    assert pool_estimates([est, est]) == WEAK_PRIOR
    narrow = ElasticityEstimate(-1.8, -2.0, -1.6, 0)
    assert pool_estimates([], made_with=narrow) == narrow


def test_pooled_prior_is_never_narrower_than_the_minimum_spread():
    same = [ElasticityEstimate(-2.0, -2.1, -1.9, 56) for _ in range(10)]
    assert pool_estimates(same).sd >= 0.25


# --- pricing under an estimate ----------------------------------------------------------------------


@pytest.mark.parametrize(("cost", "e", "vat", "includes", "expected"), [
    ("60", -3.0, "0.15", False, "90"),          # 60 * 3 / 2
    ("60", -3.0, "0.15", True, "103.5"),        # ... plus 15% VAT
    ("40", -2.0, "0.15", False, "80"),
    ("10", -1.25, "0", False, "50"),
])
def test_optimal_price_is_the_textbook_markup(cost, e, vat, includes, expected):
    price = optimal_price(D(cost), e, vat_fraction=D(vat), includes_vat=includes)
    assert price is not None and price.quantize(D("0.0001")) == D(expected)


@pytest.mark.parametrize("e", [-1.0, -0.5, 0.0, 0.7])
def test_inelastic_demand_has_no_optimal_price(e):
    assert optimal_price(D("60"), e, vat_fraction=D("0.15"), includes_vat=True) is None


def test_the_optimal_price_earns_more_than_its_neighbours():
    est = ElasticityEstimate(-2.5, -2.5, -2.5, 56, units_per_day=10.0, at_price=D("100"))
    best = optimal_price(D("60"), -2.5, vat_fraction=D("0.15"), includes_vat=True)
    assert best is not None

    def profit(price: Decimal) -> float:
        value = daily_profit(est, price, D("60"), vat_fraction=D("0.15"), includes_vat=True)
        assert value is not None
        return value

    for factor in ("0.9", "0.99", "1.01", "1.1"):
        assert profit(best) > profit(best * D(factor))


def test_profit_change_per_day_and_across_the_interval():
    # 10 units/day at 100, cost 50, no VAT: today 500/day. At 110 with e=-2: 10 * 1.1**-2 * 60 = 495.87.
    est = ElasticityEstimate(-2.0, -3.0, -1.0, 56, units_per_day=10.0, at_price=D("100"))
    change = profit_change(est, D("100"), D("110"), D("50"), vat_fraction=D("0"), includes_vat=False)
    assert change.per_day == pytest.approx(10 * 1.1**-2 * 60 - 500)
    assert change.percent == pytest.approx((10 * 1.1**-2 * 60 - 500) / 5)
    assert change.low == pytest.approx(10 * 1.1**-3 * 60 - 500)
    assert change.high == pytest.approx(10 * 1.1**-1 * 60 - 500)
    assert change.describe("SAR") == ("expected gross profit -4.13 SAR/day -0.8% "
                                      "(between -49.21 and +45.45 across the interval)")


def test_profit_change_without_a_placed_curve_is_relative_only():
    est = ElasticityEstimate(-2.0, -3.0, -1.0, 0)
    change = profit_change(est, D("100"), D("110"), D("50"), vat_fraction=D("0"), includes_vat=False)
    assert change.per_day is None and change.low is None
    assert change.percent == pytest.approx((1.1**-2 * 60 - 50) / 50 * 100)


def test_exploration_holds_a_side_for_a_week_from_sunday_and_splits_the_catalog():
    sunday = date(2026, 11, 22)
    ids = [str(1_000_000 + i) for i in range(1000)]
    week = [exploration_direction(i, sunday) for i in ids]
    for offset in range(1, 7):  # Monday to Saturday: the same side
        assert [exploration_direction(i, sunday + timedelta(days=offset)) for i in ids] == week
    next_week = [exploration_direction(i, sunday + timedelta(days=7)) for i in ids]
    assert all(a == -b for a, b in zip(week, next_week, strict=True))
    before = [exploration_direction(i, sunday - timedelta(days=1)) for i in ids]  # the Saturday before
    assert all(a == -b for a, b in zip(week, before, strict=True))
    assert 400 <= week.count(1) <= 600
    assert week == [exploration_direction(i, sunday) for i in ids]
