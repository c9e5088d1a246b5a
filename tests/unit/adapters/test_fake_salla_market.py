"""The fake Salla's market simulator: deterministic, fast-forwardable, inspectable, and responsive to prices."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from starlette.testclient import TestClient

from adapters.fake_salla import SandboxStoreSpec, create_fake_salla
from adapters.fake_salla.fake import FakeSalla
from adapters.fake_salla.market import RIYADH, WEEKLY, DemandCurve
from adapters.memory.clock import FakeClock

MERCHANT = 1234509876
START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
SPEC = SandboxStoreSpec(name="Market", products=40, merchant_id=MERCHANT, quirks=False, sale_share=0.0)


def _fake(history_days: int = 0) -> FakeSalla:
    return create_fake_salla(clock=FakeClock(START), bulk_delay=0, stores=[SPEC], market_history_days=history_days)


def _units(fake: FakeSalla) -> Counter[int]:
    units: Counter[int] = Counter()
    for order in fake.orders(MERCHANT):
        for line in order.lines:
            units[line.product_id] += line.quantity
    return units


def _order_key(fake: FakeSalla) -> list[tuple[int, datetime, int, int, Decimal]]:
    return [
        (o.id, o.created_at, o.lines[0].product_id, o.lines[0].quantity, o.lines[0].unit_price)
        for o in fake.orders(MERCHANT)
    ]


def test_same_seed_same_orders_however_time_is_advanced() -> None:
    one, other = _fake(history_days=3), _fake(history_days=3)
    one.orders(MERCHANT)
    other.orders(MERCHANT)
    one.advance(days=6)
    for _ in range(12):
        other.advance(hours=12)
    assert _order_key(one) == _order_key(other)
    assert len(_order_key(one)) > 50
    times = [o.created_at for o in one.orders(MERCHANT)]
    assert times == sorted(times) and times[-1] <= one.now()
    assert times[0] >= START - timedelta(days=3)


def test_another_seed_gives_other_orders_and_other_curves() -> None:
    base = _fake(history_days=7)
    other = create_fake_salla(clock=FakeClock(START), bulk_delay=0, stores=[SPEC], seed=8, market_history_days=7)
    assert _order_key(base) != _order_key(other)


def test_market_starts_lazily_and_history_precedes_now() -> None:
    fake = _fake(history_days=14)
    assert not fake.market.started(MERCHANT)
    fake.advance(days=1)  # nobody asked for orders yet: nothing is generated
    assert not fake.market.started(MERCHANT)
    orders = fake.orders(MERCHANT)
    assert fake.market.started(MERCHANT)
    assert min(o.created_at for o in orders) >= fake.now() - timedelta(days=14)


def test_true_elasticities_are_in_range_and_inspectable_over_http() -> None:
    fake = _fake()
    elasticities = fake.elasticities(MERCHANT)
    assert len(elasticities) == 40
    assert all(-4 <= e <= -0.5 for e in elasticities.values())
    assert len(set(elasticities.values())) > 30  # every product its own curve
    with TestClient(fake.app) as client:
        body = client.get(f"/_fake/stores/{MERCHANT}/market").json()
        assert {p["product_id"]: p["elasticity"] for p in body["products"]} == elasticities
        assert client.get("/_fake/stores/1/market").status_code == 404
        fake.orders(MERCHANT)
        before = fake.now()
        advanced = client.post("/_fake/advance", json={"days": 2}).json()
        assert datetime.fromisoformat(advanced["now"]) == before + timedelta(days=2)
        assert advanced["orders"] > 0
        assert client.post("/_fake/advance", json={"days": -1}).status_code == 400


def test_higher_prices_sell_less_by_the_true_elasticity() -> None:
    """Twin markets with the same draws: one raises prices 25 %; units fall by about 1.25 ** elasticity."""
    same, raised = _fake(), _fake()
    same.orders(MERCHANT)
    raised.orders(MERCHANT)
    store = raised.store(MERCHANT)
    # Products with a cost: their competitors are anchored on the cost, so only our price moves.
    costed = [p for p in store.products.values() if p.cost_price is not None and p.status == "sale" and p.quantity != 0]
    for product in costed:
        raised.set_price(MERCHANT, product.id, (product.price * Decimal("1.25")).quantize(Decimal("0.01")))
    same.advance(days=60)
    raised.advance(days=60)
    before, after = _units(same), _units(raised)
    elastic = [p.id for p in costed if same.demand_curve(MERCHANT, p.id).elasticity < -2.5]
    inelastic = [p.id for p in costed if same.demand_curve(MERCHANT, p.id).elasticity > -1.5]
    assert elastic and inelastic
    ratio_elastic = sum(after[i] for i in elastic) / sum(before[i] for i in elastic)
    ratio_inelastic = sum(after[i] for i in inelastic) / sum(before[i] for i in inelastic)
    assert ratio_elastic < ratio_inelastic < 1
    expected = sum(before[i] * 1.25 ** same.demand_curve(MERCHANT, i).elasticity for i in elastic) / sum(
        before[i] for i in elastic
    )
    assert ratio_elastic == pytest.approx(expected, rel=0.2)
    # The price customers paid is the price of the moment.
    last = raised.orders(MERCHANT)[-1]
    assert last.lines[0].unit_price == raised.store(MERCHANT).products[last.lines[0].product_id].price


def test_cheaper_competitors_and_quiet_weekdays_sell_less() -> None:
    curve = DemandCurve(
        product_id=1, reference_price=Decimal("100"), base_units=2.0, elasticity=-2.0,
        cross_elasticity=0.8, seasonality=1.0, noise=0.1,
    )
    friday, sunday = 4, 6
    assert curve.expected_units(Decimal("100"), Decimal("80"), friday) < curve.expected_units(
        Decimal("100"), Decimal("100"), friday
    )
    assert curve.expected_units(Decimal("100"), None, sunday) < curve.expected_units(Decimal("100"), None, friday)
    assert curve.expected_units(Decimal("120"), None, friday) == pytest.approx(
        2.0 * 1.2**-2 * WEEKLY[friday]
    )
    # Over eight weeks the store's Fridays outsell its Sundays, as the curves say.
    fake = _fake()
    fake.orders(MERCHANT)
    fake.advance(days=56)
    by_weekday: Counter[int] = Counter()
    for order in fake.orders(MERCHANT):
        by_weekday[order.created_at.astimezone(RIYADH).weekday()] += order.lines[0].quantity
    assert by_weekday[friday] > by_weekday[sunday] * 1.1


def test_products_not_for_sale_get_no_orders() -> None:
    fake = _fake(history_days=7)
    store = fake.store(MERCHANT)
    product = next(iter(store.products.values()))
    product.status = "hidden"
    fake.orders(MERCHANT)
    fake.advance(days=7)
    assert product.id not in _units(fake)


def test_orders_before_a_price_change_keep_the_old_price_through_the_admin_api() -> None:
    fake = _fake(history_days=0)
    fake.orders(MERCHANT)
    store = fake.store(MERCHANT)
    best = max((p for p in store.products.values() if p.status == "sale" and p.quantity != 0 and not p.variants),
               key=lambda p: fake.demand_curve(MERCHANT, p.id).base_units)
    old = best.price
    fake.advance(days=10)
    token = fake.issue_tokens(MERCHANT)["access_token"]
    with TestClient(fake.app) as client:
        answer = client.put(f"/admin/v2/products/{best.id}", json={"price": str(old - 1)},
                            headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code < 300
    changed_at = fake.now()
    fake.advance(days=10)
    lines = [(o.created_at, o.lines[0].unit_price) for o in fake.orders(MERCHANT) if o.lines[0].product_id == best.id]
    assert any(at < changed_at for at, _ in lines) and any(at >= changed_at for at, _ in lines)
    assert all(price == (old if at < changed_at else old - 1) for at, price in lines)
