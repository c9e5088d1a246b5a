"""The fake Salla's market simulator: the orders sandbox products' demand curves produce over time.

Each product of a sandbox store has a demand curve (``demand.py``) with a known, constant price elasticity
(-0.5 to -4), a cross-effect of the lowest competitor price (read from the sandbox competitor
market, ``adapters.competitors.sandbox``, deterministically), weekly and daily seasonality and
noise. The simulator walks the fake's clock hour by hour and turns the expected units of each
hour into orders, in response to the price customers pay at that moment and the competitors'.

Every random draw is a pure function of ``(seed, store, product, hour)``, so the orders of a
period depend only on the seed and the prices the store had, not on how often the simulator was
asked to catch up. The true curves are readable (``curve``, ``elasticities``) for tests and
benchmarks only: they are what a demand estimate should find.

What is simplified: an hour's orders see the prices the store had when that hour was generated
(the fake catches up before every price change, so a change counts from the next hour); each
order holds one line; stock is not decremented.
"""

from __future__ import annotations

import hashlib
import math
import random
from datetime import UTC, date, datetime
from decimal import Decimal
from statistics import NormalDist

from adapters.competitors.sandbox import SandboxCompetitorSource
from adapters.fake_salla.catalog import FakeProduct
from adapters.fake_salla.clock import RIYADH
from adapters.fake_salla.demand import DAILY, WEEKLY, DemandCurve
from adapters.fake_salla.orders import FakeOrder, OrderLine, sorted_orders
from adapters.fake_salla.stores import FakeStore
from pricing_core.catalog import Product

HOUR = 3600
# Quantities of one order line and how often they occur.
_QUANTITIES = ((1, 0.85), (2, 0.12), (3, 0.03))
MEAN_QUANTITY = sum(q * p for q, p in _QUANTITIES)
_NORMAL = NormalDist()
# Competitor prices are read once per block of this many hours: they drift around a level and
# jump now and then, so reading every ten-minute bucket would cost much and change little.
COMPETITOR_HOURS = 4


def _unit(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) from ``parts`` (blake2b: no per-process salt)."""
    digest = hashlib.blake2b("|".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _poisson(u: float, lam: float) -> int:
    """The Poisson(``lam``) count whose CDF first reaches ``u`` (inverse transform; ``lam`` is small)."""
    term = math.exp(-lam)
    cdf, k = term, 0
    while u > cdf and k < 10_000:
        k += 1
        term *= lam / k
        cdf += term
    return k


def selling_price(product: FakeProduct, today: date) -> Decimal:
    """What a customer pays for ``product`` on ``today`` (the sale price while a sale runs)."""
    return product.effective_price(today)


def _core_product(product: FakeProduct, price: Decimal) -> Product:
    # The sandbox competitor market is keyed by the core's view of a product, as the optimizer sees it.
    return Product(
        id=str(product.id),
        sku=product.sku or None,
        name=product.name,
        price=price,
        cost_price=product.cost_price,
        prices_include_vat=product.with_tax,
        currency=product.currency,
    )


class MarketSimulator:
    """Orders over time for every sandbox store, from each product's demand curve.

    Lazy: a store's market starts the first time it is touched (``start``, ``catch_up``), with
    ``history_days`` of past orders generated at the prices of that moment, so fakes that never
    ask for orders pay nothing. Not thread-safe on its own: ``FakeSalla`` calls it under its lock.
    """

    def __init__(
        self, seed: int, *, history_days: int = 28, competitors: SandboxCompetitorSource | None = None
    ) -> None:
        if history_days < 0:
            raise ValueError("history_days must be >= 0")
        self.seed = seed
        self.history_days = history_days
        self.competitors = competitors or SandboxCompetitorSource(seed=seed)
        self._curves: dict[tuple[int, int], DemandCurve] = {}
        self._rivals: dict[int, tuple[str, ...]] = {}  # product id -> competitors selling it
        self._next_hour: dict[int, int] = {}
        self._orders: dict[int, list[FakeOrder]] = {}
        # Per-day noise and per-block competitor prices, kept while one day / block is simulated.
        self._noise: dict[int, float] = {}
        self._draws: dict[int, list[float]] = {}
        self._lowest: dict[tuple[int, Decimal], Decimal | None] = {}
        self._cache_day = self._cache_block = -1

    # ----------------------------------------------------------------------------------
    # Curves

    def curve(self, store: FakeStore, product: FakeProduct) -> DemandCurve:
        """The true demand curve of ``product`` (stable for a seed, store and product).

        Its reference price is the product's price when the curve is first made (at the latest
        when the store's market starts); the curve stays fixed after that.
        """
        key = (store.merchant_id, product.id)
        found = self._curves.get(key)
        if found is None:
            mid, pid, seed = store.merchant_id, product.id, self.seed
            # Median about one unit a day, a long tail of best sellers.
            base = math.exp(_NORMAL.inv_cdf(0.02 + 0.96 * _unit(seed, mid, pid, "base")) * 0.9)
            found = DemandCurve(
                product_id=pid,
                reference_price=product.price,
                base_units=round(base, 4),
                elasticity=round(-(0.5 + 3.5 * _unit(seed, mid, pid, "elasticity")), 4),
                cross_elasticity=round(0.2 + 1.3 * _unit(seed, mid, pid, "cross"), 4),
                seasonality=round(0.5 + _unit(seed, mid, pid, "season"), 4),
                noise=round(0.1 + 0.2 * _unit(seed, mid, pid, "noise"), 4),
            )
            self._curves[key] = found
        return found

    def elasticities(self, store: FakeStore) -> dict[int, float]:
        """Product id -> true price elasticity for every product of ``store``."""
        return {pid: self.curve(store, p).elasticity for pid, p in store.products.items()}

    def lowest_competitor(self, product: FakeProduct, price: Decimal, moment: datetime) -> Decimal | None:
        """The lowest in-stock competitor price for ``product`` at ``moment`` (None without one)."""
        core = _core_product(product, price)
        names = self._rivals.get(product.id)
        if names is None:
            names = tuple(name for name, _ in self.competitors.competitors_of(core))
            self._rivals[product.id] = names
        bucket = self.competitors.bucket_of(moment)
        rates, seed = self.competitors.rates, self.competitors.seed
        prices = [
            self.competitors.price_at(core, name, bucket)
            for name in names
            # the same draw as the sandbox source's ``in_stock`` for that bucket
            if _unit(seed, core.id, name, bucket, "stock") >= rates.out_of_stock
        ]
        return min(prices) if prices else None

    # ----------------------------------------------------------------------------------
    # Time

    def started(self, merchant_id: int) -> bool:
        """True once the store's market has begun generating orders."""
        return merchant_id in self._next_hour

    def start(self, store: FakeStore, now: datetime) -> None:
        """Begin the store's market ``history_days`` before ``now`` (no-op when started)."""
        if store.merchant_id not in self._next_hour:
            first = int(now.timestamp()) // HOUR - self.history_days * 24
            self._next_hour[store.merchant_id] = first
            self._orders[store.merchant_id] = []
            for product in store.products.values():
                self.curve(store, product)  # fixed now: later price changes move along the curve

    def catch_up(self, store: FakeStore, now: datetime) -> int:
        """Generate the orders of every complete hour up to ``now``; how many orders were added."""
        self.start(store, now)
        mid = store.merchant_id
        hour, last = self._next_hour[mid], int(now.timestamp()) // HOUR
        orders = self._orders[mid]
        before = len(orders)
        self._cache_day = self._cache_block = -1  # the caches hold another store's products
        while hour < last:
            self._simulate_hour(store, hour, orders)
            hour += 1
        self._next_hour[mid] = hour
        return len(orders) - before

    def _simulate_hour(self, store: FakeStore, hour: int, orders: list[FakeOrder]) -> None:
        start = datetime.fromtimestamp(hour * HOUR, tz=UTC)
        local = start.astimezone(RIYADH)
        today, weekday, hour_factor = local.date(), local.weekday(), DAILY[local.hour] / 24
        seed, mid, day, block = self.seed, store.merchant_id, hour // 24, hour // COMPETITOR_HOURS
        if self._cache_day != day:
            self._noise.clear()
            self._draws.clear()
            self._cache_day = day
        if self._cache_block != block:
            self._lowest.clear()
            self._cache_block = block
        block_start = datetime.fromtimestamp(block * COMPETITOR_HOURS * HOUR, tz=UTC)
        for product in store.products.values():
            if product.status != "sale" or product.quantity == 0:
                continue
            curve = self.curve(store, product)
            price = selling_price(product, today)
            noise = self._noise.get(product.id)
            if noise is None:
                # One noise draw per product and day, mean 1 (log-normal).
                z = _NORMAL.inv_cdf(0.001 + 0.998 * _unit(seed, mid, product.id, day, "noise"))
                noise = self._noise[product.id] = math.exp(curve.noise * z - curve.noise**2 / 2)
            key = (product.id, price)
            if key in self._lowest:
                lowest = self._lowest[key]
            else:
                lowest = self._lowest[key] = self.lowest_competitor(product, price, block_start)
            units = curve.expected_units(price, lowest, weekday) * noise * hour_factor
            draws = self._draws.get(product.id)
            if draws is None:
                # The 24 hourly draws of a product's day from one seeded generator: cheaper than a
                # hash per hour, and still the same draws however the day is caught up.
                rng = random.Random(f"{seed}|{mid}|{product.id}|{day}|orders")
                draws = self._draws[product.id] = [rng.random() for _ in range(24)]
            count = _poisson(draws[hour % 24], units / MEAN_QUANTITY)
            for k in range(count):
                orders.append(self._order(store, product, price, hour, k, len(orders)))

    def _order(
        self, store: FakeStore, product: FakeProduct, price: Decimal, hour: int, k: int, number: int
    ) -> FakeOrder:
        seed, mid = self.seed, store.merchant_id
        roll = _unit(seed, mid, product.id, hour, k, "quantity")
        quantity, acc = _QUANTITIES[-1][0], 0.0
        for q, share in _QUANTITIES:
            acc += share
            if roll < acc:
                quantity = q
                break
        variant_id, sku, unit_price = None, product.sku, price
        if product.variants:
            variant = product.variants[int(_unit(seed, mid, product.id, hour, k, "sku") * len(product.variants))]
            variant_id, sku = variant.id, variant.sku
            if variant.own_price:
                unit_price = variant.price
        second = int(_unit(seed, mid, product.id, hour, k, "second") * HOUR)
        return FakeOrder(
            id=200_000_000 + number,  # unique within the store, growing with time
            reference_id=10_000 + number,
            merchant_id=mid,
            created_at=datetime.fromtimestamp(hour * HOUR + second, tz=UTC),
            currency=product.currency,
            lines=(
                OrderLine(
                    product_id=product.id,
                    variant_id=variant_id,
                    sku=sku,
                    name=product.name,
                    quantity=quantity,
                    unit_price=unit_price,
                ),
            ),
        )

    # ----------------------------------------------------------------------------------
    # Reading

    def orders(self, merchant_id: int) -> list[FakeOrder]:
        """The store's generated orders, oldest first (empty before its market started)."""
        found = self._orders.get(merchant_id, [])
        # Orders of one hour are generated product by product; sort them by time once read.
        return sorted(found, key=lambda o: (o.created_at, o.id))

    def newest(self, merchant_id: int, count: int) -> list[FakeOrder]:
        """The ``count`` orders generated last (by the latest catch-up), oldest first."""
        found = self._orders.get(merchant_id, [])
        return sorted(found[len(found) - count:], key=lambda o: (o.created_at, o.id)) if count > 0 else []

    def units_by_day(self, merchant_id: int) -> dict[tuple[int, date], int]:
        """(product id, Riyadh date) -> units sold, from the generated orders (for tests)."""
        totals: dict[tuple[int, date], int] = {}
        for order in self._orders.get(merchant_id, []):
            day = order.created_at.astimezone(RIYADH).date()
            for line in order.lines:
                key = (line.product_id, day)
                totals[key] = totals.get(key, 0) + line.quantity
        return totals


__all__ = [
    "DAILY",
    "MEAN_QUANTITY",
    "RIYADH",
    "WEEKLY",
    "DemandCurve",
    "FakeOrder",
    "MarketSimulator",
    "OrderLine",
    "sorted_orders",
]
