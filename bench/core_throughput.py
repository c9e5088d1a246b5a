"""Throughput of the pricing core: 100,000 products x 5 offers through ``price_catalog`` on one core.

Target (issue 2): at least 20,000 decisions per second. Run: ``nox -s bench`` or
``python bench/core_throughput.py [--products N]``. Exits non-zero when the target is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pricing_core import CompetitorOffer, Product, TenantSettings, price_catalog

TARGET = 20_000
COMPETITORS = ("noon", "amazon.sa", "extra", "jarir", "nahdi")


def build(n: int, seed: int = 1) -> tuple[list[Product], dict[str, list[CompetitorOffer]], datetime]:
    """A deterministic catalog with 5 offers per product, spread around the price."""
    rng = random.Random(seed)
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    products, offers = [], {}
    for i in range(n):
        price = Decimal(rng.randint(1000, 100000)) / 100
        cost = None if i % 10 == 0 else (price * Decimal(rng.randint(40, 80)) / 100).quantize(Decimal("0.01"))
        pid = str(1_000_000 + i)
        products.append(Product(id=pid, sku=f"SKU-{i}", name=f"Product {i}", price=price, cost_price=cost))
        offers[pid] = [
            CompetitorOffer(competitor=c, price=(price * Decimal(rng.randint(85, 115)) / 100).quantize(Decimal("0.01")),
                            observed_at=now - timedelta(hours=rng.randint(0, 90)), in_stock=rng.random() > 0.1)
            for c in COMPETITORS
        ]
    return products, offers, now


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the issue asks
    products, offers, now = build(args.products)
    settings = TenantSettings(automation_mode="full-auto")
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        decisions = price_catalog(products, offers, settings, now=now)
        best = min(best, time.perf_counter() - start)
        assert len(decisions) == len(products)
    rate = len(products) / best
    actions: dict[str, int] = {}
    for d in decisions:
        actions[d.action.value] = actions.get(d.action.value, 0) + 1
    print(f"products={len(products)} offers_per_product=5 best_of={args.repeat} seconds={best:.2f} "
          f"decisions_per_second={rate:,.0f} target={TARGET:,} actions={actions}")
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
