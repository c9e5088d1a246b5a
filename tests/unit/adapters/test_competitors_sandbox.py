"""The sandbox market: deterministic, moving, mostly corroborated, sometimes out of stock."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from adapters.competitors.sandbox import COMPETITORS, SandboxCompetitorSource
from pricing_core import Product

NOW = datetime(2026, 11, 23, 10, 3, tzinfo=UTC)
PRODUCTS = [Product(id=str(i), sku=f"SKU-{i}", price=Decimal(50 + i), cost_price=Decimal(30 + i // 2))
            for i in range(200)]
NAMES = {name for name, _ in COMPETITORS}


def test_same_inputs_same_offers_and_another_seed_differs():
    a = SandboxCompetitorSource(seed=7).offers_for("s1", PRODUCTS[:20], NOW)
    b = SandboxCompetitorSource(seed=7).offers_for("other-store", PRODUCTS[:20], NOW + timedelta(minutes=5))
    c = SandboxCompetitorSource(seed=8).offers_for("s1", PRODUCTS[:20], NOW)
    assert a == b  # same 10-minute bucket
    assert a != c


def test_two_to_four_named_competitors_per_product_stable_over_time():
    source = SandboxCompetitorSource()
    now = source.offers_for("s1", PRODUCTS, NOW)
    later = source.offers_for("s1", PRODUCTS, NOW + timedelta(hours=5))
    for product in PRODUCTS:
        names = [o.competitor for o in now[product.id]]
        assert 2 <= len(names) <= 4 and set(names) <= NAMES
        assert names == [o.competitor for o in later[product.id]]
    assert {len(v) for v in now.values()} == {2, 3, 4}


def test_prices_move_between_buckets_and_stay_near_the_anchor():
    source = SandboxCompetitorSource()
    moved = 0
    for step in range(1, 7):
        before = source.offers_for("s1", PRODUCTS[:50], NOW)
        after = source.offers_for("s1", PRODUCTS[:50], NOW + timedelta(minutes=10 * step))
        moved += sum(o1.price != o2.price for p in before for o1, o2 in zip(before[p], after[p], strict=True))
    assert moved > 100
    for product in PRODUCTS:
        for offer in source.offers_for("s1", [product], NOW)[product.id]:
            anchor = product.cost_price
            assert anchor * Decimal("1.0") < offer.price < anchor * Decimal("1.9")
            assert offer.observed_at <= NOW and NOW - offer.observed_at < timedelta(minutes=10)
            assert offer.url.startswith("https://") and offer.currency == "SAR"


def test_mostly_corroborated_occasionally_out_of_stock():
    offers = [o for v in SandboxCompetitorSource().offers_for("s1", PRODUCTS, NOW).values() for o in v]
    agree = sum(o.second_reading == o.price for o in offers) / len(offers)
    out = sum(not o.in_stock for o in offers) / len(offers)
    assert 0.8 < agree < 0.97
    assert 0.02 < out < 0.15
