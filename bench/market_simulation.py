"""Profit against match on the fake Salla's market simulator (issue 15): 500 products, 12 weeks, one seed.

The market is the one the sandbox sells into (``adapters.fake_salla.market.MarketSimulator``): each
product has a known demand curve (own-price elasticity -0.5 to -4, a cross-effect of the lowest
competitor price, weekly and daily seasonality, daily noise) and the sandbox competitors move
their prices (``adapters.competitors.sandbox``). Two copies of the same 500-product store, built
from the same seed, are priced side by side, once a day at 06:00 Riyadh time, by the pricing core:

- ``match``: match the lowest competitor (15% minimum margin, 10% maximum change per run);
- ``profit``: the same guards, ``strategy="profit"`` (priced on the posterior: the expected-profit
  optimum over the estimate's interval, or a capped step up) with price tests (``exploration``, 8%
  by default here: these products sell about a unit a day) on products whose estimate is too wide;
  its estimates come from the store's own history exactly as a sweep makes them
  (``pricing_core.demand_history.demand_estimates``: sold days from the orders, the price changes
  it applied, category or store-wide priors), re-estimated every day.
- ``oracle`` (``--oracle``, optional): the profit strategy told the true elasticities, for what
  perfect knowledge would earn.

Each store applies every price change its decisions propose (both arms alike; approvals are not
simulated). The orders the simulator generates are the sales. Reported, from one run:

- gross profit over the 12 weeks (net of 15% VAT, over cost) of ``profit`` against ``match``
  (target: at least +10%), and over the last 4 weeks (once estimates have data);
- floor, maximum-change and bounds violations of every applied change, checked independently of
  the core's own explanation (target: 0);
- the median absolute relative error of the elasticity estimates after 4 and 8 weeks, against
  the simulator's true curves, in the ``profit`` arm (target: at most 25% after 8 weeks);
- the time to estimate and price the 500 products once (see ``bench/demand_core.py`` for a
  10,000-product store);
- for diagnosis: gross profit by true-elasticity band, the profit arm's decision paths over the
  run, the estimates' error by sales volume and by band, and the error an estimator would reach
  on the same data if it knew the true distribution of elasticities (what the data can tell).

Run: ``python bench/market_simulation.py [--products N] [--weeks W] [--seed S] [--explore-step PCT]
[--oracle] [--set FIELD=VALUE]``; exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs

from adapters.competitors.sandbox import SandboxCompetitorSource
from adapters.fake_salla.catalog import FakeProduct
from adapters.fake_salla.market import MarketSimulator
from adapters.fake_salla.stores import FakeStore
from pricing_core import ElasticityEstimate, PricePoint, PricingDecision, Product, TenantSettings, price_catalog
from pricing_core.demand import WEAK_PRIOR, estimate_elasticity, weekday_factors
from pricing_core.demand_history import DemandInputs, demand_estimates, observations_for
from pricing_core.guards import margin_floor, net_price
from pricing_core.sales import DailySales

RIYADH = ZoneInfo("Asia/Riyadh")
START = date(2026, 1, 4)  # a Sunday
MERCHANT = 4_242_000
VAT = Decimal("0.15")
TARGET_PROFIT_GAIN = 0.10
TARGET_ERROR_8_WEEKS = 0.25
CATEGORIES = 10
MATCH = TenantSettings(automation_mode="full-auto", max_change_pct=Decimal("10"), min_profit_margin=Decimal("15"),
                       price_ending=".95")
PROFIT = MATCH.with_changes(strategy="profit", exploration=True, exploration_step_pct=Decimal("8"))


def _unit(seed: int, *parts: object) -> float:
    import hashlib

    digest = hashlib.blake2b("|".join(str(p) for p in (seed, *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def build_store(n: int, seed: int) -> FakeStore:
    """``n`` products, SAR 40..600 with VAT included, cost 45..70% of the net price, in 10 categories."""
    products = {}
    for i in range(n):
        pid = 9_000_000 + i
        price = Decimal(40 + int(560 * _unit(seed, pid, "price"))) + Decimal("0.95")
        cost = (net_price(price, VAT, True) * Decimal(0.45 + 0.25 * _unit(seed, pid, "cost"))).quantize(Decimal("0.01"))
        category = i % CATEGORIES
        products[pid] = FakeProduct(id=pid, sku=f"SIM-{i:04d}", name=f"Product {i}", price=price, cost_price=cost,
                                    quantity=100_000, categories=((800 + category, f"Category {category}"),))
    return FakeStore(merchant_id=MERCHANT, name="Simulated store", username="sim", plan="pro", currency="SAR",
                     email="sim@example.com", products=products)


@attrs.define
class Arm:
    """One copy of the store priced by one strategy, and what it recorded."""

    name: str
    settings: TenantSettings
    store: FakeStore
    market: MarketSimulator
    history: dict[str, list[PricePoint]] = attrs.field(factory=lambda: defaultdict(list))
    sales: dict[tuple[str, date], DailySales] = attrs.field(factory=dict)
    orders_read: int = 0
    changes: int = 0
    violations: list[str] = attrs.field(factory=list)
    profit_by_day: dict[date, Decimal] = attrs.field(factory=lambda: defaultdict(Decimal))
    references: dict[str, dict[date, Decimal]] = attrs.field(factory=lambda: defaultdict(dict))
    moves: Counter[str] = attrs.field(factory=Counter)
    all_moves: Counter[str] = attrs.field(factory=Counter)  # every day's decisions, by strategy
    profit_by_product: dict[str, Decimal] = attrs.field(factory=lambda: defaultdict(Decimal))

    def core_products(self) -> list[Product]:
        return [Product(id=str(p.id), sku=p.sku, name=p.name, price=p.price, cost_price=p.cost_price,
                        prices_include_vat=True, categories=tuple(str(c) for c, _ in p.categories))
                for p in self.store.products.values()]

    def read_orders(self) -> None:
        """Fold the orders generated since the last read into daily sales and gross profit."""
        orders = self.market.orders(MERCHANT)
        for order in orders[self.orders_read:]:
            day = order.created_at.astimezone(RIYADH).date()
            for line in order.lines:
                product = self.store.products[line.product_id]
                key = (str(line.product_id), day)
                revenue = line.unit_price * line.quantity
                old = self.sales.get(key)
                units = line.quantity + (old.units if old else 0)
                self.sales[key] = DailySales(product_id=key[0], day=day, units=units,
                                             revenue=revenue + (old.revenue if old else 0))
                cost = product.cost_price or Decimal(0)
                gross = (net_price(line.unit_price, VAT, True) - cost) * line.quantity
                self.profit_by_day[day] += gross
                self.profit_by_product[key[0]] += gross
        self.orders_read = len(orders)

    def estimates(self, products: Sequence[Product], today: date) -> dict[str, ElasticityEstimate]:
        inputs = DemandInputs(sales=list(self.sales.values()), history=self.history, first_sales_day=START,
                              references=self.references)
        return demand_estimates(products, inputs, today=today, tz=RIYADH)


def _check(arm: Arm, decision: PricingDecision, product: FakeProduct) -> None:
    """Independent checks of an applied change: floor, maximum change, and the core's own floor."""
    new, old = decision.suggested_price, decision.old_price
    floor = margin_floor(product.cost_price or Decimal(0), arm.settings.min_profit_margin / 100, VAT, True)
    if new < floor:
        arm.violations.append(f"{product.sku}: {new} below the margin floor {floor}")
    if decision.floor_price is not None and new < decision.floor_price:
        arm.violations.append(f"{product.sku}: {new} below the decision's floor {decision.floor_price}")
    if abs(new - old) > old * arm.settings.max_change_pct / 100 + Decimal("0.01"):
        arm.violations.append(f"{product.sku}: {old} -> {new} exceeds {arm.settings.max_change_pct}%")


def price_day(arm: Arm, moment: datetime, competitors: SandboxCompetitorSource, today: date) -> float:
    """Price the store once at ``moment``; the seconds spent estimating and pricing."""
    products = arm.core_products()
    offers = competitors.offers_for(str(MERCHANT), products, moment)
    for pid, found in offers.items():
        in_stock = [o.price for o in found if o.in_stock]
        if in_stock:  # the day's lowest competitor price, as a sweep stores it with its inputs
            arm.references[pid][today] = min(in_stock)
    started = time.process_time()
    if arm.name == "oracle":  # the true elasticities, as a tight estimate: what perfect knowledge earns
        truth = arm.market.elasticities(arm.store)
        demand = {p.id: ElasticityEstimate(truth[int(p.id)], truth[int(p.id)], truth[int(p.id)], 56)
                  for p in products}
    else:
        demand = arm.estimates(products, today) if arm.settings.strategy == "profit" else {}
    history = {pid: sorted(points, key=lambda p: p.changed_at, reverse=True) for pid, points in arm.history.items()}
    decisions = price_catalog(products, offers, arm.settings, now=moment, history_by_product_id=history,
                              demand_by_product_id=demand)
    spent = time.process_time() - started
    arm.moves = Counter(d.strategy for d in decisions)
    arm.all_moves.update(arm.moves)
    for decision in decisions:
        if not decision.is_change:
            continue
        product = arm.store.products[int(decision.product_id)]
        _check(arm, decision, product)
        product.set_price(decision.suggested_price, updated_at=moment.isoformat())
        arm.history[decision.product_id].append(PricePoint(product_id=decision.product_id,
                                                           price=decision.suggested_price, changed_at=moment))
        arm.changes += 1
    return spent


def elasticity_error(arm: Arm, today: date) -> float:
    """Median |estimate - truth| / |truth| over the products, from the arm's history up to ``today``."""
    products = arm.core_products()
    estimates = arm.estimates(products, today)
    truth = arm.market.elasticities(arm.store)
    errors = {p.id: abs(estimates[p.id].value - truth[int(p.id)]) / abs(truth[int(p.id)]) for p in products}
    days = max(1, (today - START).days)
    units: Counter[str] = Counter()
    for (pid, _), row in arm.sales.items():
        units[pid] += row.units
    bands: dict[str, list[float]] = defaultdict(list)
    for p in products:
        per_day = units[p.id] / days
        bands["<1/day" if per_day < 1 else "1-5/day" if per_day < 5 else ">=5/day"].append(errors[p.id])
    widths = sorted(e.width for e in estimates.values())
    by_band: dict[str, list[float]] = defaultdict(list)
    for p in products:
        by_band[bucket_of(truth[int(p.id)])].append(estimates[p.id].value - truth[int(p.id)])
    print(f"  after {days // 7} weeks: median signed error by true elasticity "
          + ", ".join(f"{band} {statistics.median(v):+.2f}" for band, v in sorted(by_band.items())))
    print(f"  after {days // 7} weeks: error by volume "
          + ", ".join(f"{band} {statistics.median(v):.1%} (n={len(v)})" for band, v in sorted(bands.items()))
          + f"; median interval width {widths[len(widths) // 2]:.2f}")
    best = known_distribution_error(arm, products, today, truth)
    print(f"  after {days // 7} weeks: the same data with the simulator's true distribution of elasticities "
          f"(uniform -4..-0.5) as the prior: median error {best:.1%}")
    return statistics.median(errors.values())


def known_distribution_error(arm: Arm, products: Sequence[Product], today: date, truth: dict[int, float]) -> float:
    """The median relative error of an estimator told what no store knows: how elasticities are spread.

    Each product's own data as the estimator reads them (its fit with the weak prior, the weak
    prior divided out: a normal likelihood for ``e``) are combined on a grid with the *true*
    distribution the simulator draws elasticities from (uniform on -4..-0.5); the estimate is the
    posterior mean. It separates what the data can tell from what the store-wide prior costs.
    """
    grid = [-0.5 - 3.5 * (i + 0.5) / 400 for i in range(400)]
    weak_precision = WEAK_PRIOR.sd**-2
    by_product: dict[str, list[DailySales]] = defaultdict(list)
    for row in arm.sales.values():
        by_product[row.product_id].append(row)
    errors = []
    histories = {p.id: observations_for(p, by_product[p.id], arm.history.get(p.id, ()), first_day=START,
                                        last_day=today - timedelta(days=1), tz=RIYADH,
                                        references=arm.references.get(p.id))
                 for p in products}
    weekdays = weekday_factors(histories.values())  # as the sweep's estimates take it out
    for p in products:
        own = estimate_elasticity(histories[p.id], weekdays=weekdays)
        precision = max(own.sd**-2 - weak_precision, 1e-9)
        centre = (own.value * own.sd**-2 - WEAK_PRIOR.value * weak_precision) / precision
        weights = [math.exp(-0.5 * precision * (e - centre) ** 2) for e in grid]
        mean = sum(w * e for w, e in zip(weights, grid, strict=True)) / (sum(weights) or 1.0)
        errors.append(abs(mean - truth[int(p.id)]) / -truth[int(p.id)])
    return statistics.median(errors)


def bucket_of(e: float) -> str:
    """The elasticity band a product's true elasticity falls in, for the per-band profit figures."""
    return "-0.5..-1" if e > -1 else "-1..-2" if e > -2 else "-2..-4"


def run(n: int, weeks: int, seed: int, explore_step: Decimal = Decimal("8"), *, oracle: bool = False,
        overrides: dict[str, object] | None = None) -> int:
    competitors = SandboxCompetitorSource(seed=seed)
    profit = PROFIT.with_changes(exploration_step_pct=explore_step, **(overrides or {}))
    named = [("match", MATCH), ("profit", profit)] + ([("oracle", profit)] if oracle else [])
    arms = [Arm(name, settings, build_store(n, seed), MarketSimulator(seed, history_days=0, competitors=competitors))
            for name, settings in named]
    first = datetime(START.year, START.month, START.day, tzinfo=RIYADH).astimezone(UTC)
    for arm in arms:
        arm.market.start(arm.store, first)
        # The store's prices when the optimizer was installed: the first point of its price history.
        for p in arm.store.products.values():
            arm.history[str(p.id)].append(PricePoint(product_id=str(p.id), price=p.price, changed_at=first,
                                                     source="install"))
    errors: dict[int, float] = {}
    pricing_seconds = 0.0
    wall = time.perf_counter()
    for day in range(weeks * 7):
        today = START + timedelta(days=day)
        moment = first + timedelta(days=day, hours=6)
        for arm in arms:
            arm.market.catch_up(arm.store, moment)
            arm.read_orders()
            if arm.name == "profit" and day in (28, 56):
                errors[day // 7] = elasticity_error(arm, today)
            spent = price_day(arm, moment, competitors, today)
            if arm.name == "profit":
                pricing_seconds = spent
    end = first + timedelta(days=weeks * 7)
    for arm in arms:
        arm.market.catch_up(arm.store, end)
        arm.read_orders()
    wall = time.perf_counter() - wall

    def profit(arm: Arm, since: date = START) -> Decimal:
        return sum((v for d, v in arm.profit_by_day.items() if d >= since), Decimal(0))

    match, profit_arm = arms[:2]
    gain = float(profit(profit_arm) / profit(match) - 1)
    late = START + timedelta(days=(weeks - 4) * 7)
    gain_late = float(profit(profit_arm, late) / profit(match, late) - 1)
    print(f"market simulation: {n} products, {weeks} weeks, seed {seed}, price tests of {explore_step}% "
          f"({wall:.0f} s wall)")
    for arm in arms:
        units = sum(s.units for s in arm.sales.values())
        print(f"  {arm.name:<7} gross profit SAR {profit(arm):>12,.2f}  units {units:>7}  "
              f"changes {arm.changes:>6}  violations {len(arm.violations)}")
    print(f"  profit vs match: {gain:+.1%} over {weeks} weeks, {gain_late:+.1%} over the last 4 "
          f"(target {TARGET_PROFIT_GAIN:+.0%})")
    for week, err in sorted(errors.items()):
        print(f"  elasticity median relative error after {week} weeks: {err:.1%}")
    print(f"  profit arm's strategies on the last day: {dict(profit_arm.moves.most_common())}")
    print(f"  profit arm's strategies over the run: {dict(profit_arm.all_moves.most_common())}")
    truth = match.market.elasticities(match.store)
    for band in ("-0.5..-1", "-1..-2", "-2..-4"):
        ids = [str(pid) for pid, e in truth.items() if bucket_of(e) == band]
        figures = {arm.name: sum((arm.profit_by_product[i] for i in ids), Decimal(0)) for arm in arms}
        base = figures["match"] or Decimal(1)
        print(f"  band {band:<9} ({len(ids):>3} products): "
              + ", ".join(f"{name} {float(v / base - 1):+.1%}" if name != "match" else f"match SAR {v:,.0f}"
                          for name, v in figures.items()))
    print(f"  estimate and price {n} products once: {pricing_seconds:.2f} CPU s")
    violations = [v for arm in arms for v in arm.violations]
    for v in violations[:10]:
        print(f"  VIOLATION {v}")
    missed = []
    if gain < TARGET_PROFIT_GAIN:
        missed.append("profit gain")
    if violations:
        missed.append("violations")
    if errors.get(8, 0.0) > TARGET_ERROR_8_WEEKS:
        missed.append("elasticity error after 8 weeks")
    if missed:
        print("MISSED: " + ", ".join(missed))
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explore-step", type=Decimal, default=Decimal("8"), help="price test size, percent")
    parser.add_argument("--oracle", action="store_true",
                        help="a third arm priced on the true elasticities (what perfect knowledge earns)")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="a profit-arm setting, e.g. profit_step_up_pct=5 (repeatable)")
    args = parser.parse_args(argv)
    overrides: dict[str, object] = dict(item.split("=", 1) for item in args.set)
    return run(args.products, args.weeks, args.seed, args.explore_step, oracle=args.oracle, overrides=overrides)


if __name__ == "__main__":
    sys.exit(main())
