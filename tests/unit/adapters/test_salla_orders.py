"""The orders client against the fake Salla's simulated market, and the daily sales it makes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from starlette.testclient import TestClient

from adapters.fake_salla import SandboxStoreSpec, create_fake_salla
from adapters.fake_salla.market import RIYADH
from adapters.memory.clock import FakeClock
from adapters.salla.orders import SallaOrdersClient
from pricing_core.sales import DailySales, SoldLine, daily_sales

MERCHANT = 1234509876
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
SPEC = SandboxStoreSpec(name="Orders", products=40, merchant_id=MERCHANT, quirks=False, sale_share=0.0)


def test_sold_lines_match_the_simulated_orders_and_cost_about_one_request_per_order() -> None:
    clock = FakeClock(NOW)
    fake = create_fake_salla(clock=clock, bulk_delay=0, stores=[SPEC], market_history_days=14)
    token = fake.issue_tokens(MERCHANT)["access_token"]
    truth = fake.orders(MERCHANT)
    with TestClient(fake.app) as http:
        # The pacer's waits move the fake's clock: the store's rate limit is really spent and refilled.
        client = SallaOrdersClient(http, api_url="http://testserver/admin/v2",
                                   sleep=lambda s: clock.advance(seconds=s), clock=clock)
        since = (NOW - timedelta(days=14)).astimezone(RIYADH).date()
        lines = list(client.iter_sold_lines(token, since=since))
    # The pacer's waits move the fake's clock, and the simulated market keeps selling meanwhile:
    # every order placed before the read is read, and whatever the read saw exists.
    seen = {int(line.order_id) for line in lines}
    everything = {o.id: o for o in fake.orders(MERCHANT)}
    assert {o.id for o in truth} <= seen <= set(everything) and len(truth) > 100
    truth = [everything[i] for i in sorted(seen)]
    sku_to_product = {p.sku: str(p.id) for p in fake.store(MERCHANT).products.values() if p.sku}
    for p in fake.store(MERCHANT).products.values():
        sku_to_product.update({v.sku: str(p.id) for v in p.variants})
    summary = daily_sales(lines, sku_to_product, RIYADH)
    expected = Counter[tuple[str, date]]()
    for order in truth:
        for line in order.lines:
            expected[(str(line.product_id), order.created_at.astimezone(RIYADH).date())] += line.quantity
    assert {(d.product_id, d.day): d.units for d in summary.days} == dict(expected)
    # Revenue is what customers paid, VAT included: the listed price, plus 15 % where the listed
    # price excludes VAT (prices never changed here).
    prices = {
        str(p.id): p.price if p.with_tax else (p.price * Decimal("1.15")).quantize(Decimal("0.01"))
        for p in fake.store(MERCHANT).products.values()
    }
    for day in summary.days:
        if not any(v.own_price for v in fake.store(MERCHANT).products[int(day.product_id)].variants):
            assert day.avg_price == prices[day.product_id]
    # About one items request per order plus one list page per 15 orders. Orders placed while the
    # read runs can push an order read on one page onto the next (offset pages over a live list,
    # as on Salla): its items may be read twice, never counted twice (the units above match).
    listed = fake.stats(MERCHANT).by_route["GET /orders"]
    items = fake.stats(MERCHANT).by_route["GET /orders/items"]
    assert -(-len(truth) // 15) <= listed <= -(-len(truth) // 15) + 1
    assert len(truth) <= items <= len(truth) * 1.05
    assert fake.rate_limited(MERCHANT) == 0  # paced, not refused
    assert client.requests == items + listed


def test_only_orders_from_the_given_day_on_are_read() -> None:
    clock = FakeClock(NOW)
    fake = create_fake_salla(clock=clock, bulk_delay=0, stores=[SPEC], market_history_days=10)
    token = fake.issue_tokens(MERCHANT)["access_token"]
    since = NOW.astimezone(RIYADH).date() - timedelta(days=2)
    with TestClient(fake.app) as http:
        client = SallaOrdersClient(http, api_url="http://testserver/admin/v2",
                                   sleep=lambda s: clock.advance(seconds=s), clock=clock)
        lines = list(client.iter_sold_lines(token, since=since))
    days = {line.ordered_at.astimezone(RIYADH).date() for line in lines}
    assert lines and min(days) == since
    wanted = [o for o in fake.orders(MERCHANT) if o.created_at.astimezone(RIYADH).date() >= since]
    assert len({line.order_id for line in lines}) == len(wanted)
    times = [line.ordered_at for line in lines]
    assert times == sorted(times)  # oldest first, as asked


def test_daily_sales_sums_by_local_day_and_reports_what_it_cannot_place() -> None:
    late = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)  # already 2 March in Riyadh
    lines = [
        SoldLine(order_id="1", ordered_at=late, sku="A", quantity=2, revenue="200"),
        SoldLine(order_id="2", ordered_at=late, sku="A-S", quantity=1, revenue="90"),
        SoldLine(order_id="3", ordered_at=late, sku="?", quantity=1, revenue="5"),
        SoldLine(order_id="4", ordered_at=late, sku="A", quantity=9, revenue="900", status="canceled"),
        SoldLine(order_id="5", ordered_at=late, sku="", quantity=1, revenue="50", product_id="B"),
    ]
    summary = daily_sales(lines, {"A": "P1", "A-S": "P1"}, RIYADH)
    assert summary.days == (
        DailySales(product_id="B", day=date(2026, 3, 2), units=1, revenue=Decimal("50")),
        DailySales(product_id="P1", day=date(2026, 3, 2), units=3, revenue=Decimal("290")),
    )
    assert summary.days[1].avg_price == Decimal("96.67")
    assert summary.unmatched_skus == ("?",) and summary.skipped_orders == 1
