"""Order webhooks keep the daily sales current, counting each order once (``usecases/order_events.py``).

Deliveries are built the way the worker reads them: Salla's JSON through the Salla adapter
(``to_domain_event``), then ``handle_webhook_event``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from tests.unit.usecases.test_usecase_sales_sync import MERCHANT as FAKE_MERCHANT
from tests.unit.usecases.test_usecase_sales_sync import STORE as FAKE_STORE
from tests.unit.usecases.test_usecase_sales_sync import _truth, world  # noqa: F401  (the fixture)

from adapters.fake_salla.orders import event_json
from adapters.memory import FakeClock, InMemoryUnitOfWorkFactory, RecordingQueue
from adapters.salla.events import to_domain_event
from pricing_core.activity import ActivityType
from pricing_core.catalog import Product
from pricing_core.commands import ProcessWebhook
from pricing_core.ports import MerchantInfo, UnitOfWorkFactory, scope_of
from pricing_core.stores import Store
from pricing_core.usecases.sales_sync import sync_sales
from pricing_core.usecases.webhooks import WebhookOutcome, handle_webhook_event

STORE = "1234509876"
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
DAY = date(2026, 3, 9)  # the orders' local day (Riyadh)


def _no_user_info(access_token: str) -> MerchantInfo:
    raise AssertionError("order events never ask for user info")


def deliver(uow_factory: UnitOfWorkFactory, clock: FakeClock, event: str, data: dict[str, Any], delivery_id: str,
            *, store: str = STORE, created_at: str = "Tue Mar 10 2026 11:00:00 GMT+0300") -> WebhookOutcome:
    raw = ProcessWebhook(event=event, merchant_id=store, data=data, created_at=created_at, delivery_id=delivery_id)
    domain = to_domain_event(raw, now=clock.now())
    return handle_webhook_event(uow_factory, RecordingQueue(), clock, domain, user_info=_no_user_info)


def item(sku: str, quantity: Any, total: str, tax: str, product_id: int | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": hash((sku, quantity)) % 10_000, "name": sku, "sku": sku, "quantity": quantity,
        "amounts": {"total": {"amount": total, "currency": "SAR"},
                    "tax": {"percent": "15.00", "amount": {"amount": tax, "currency": "SAR"}}},
    }
    if product_id is not None:
        found["product"] = {"id": product_id}
    return found


def order(order_id: int, items: list[dict[str, Any]] | None, *, status: str = "completed",
          updated: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": order_id, "date": {"date": "2026-03-09 14:00:00.000000", "timezone": "Asia/Riyadh"},
                            "status": {"slug": status}}
    if updated is not None:
        data["updated_at"] = {"date": updated, "timezone": "Asia/Riyadh"}
    if items is not None:
        data["items"] = items
    return data


@pytest.fixture
def store() -> tuple[InMemoryUnitOfWorkFactory, FakeClock]:
    factory, clock = InMemoryUnitOfWorkFactory(), FakeClock(NOW)
    with factory(STORE) as uow:
        uow.stores.upsert(Store(store_id=STORE, store_name="Orders", installed_at=NOW))
        scope_of(uow).products.upsert_many([
            Product(id="10", sku="A", price=Decimal("100")),
            Product(id="20", sku="B", price=Decimal("50")),
            Product(id="21", sku="B-RED", price=Decimal("50"), variant_of="20"),
        ], seen_at=NOW)
        uow.commit()
    return factory, clock


def history(factory: UnitOfWorkFactory) -> list[tuple[str, date, int, Decimal]]:
    with factory(STORE) as uow:
        return [(d.product_id, d.day, d.units, d.revenue) for d in scope_of(uow).sales.history()]


def test_created_then_updated_then_cancelled(store: tuple[InMemoryUnitOfWorkFactory, FakeClock]) -> None:
    factory, clock = store
    created = order(1, [item("A", 2, "173.91", "26.09", product_id=10), item("B-RED", 1, "43.48", "6.52")],
                    updated="2026-03-09 14:00:00.000000")
    assert deliver(factory, clock, "order.created", created, "d1") is WebhookOutcome.PROCESSED
    assert history(factory) == [("10", DAY, 2, Decimal("200.00")), ("20", DAY, 1, Decimal("50.00"))]
    # The merchant edits the order: one A less, a second variant of B.
    updated = order(1, [item("A", 1, "86.96", "13.04", product_id=10), item("B-RED", 2, "86.96", "13.04")],
                    updated="2026-03-09 15:00:00.000000")
    assert deliver(factory, clock, "order.updated", updated, "d2") is WebhookOutcome.PROCESSED
    assert history(factory) == [("10", DAY, 1, Decimal("100.00")), ("20", DAY, 2, Decimal("100.00"))]
    cancelled = order(1, None, status="canceled", updated="2026-03-09 16:00:00.000000")
    assert deliver(factory, clock, "order.status.updated", cancelled, "d3") is WebhookOutcome.PROCESSED
    assert history(factory) == []
    # A late redelivery of the first state (Salla retries; deliveries are unordered) changes nothing.
    assert deliver(factory, clock, "order.created", created, "d1-retry") is WebhookOutcome.IGNORED
    assert history(factory) == []


def test_other_days_and_orders_are_untouched(store: tuple[InMemoryUnitOfWorkFactory, FakeClock]) -> None:
    factory, clock = store
    deliver(factory, clock, "order.created", order(1, [item("A", 1, "86.96", "13.04")]), "d1")
    deliver(factory, clock, "order.created", order(2, [item("A", 3, "260.87", "39.13")]), "d2")
    deliver(factory, clock, "order.refunded", order(2, None), "d3")
    assert history(factory) == [("10", DAY, 1, Decimal("100.00"))]
    deliver(factory, clock, "order.deleted", {"id": 1}, "d4")
    assert history(factory) == []


def test_a_duplicate_delivery_counts_once(store: tuple[InMemoryUnitOfWorkFactory, FakeClock]) -> None:
    factory, clock = store
    data = order(1, [item("A", 2, "173.91", "26.09")])
    assert deliver(factory, clock, "order.created", data, "d1") is WebhookOutcome.PROCESSED
    assert deliver(factory, clock, "order.created", data, "d1") is WebhookOutcome.DUPLICATE  # same delivery id
    # The same order again under another delivery id (order.updated with nothing changed).
    assert deliver(factory, clock, "order.updated", data, "d2") is WebhookOutcome.PROCESSED
    assert history(factory) == [("10", DAY, 2, Decimal("200.00"))]


def test_a_status_change_without_items_keeps_the_recorded_lines(
    store: tuple[InMemoryUnitOfWorkFactory, FakeClock],
) -> None:
    factory, clock = store
    deliver(factory, clock, "order.created", order(1, [item("A", 2, "173.91", "26.09")]), "d1")
    assert deliver(factory, clock, "order.status.updated", order(1, None, status="delivered"), "d2") \
        is WebhookOutcome.PROCESSED
    assert history(factory) == [("10", DAY, 2, Decimal("200.00"))]


def test_malformed_lines_are_refused_and_logged_and_the_rest_counts(
    store: tuple[InMemoryUnitOfWorkFactory, FakeClock],
) -> None:
    factory, clock = store
    items = [
        item("A", 1, "86.96", "13.04"),
        item("B", "two", "43.48", "6.52"),  # quantity not a number
        {"id": 77, "quantity": 1, "amounts": {"total": {"amount": 10}}},  # neither product id nor SKU
        item("ZZZ", 1, "10", "1.5"),  # a SKU the catalog does not know
        item("", 1, "10", "1.5", product_id=999),  # a product the catalog does not know
    ]
    assert deliver(factory, clock, "order.created", order(5, items), "d1") is WebhookOutcome.PROCESSED
    assert history(factory) == [("10", DAY, 1, Decimal("100.00"))]
    with factory(STORE) as uow:
        (entry,) = [e for e in scope_of(uow).activity.list() if e.activity_type is ActivityType.SALES_SYNCED]
    assert entry.metadata["order_id"] == "5" and entry.metadata["delivery_id"] == "d1"
    reasons = sorted(r["reason"] for r in entry.metadata["refused"])
    assert reasons == sorted([
        "quantity 'two' is not a number",
        "no product id and no SKU",
        "SKU 'ZZZ' is not in the store's catalog",
        "product 999 is not in the store's catalog",
    ])


def test_a_malformed_order_is_rejected_and_logged(store: tuple[InMemoryUnitOfWorkFactory, FakeClock]) -> None:
    factory, clock = store
    assert deliver(factory, clock, "order.created", {"items": []}, "d1") is WebhookOutcome.REJECTED
    with factory(STORE) as uow:
        assert any("no id" in e.description for e in scope_of(uow).activity.list())
    assert history(factory) == []


def test_unknown_or_inactive_stores_are_ignored(store: tuple[InMemoryUnitOfWorkFactory, FakeClock]) -> None:
    factory, clock = store
    data = order(1, [item("A", 1, "86.96", "13.04")])
    assert deliver(factory, clock, "order.created", data, "d1", store="999") is WebhookOutcome.IGNORED
    with factory(STORE) as uow:
        uow.stores.upsert(Store(store_id=STORE, store_name="Orders", installed_at=NOW, is_active=False))
        uow.commit()
    assert deliver(factory, clock, "order.created", data, "d2") is WebhookOutcome.IGNORED
    assert history(factory) == []


def test_a_webhook_and_a_later_sync_of_the_same_orders_count_once(world) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    fake, ports, _client = world
    clock = ports.clock
    orders = fake.orders(FAKE_MERCHANT)[-5:]  # the newest, already in the 28 days the first sync reads
    taxed = {pid: p.with_tax for pid, p in fake.store(FAKE_MERCHANT).products.items()}
    for n, placed in enumerate(orders):
        outcome = deliver(ports.uow_factory, clock, "order.created", event_json(placed, taxed), f"d{n}",
                          store=FAKE_STORE)
        assert outcome is WebhookOutcome.PROCESSED
    with ports.uow_factory(FAKE_STORE) as uow:
        before_sync = sum(d.units for d in scope_of(uow).sales.history())
    assert before_sync == sum(line.quantity for o in orders for line in o.lines)

    result = sync_sales(ports, FAKE_STORE)

    with ports.uow_factory(FAKE_STORE) as uow:
        synced = {(d.product_id, d.day): d.units for d in scope_of(uow).sales.history()}
    assert synced == _truth(fake, result.since)  # each order once, though seen by both
    # A redelivery after the sync (another delivery id) is still counted once.
    deliver(ports.uow_factory, clock, "order.updated", event_json(orders[-1], taxed), "again", store=FAKE_STORE)
    with ports.uow_factory(FAKE_STORE) as uow:
        assert {(d.product_id, d.day): d.units for d in scope_of(uow).sales.history()} == synced
    # New orders arrive by webhook, then the next sync reads them too: still once.
    fake.advance(hours=6)
    fresh = [o for o in fake.orders(FAKE_MERCHANT) if o.created_at > orders[-1].created_at]
    assert fresh
    for n, placed in enumerate(fresh):
        deliver(ports.uow_factory, clock, "order.created", event_json(placed, taxed), f"fresh{n}", store=FAKE_STORE)
    sync_sales(ports, FAKE_STORE)
    with ports.uow_factory(FAKE_STORE) as uow:
        after = {(d.product_id, d.day): d.units for d in scope_of(uow).sales.history()}
    assert after == _truth(fake, result.since)


def test_a_product_id_the_catalog_does_not_know_falls_back_to_the_sku(
    store: tuple[InMemoryUnitOfWorkFactory, FakeClock],
) -> None:
    factory, clock = store
    items = [item("B-RED", 1, "43.48", "6.52", product_id=555), item("Q", 1, "10", "1.5", product_id=556)]
    assert deliver(factory, clock, "order.created", order(3, items), "d1") is WebhookOutcome.PROCESSED
    assert history(factory) == [("20", DAY, 1, Decimal("50.00"))]  # the variant's product
    with factory(STORE) as uow:
        (entry,) = [e for e in scope_of(uow).activity.list() if e.activity_type is ActivityType.SALES_SYNCED]
    why = "product 556 (SKU 'Q') is not in the store's catalog"
    assert entry.metadata["refused"] == [{"item": "556", "reason": why}]
