"""The store's weekly pattern of demand (``demand.weekly``) and the fit that takes it out.

The oracle for the fit with a pattern is statsmodels' Poisson GLM with the log of each day's factor
as an offset (an independent implementation), where the priors are negligible.
"""

from __future__ import annotations

import math
import statistics
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.demand_support import START, histories, money

from pricing_core import DemandError, ElasticityEstimate, SalesObservation, estimate_elasticity
from pricing_core.demand import Z90, weekday_factors
from pricing_core.demand.weekly import MIN_UNITS

FLAT = ElasticityEstimate(-2.0, -2.0 - Z90 * 1e4, -2.0 + Z90 * 1e4, 0)
# Thursday and Friday busy, Sunday to Tuesday quiet (Monday first), as around a Saudi weekend.
PATTERN = (0.8, 0.85, 0.95, 1.3, 1.4, 1.0, 0.7)


def _history(rng: np.random.Generator, *, elasticity: float, units: float, days: int,
             price_of_day: list[float], pattern: tuple[float, ...] = PATTERN) -> list[SalesObservation]:
    out = []
    for d in range(days):
        day = START + timedelta(days=d)
        p = money(price_of_day[d])
        mean = units * (float(p) / 100) ** elasticity * pattern[day.weekday()]
        out.append(SalesObservation(day, p, int(rng.poisson(mean))))
    return out


def test_the_pattern_is_read_from_many_products_and_averages_one() -> None:
    rng = np.random.default_rng(3)
    histories = [_history(rng, elasticity=-1.5, units=4.0, days=84, price_of_day=[100.0] * 84) for _ in range(200)]
    factors = weekday_factors(histories)
    assert factors is not None and len(factors) == 7
    mean = sum(PATTERN) / 7
    for found, true in zip(factors, PATTERN, strict=True):
        assert found == pytest.approx(true / mean, rel=0.03)
    assert sum(factors) / 7 == pytest.approx(1.0, abs=1e-12)  # 12 of each weekday: the plain mean


def test_few_sales_give_no_pattern_and_some_give_a_shrunk_one() -> None:
    day = START + timedelta(days=(6 - START.weekday()) % 7)  # a Sunday: 6 in the pattern
    few = [[SalesObservation(day + timedelta(days=d), Decimal("10"), 1) for d in range(int(MIN_UNITS) - 1)]]
    assert weekday_factors(few) is None
    assert weekday_factors([]) is None
    # 28 days, every unit sold on its 4 Sundays (40 each): Sunday's factor moves only part of the way to 7.
    rows = [SalesObservation(day + timedelta(days=d), Decimal("10"), 40 if d % 7 == 0 else 0) for d in range(28)]
    factors = weekday_factors([rows])
    assert factors is not None
    assert 1.0 < factors[6] < 7.0 and all(f < 1.0 for i, f in enumerate(factors) if i != 6)


def _statsmodels_offset_fit(history: list[SalesObservation], pattern: tuple[float, ...]) -> tuple[float, float]:
    y = np.array([o.units for o in history], dtype=float)
    x = sm.add_constant(np.log([float(o.price) for o in history]))
    offset = np.log([pattern[o.day.weekday()] for o in history])
    fit = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit(scale="X2")
    return float(fit.params[1]), float(fit.bse[1])


def test_fit_with_a_pattern_matches_statsmodels_with_the_pattern_as_offset() -> None:
    rng = np.random.default_rng(11)
    prices = [100 * math.exp(rng.normal(0, 0.12)) for _ in range(120)]
    history = _history(rng, elasticity=-2.4, units=60.0, days=120, price_of_day=prices)
    value, se = _statsmodels_offset_fit(history, PATTERN)
    est = estimate_elasticity(history, prior=FLAT, weekdays=PATTERN)
    assert est.value == pytest.approx(value, abs=0.01 * se)
    assert est.sd == pytest.approx(se, rel=0.005)


def test_a_price_change_before_the_busy_days_is_not_mistaken_for_the_price_s_effect() -> None:
    # Every week the price is 10% higher on Wednesday to Friday, which include the busy days: without
    # the pattern, "higher price, more sales" pulls the elasticity toward zero (or past it).
    rng = np.random.default_rng(5)
    days = 84
    prices = [110.0 if (START + timedelta(days=d)).weekday() in (2, 3, 4) else 100.0 for d in range(days)]
    histories = [_history(rng, elasticity=-2.0, units=30.0, days=days, price_of_day=prices) for _ in range(20)]
    # The store's pattern, read from its other products, whose prices did not follow the weekdays.
    steady = [_history(rng, elasticity=-1.5, units=4.0, days=days, price_of_day=[100.0] * days) for _ in range(200)]
    pattern = weekday_factors(steady)
    assert pattern is not None
    with_pattern = [estimate_elasticity(h, prior=FLAT, weekdays=pattern).value for h in histories]
    without = [estimate_elasticity(h, prior=FLAT).value for h in histories]
    assert statistics.median(with_pattern) == pytest.approx(-2.0, abs=0.25)
    assert statistics.median(without) > -1.0  # badly biased


@pytest.mark.parametrize("weekdays", [(1.0,) * 6, (1.0,) * 6 + (0.0,), (1.0,) * 6 + (math.nan,)])
def test_a_pattern_that_is_not_seven_positive_factors_is_refused(weekdays: tuple[float, ...]) -> None:
    with pytest.raises(DemandError, match="7 positive factors"):
        estimate_elasticity([SalesObservation(START, Decimal("10"), 1)], weekdays=weekdays)


@settings(max_examples=150, deadline=None)
@given(histories())
def test_a_flat_pattern_changes_nothing(history: list[SalesObservation]) -> None:
    assert estimate_elasticity(history, weekdays=(1.0,) * 7) == estimate_elasticity(history)


@settings(max_examples=100, deadline=None)
@given(histories(), st.lists(st.floats(min_value=0.3, max_value=3.0), min_size=7, max_size=7))
def test_any_pattern_gives_a_finite_estimate_inside_its_interval(history: list[SalesObservation],
                                                                 pattern: list[float]) -> None:
    est = estimate_elasticity(history, weekdays=pattern)
    assert all(math.isfinite(x) for x in (est.value, est.low, est.high))
    assert est.low <= est.value <= est.high and 0 <= est.prior_share <= 1
