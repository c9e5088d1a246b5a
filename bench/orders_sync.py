"""Orders sync cost: Merchant API requests per 1,000 orders, and the Salla time it takes on each plan.

The fake Salla's market simulator produces four weeks of orders for one store; the real orders
client (``SallaOrdersClient``, paced by Salla's rate-limit headers) reads them all from the fake
over an in-process HTTP client. The pacer's waits move the fake's clock instead of sleeping, so
the figure "Salla time" is how long the read would take against Salla's real rate limits.

    python bench/orders_sync.py
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from adapters.fake_salla import SandboxStoreSpec, create_fake_salla
from adapters.fake_salla.market import RIYADH
from adapters.memory.clock import FakeClock
from adapters.salla.orders import SallaOrdersClient

MERCHANT = 1_555_000_003
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def measure(plan: str, products: int, days: int) -> tuple[int, int, float]:
    """(orders, requests, Salla seconds) to read ``days`` of a ``products``-product store's orders."""
    clock = FakeClock(NOW)
    fake = create_fake_salla(clock=clock, bulk_delay=0, market_history_days=days,
                             stores=[SandboxStoreSpec(name="Orders", plan=plan, products=products,
                                                      merchant_id=MERCHANT, quirks=False)])
    token = fake.issue_tokens(MERCHANT)["access_token"]
    orders = len(fake.orders(MERCHANT))
    with TestClient(fake.app) as http:
        client = SallaOrdersClient(http, api_url="http://testserver/admin/v2",
                                   sleep=lambda s: clock.advance(seconds=s), clock=clock)
        started = clock.now()
        since = (NOW - timedelta(days=days)).astimezone(RIYADH).date()
        lines = list(client.iter_sold_lines(token, since=since))
        elapsed = (clock.now() - started).total_seconds()
    assert len({line.order_id for line in lines}) == orders, "not every order was read"
    assert fake.rate_limited(MERCHANT) == 0, "the pacer let Salla refuse requests"
    return orders, client.requests, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=150)
    parser.add_argument("--days", type=int, default=28)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}")
    for plan in ("plus", "pro", "special"):
        orders, requests, seconds = measure(plan, args.products, args.days)
        print(f"{plan}: {orders} orders in {args.days} days of a {args.products}-product store: {requests} requests "
              f"({requests / orders * 1000:.0f} per 1,000 orders), {seconds / 60:.1f} min of Salla time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
