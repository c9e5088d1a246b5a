"""``sync_sales``: a store's orders, read from the fake Salla's market through the real client, into daily sales."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest
from starlette.testclient import TestClient

from adapters.fake_salla import SandboxStoreSpec, create_fake_salla
from adapters.fake_salla.fake import FakeSalla
from adapters.memory.clock import FakeClock
from adapters.memory.locks import ThreadStoreLocks
from adapters.memory.salla import FakeSallaAuth
from adapters.memory.storage import InMemoryUnitOfWorkFactory
from adapters.salla import SallaMerchantClient
from pricing_core.activity import ActivityType
from pricing_core.commands import SyncOrders
from pricing_core.errors import StoreNotFound
from pricing_core.ports import scope_of
from pricing_core.stores import Store
from pricing_core.tokens import TokenSet
from pricing_core.usecases.sales_sync import SALLA_TZ, sync_sales

MERCHANT = 1234509876
STORE = str(MERCHANT)
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@attrs.define
class SalesPortsForTest:
    uow_factory: InMemoryUnitOfWorkFactory
    locks: ThreadStoreLocks
    clock: FakeClock
    salla_auth: FakeSallaAuth
    salla_orders: SallaMerchantClient | None


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    clock = FakeClock(NOW)
    fake = create_fake_salla(clock=clock, bulk_delay=0, market_history_days=28,
                             stores=[SandboxStoreSpec(name="Sales", products=30, merchant_id=MERCHANT)])
    issued = fake.issue_tokens(MERCHANT)
    with TestClient(fake.app) as http:
        client = SallaMerchantClient(http, api_url="http://testserver/admin/v2", clock=clock,
                                     sleep=lambda s: clock.advance(seconds=s))
        ports = SalesPortsForTest(uow_factory=InMemoryUnitOfWorkFactory(), locks=ThreadStoreLocks(), clock=clock,
                                  salla_auth=FakeSallaAuth(clock.now), salla_orders=client)
        with ports.uow_factory(STORE) as uow:
            uow.stores.upsert(Store(store_id=STORE, store_name="Sales", installed_at=NOW))
            scope_of(uow).tokens.save(TokenSet(access_token=issued["access_token"],
                                               refresh_token=issued["refresh_token"],
                                               expires_at=NOW + (clock.now() - NOW) + _days(14)))
            for page in client.iter_product_pages(issued["access_token"]):  # the catalog, as a sweep stores it
                scope_of(uow).products.upsert_many(page.products, seen_at=NOW)
            uow.commit()
        yield fake, ports, client


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def _truth(fake: FakeSalla, since: date) -> dict[tuple[str, date], int]:
    """Units by product and day, except products without a SKU: Salla's order items name products
    by SKU only, so their sales cannot be placed (the sync reports them)."""
    units: Counter[tuple[str, date]] = Counter()
    no_sku = {pid for pid, p in fake.store(MERCHANT).products.items() if not p.sku and not p.variants}
    for (pid, day), n in fake.market.units_by_day(MERCHANT).items():
        if day >= since and pid not in no_sku:
            units[(str(pid), day)] += n
    return dict(units)


def test_first_sync_reads_four_weeks_then_only_what_is_new(world) -> None:  # type: ignore[no-untyped-def]
    fake, ports, client = world
    first = sync_sales(ports, STORE)
    today = ports.clock.now().astimezone(SALLA_TZ).date()
    assert first.since == today - _days(28) and first.resume_from == today
    with ports.uow_factory(STORE) as uow:
        stored = {(d.product_id, d.day): d.units for d in scope_of(uow).sales.history()}
        activity = scope_of(uow).activity.list(activity_type=ActivityType.SALES_SYNCED)
    assert stored == _truth(fake, first.since) and len(stored) > 50
    sold_without_sku = {pid for pid, _ in fake.market.units_by_day(MERCHANT)
                        if not fake.store(MERCHANT).products[pid].sku}
    assert first.unmatched_skus == (("",) if sold_without_sku else ())
    assert activity and activity[0].metadata["lines"] == first.lines
    first_requests = client.requests

    fake.advance(days=3)
    second = sync_sales(ports, STORE)
    assert second.since == first.resume_from  # re-reads the day that was still open, not the month
    with ports.uow_factory(STORE) as uow:
        stored = {(d.product_id, d.day): d.units for d in scope_of(uow).sales.history()}
        assert scope_of(uow).sales.resume_from() == ports.clock.now().astimezone(SALLA_TZ).date()
    assert stored == _truth(fake, first.since)
    assert client.requests - first_requests < first_requests / 3


def test_a_failed_read_writes_nothing_and_keeps_the_cursor(world) -> None:  # type: ignore[no-untyped-def]
    fake, ports, _ = world
    fake.inject_fault(MERCHANT, "error", count=50, status=503)
    with pytest.raises(Exception, match="503"):
        sync_sales(ports, STORE)
    with ports.uow_factory(STORE) as uow:
        assert scope_of(uow).sales.history() == [] and scope_of(uow).sales.resume_from() is None


def test_unknown_store_and_missing_client_are_refused(world) -> None:  # type: ignore[no-untyped-def]
    _, ports, _ = world
    with pytest.raises(StoreNotFound):
        sync_sales(ports, "404")
    with pytest.raises(RuntimeError, match="no Salla orders client"):
        sync_sales(attrs.evolve(ports, salla_orders=None), STORE)
    assert SyncOrders(store_id=MERCHANT).as_message() == {"store_id": STORE}
