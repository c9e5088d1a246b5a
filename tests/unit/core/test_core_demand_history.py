"""Rebuilding daily observations from stored sales and price changes, and the store's estimates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
from tests.support.demand_support import START, simulate

from pricing_core import Product
from pricing_core.catalog import PricePoint
from pricing_core.demand import (
    MIN_CATEGORY_SPREAD,
    WEAK_PRIOR,
    Z90,
    ElasticityEstimate,
    SalesObservation,
    category_priors,
    estimate_elasticity,
    pool_estimates,
    weekday_factors,
)
from pricing_core.demand_history import (
    MIN_CATEGORY_PRODUCTS,
    DemandInputs,
    demand_estimates,
    observations_for,
    price_on,
)
from pricing_core.sales import DailySales

RIYADH = ZoneInfo("Asia/Riyadh")


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=RIYADH).astimezone(UTC)


def test_the_price_of_a_day_is_the_one_at_local_noon_and_unknown_before_the_first_change() -> None:
    day = date(2026, 3, 10)
    changes = [PricePoint(product_id="p", price="100", changed_at=at(day, 9)),
               PricePoint(product_id="p", price="90", changed_at=at(day, 15))]
    assert price_on(day, changes, Decimal("80"), RIYADH) == Decimal("100")  # 90 came after noon
    assert price_on(day + timedelta(days=1), changes, Decimal("80"), RIYADH) == Decimal("90")
    assert price_on(day - timedelta(days=1), changes, Decimal("80"), RIYADH) is None
    assert price_on(day, [], Decimal("80"), RIYADH) == Decimal("80")  # never changed: the current price held


def test_days_without_orders_are_zero_sales_and_days_of_unknown_price_are_left_out() -> None:
    product = Product(id="p", name="P", price="95", cost_price="50")
    first = date(2026, 3, 1)
    changes = [PricePoint(product_id="p", price="100", changed_at=at(first + timedelta(days=2), 8))]
    sales = [DailySales(product_id="p", day=first + timedelta(days=3), units=4, revenue="400"),
             DailySales(product_id="other", day=first + timedelta(days=4), units=9, revenue="9")]
    rows = observations_for(product, sales, changes, first_day=first, last_day=first + timedelta(days=5), tz=RIYADH)
    assert [(r.day - first).days for r in rows] == [2, 3, 4, 5]
    assert [r.units for r in rows] == [0, 4, 0, 0]
    assert {r.price for r in rows} == {Decimal("100.00")}


def _stored(product_id: str, observations: list) -> tuple[list[DailySales], list[PricePoint]]:
    """What a store keeps of a simulated history: sold days, and one price change per day at 06:00."""
    sales = [DailySales(product_id=product_id, day=o.day, units=o.units, revenue=o.price * o.units)
             for o in observations if o.units]
    changes = [PricePoint(product_id=product_id, price=o.price, changed_at=at(o.day, 6)) for o in observations]
    return sales, changes


def test_estimates_from_stored_history_find_the_true_elasticity_and_pool_by_category() -> None:
    rng = np.random.default_rng(11)
    products, sales, history = [], [], {}
    truth = {}
    for i in range(8):
        pid = f"p{i}"
        truth[pid] = -2.5 + 0.1 * (i % 3)
        obs = simulate(rng, elasticity=truth[pid], units=6.0, days=56, price_sd=0.08, with_reference=False)
        s, h = _stored(pid, obs)
        sales += s
        history[pid] = h
        products.append(Product(id=pid, name=pid, price=obs[-1].price, cost_price="40", categories=("shoes",)))
    today = START + timedelta(days=56)
    estimates = demand_estimates(products, DemandInputs(sales=sales, history=history, first_sales_day=START),
                                 today=today, tz=RIYADH)
    assert set(estimates) == set(truth)
    errors = sorted(abs(estimates[pid].value - truth[pid]) / abs(truth[pid]) for pid in truth)
    assert errors[len(errors) // 2] < 0.25  # median relative error
    assert all(est.observations == 56 for est in estimates.values())
    # The category prior pulled each estimate in: narrower than the same product's own-data estimate.
    alone = demand_estimates(products[:1], DemandInputs(sales=sales, history=history, first_sales_day=START),
                             today=today, tz=RIYADH)
    assert estimates["p0"].width < alone["p0"].width


def test_no_synced_sales_means_no_estimates_and_a_price_that_never_moved_is_the_prior() -> None:
    product = Product(id="p", name="P", price="95", cost_price="50")
    today = date(2026, 3, 30)
    assert demand_estimates([product], DemandInputs(), today=today, tz=RIYADH) == {}
    sales = [DailySales(product_id="p", day=today - timedelta(days=d), units=3, revenue="285") for d in range(1, 20)]
    est = demand_estimates([product], DemandInputs(sales=sales, first_sales_day=today - timedelta(days=30)),
                           today=today, tz=RIYADH)["p"]
    assert est.value == WEAK_PRIOR.value and est.prior_share == 1.0
    assert est.observations == 30  # 30 days in the window, one price


def _stored_store(rng: np.random.Generator, groups: dict[str, list[float]], units: float = 8.0) -> tuple[
        list[Product], list[DailySales], dict[str, list[PricePoint]]]:
    products, sales, history = [], [], {}
    for category, elasticities in groups.items():
        for i, e in enumerate(elasticities):
            pid = f"{category}{i}"
            obs = simulate(rng, elasticity=e, units=units, days=56, price_sd=0.15, with_reference=False)
            s, h = _stored(pid, obs)
            sales += s
            history[pid] = h
            products.append(Product(id=pid, name=pid, price=obs[-1].price, cost_price="40", categories=(category,)))
    return products, sales, history


def _observations(products: list[Product], sales: list[DailySales],
                  history: dict[str, list[PricePoint]]) -> dict[str, list[SalesObservation]]:
    today = START + timedelta(days=56)
    return {p.id: observations_for(p, [s for s in sales if s.product_id == p.id], history[p.id],
                                   first_day=START, last_day=today - timedelta(days=1), tz=RIYADH)
            for p in products}


def _own_estimates(products: list[Product], sales: list[DailySales],
                   history: dict[str, list[PricePoint]]) -> dict[str, ElasticityEstimate]:
    """Each product's estimate on its own data, the store's weekly pattern taken out (the first pass)."""
    observations = _observations(products, sales, history)
    weekdays = weekday_factors(observations.values())
    return {pid: estimate_elasticity(rows, weekdays=weekdays) for pid, rows in observations.items()}


def test_a_homogeneous_category_gets_its_own_prior_a_small_one_the_store_wide_one() -> None:
    groups = {"oud": [-3.0 + 0.05 * (i % 3) for i in range(12)],           # alike: carries signal
              "mixed": [-0.6 - 3.4 * i / 11 for i in range(12)],           # everything: no signal
              "tiny": [-1.0, -2.0, -3.5]}                                   # too few to pool on their own
    products, sales, history = _stored_store(np.random.default_rng(5), groups)
    today = START + timedelta(days=56)
    estimates = demand_estimates(products, DemandInputs(sales=sales, history=history, first_sales_day=START),
                                 today=today, tz=RIYADH)
    own = _own_estimates(products, sales, history)
    by_category = {c: [own[p.id] for p in products if p.categories == (c,)] for c in groups}
    priors, store = category_priors(by_category, min_products=MIN_CATEGORY_PRODUCTS)
    assert store == pool_estimates(own.values())
    assert len(groups["tiny"]) < MIN_CATEGORY_PRODUCTS <= len(groups["oud"])
    assert set(priors) == {"oud", "mixed"}  # "tiny" takes the store's prior
    assert priors["oud"].width < store.width and abs(priors["oud"].value + 3.0) < 0.3
    assert priors["mixed"].width > priors["oud"].width
    observations = _observations(products, sales, history)
    weekdays = weekday_factors(observations.values())
    tiny = next(p for p in products if p.categories == ("tiny",))
    assert estimates[tiny.id] == estimate_elasticity(observations[tiny.id], prior=store, weekdays=weekdays)
    oud = next(p for p in products if p.categories == ("oud",))
    assert estimates[oud.id] == estimate_elasticity(observations[oud.id], prior=priors["oud"], weekdays=weekdays)


def test_categories_that_differ_only_by_noise_are_all_centred_on_the_store() -> None:
    # Three categories drawn from the same elasticities: their own centres differ by chance, and
    # picking one would pull its products toward that chance. Shrunk on two levels, they share one centre.
    same = [-0.8 - 3.0 * i / 14 for i in range(15)]
    groups = {"a": same, "b": same[::-1], "c": same[5:] + same[:5]}
    products, sales, history = _stored_store(np.random.default_rng(17), groups, units=3.0)
    own = _own_estimates(products, sales, history)
    by_category = {c: [own[p.id] for p in products if p.categories == (c,)] for c in groups}
    alone = {c: pool_estimates(ests) for c, ests in by_category.items()}
    priors, store = category_priors(by_category)
    centres = {round(p.value, 9) for p in priors.values()}
    assert len(centres) == 1, priors
    assert max(a.value for a in alone.values()) - min(a.value for a in alone.values()) > 0.05  # they did differ
    assert abs(next(iter(centres)) - store.value) < 0.2
    assert all(p.width >= MIN_CATEGORY_SPREAD * 2 * Z90 for p in priors.values())


def test_fewer_than_two_poolable_categories_means_the_store_prior_for_all() -> None:
    groups = {"big": [-2.0 - 0.1 * (i % 4) for i in range(12)], "small": [-1.0, -3.0]}
    products, sales, history = _stored_store(np.random.default_rng(3), groups)
    own = _own_estimates(products, sales, history)
    priors, store = category_priors({c: [own[p.id] for p in products if p.categories == (c,)] for c in groups})
    assert priors == {} and store == pool_estimates(own.values())
