"""Guards at the moment of writing (issue 10, part 2), black-box through the web app and the HTTP fake Salla.

The merchant acts in the dashboard; the queued ``apply_decisions`` messages then run as a worker
runs them, with the worker's own Salla clients (the real httpx adapter) against the same fake.
The decisions are the engine's own, made under the default 15% margin for real sandbox products.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from html import unescape

import attrs
import pytest
from starlette.testclient import TestClient
from tests.support.web_harness import ADMIN_TOKEN, FAKE_ORIGIN, WEBHOOK_SECRET, Harness, make_harness, signed

from adapters.fake_salla import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from adapters.memory import FakeClock, InMemoryUnitOfWorkFactory
from adapters.memory.locks import ThreadStoreLocks
from adapters.salla import SallaMerchantClient, SallaOAuthClient, build_salla
from pricing_core import AutomationMode, CompetitorOffer, Product, TenantSettings, price_product
from pricing_core.activity import ActivityType
from pricing_core.commands import ApplyDecisions, RepriceProducts
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.guards import margin_floor
from pricing_core.ports import PriceEchoes, scope_of
from pricing_core.usecases.apply_prices import apply_decisions

BULK = "POST /products/prices/bulkPrice"


@attrs.frozen
class Worker:
    """The ports a worker applies decisions with (``ApplyPorts``)."""

    uow_factory: InMemoryUnitOfWorkFactory
    locks: ThreadStoreLocks
    clock: FakeClock
    salla_auth: SallaOAuthClient
    salla_catalog: SallaMerchantClient
    echoes: PriceEchoes | None = None
    echo_ttl_seconds: float = 900.0


@attrs.define
class Store:
    web: Harness
    worker: Worker
    merchant_id: str
    browser: TestClient
    products: list[Product]

    @property
    def fake_id(self) -> int:
        return int(self.merchant_id)

    def token(self) -> str:
        with self.web.uow_factory(self.merchant_id) as uow:
            tokens = scope_of(uow).tokens.get()
        assert tokens is not None
        return tokens.access_token

    def pending(self, *products: Product) -> list[DecisionRecord]:
        """The engine's decisions (manual mode, 15% margin) to lower each product 5%, stored PENDING."""
        now = self.worker.clock.now()
        settings = TenantSettings(automation_mode=AutomationMode.MANUAL)
        records = []
        for p in products:
            offers = [CompetitorOffer(competitor=c, price=(p.price * Decimal("0.95")).quantize(Decimal("0.01")),
                                      observed_at=now) for c in ("noon", "amazon.sa")]
            d = price_product(p, offers, settings, now=now)
            assert d.is_change and d.suggested_price < p.price, d.explanation
            records.append(DecisionRecord(id=f"d-{p.id}", store_id=self.merchant_id, run_id=None,
                                          idempotency_key=f"k-{p.id}", decision=d, status=DecisionStatus.PENDING,
                                          created_at=now, updated_at=now))
        with self.web.uow_factory(self.merchant_id) as uow:
            scope_of(uow).decisions.add_many(records)
            uow.commit()
        return records

    def post(self, path: str, data: dict[str, object]) -> object:
        base = f"/dashboard/stores/{self.merchant_id}"
        token = self.web.csrf(self.browser, f"{base}/approvals")
        return self.browser.post(f"{base}{path}", data={"csrf_token": token, **data}, follow_redirects=False)

    def run_worker(self) -> None:
        """Run the queued applies as the worker would, then let the fake apply its bulk queue."""
        for command in self.web.queue.of(ApplyDecisions):
            apply_decisions(self.worker, command.store_id, command.decision_ids)
        self.web.queue.commands.clear()
        self.web.fake.flush_queued()

    def status(self, record: DecisionRecord) -> tuple[DecisionStatus, str | None]:
        with self.web.uow_factory(self.merchant_id) as uow:
            got = scope_of(uow).decisions.get(record.id)
        assert got is not None
        return got.status, got.error

    def salla_price(self, product: Product) -> Decimal:
        return self.web.fake.prices(self.fake_id)[product.id]

    def requests(self, route: str) -> int:
        return self.web.fake.stats(self.fake_id).by_route.get(route, 0)


@pytest.fixture
def store() -> Store:
    web = make_harness()
    mid = web.merchant_ids()[0]
    browser = web.install(mid)
    clock = web.services.clock
    http = TestClient(web.fake.app, base_url=FAKE_ORIGIN)
    auth, catalog = build_salla(accounts_url=FAKE_ORIGIN, api_url=f"{FAKE_ORIGIN}/admin/v2",
                                client_id=SANDBOX_CLIENT_ID, client_secret=SANDBOX_CLIENT_SECRET, http=http,
                                clock=clock, sleep=lambda seconds: clock.advance(timedelta(seconds=seconds)))
    worker = Worker(uow_factory=web.uow_factory, locks=ThreadStoreLocks(), clock=clock, salla_auth=auth,
                    salla_catalog=catalog)
    s = Store(web=web, worker=worker, merchant_id=mid, browser=browser, products=[])
    catalog_now = [p for page in catalog.iter_product_pages(s.token()) for p in page.products]
    # Products a 5% cut keeps above the 15% floor but that a 60% margin puts far below the floor.
    s.products = [p for p in catalog_now
                  if p.cost_price is not None and p.variant_of is None and p.status == "sale"
                  and margin_floor(p.cost_price, Decimal("0.15"), Decimal("0.15"), p.prices_include_vat)
                  < p.price * Decimal("0.95")
                  and margin_floor(p.cost_price, Decimal("0.6"), Decimal("0.15"), p.prices_include_vat) > p.price]
    assert len(s.products) >= 6, "the sandbox catalog changed: pick other products"
    web.queue.commands.clear()
    web.fake.reset_stats()
    return s


def test_issue_scenario_approved_at_15_then_margin_raised_to_60_writes_nothing(store: Store) -> None:
    (d,) = store.pending(store.products[0])
    before = store.salla_price(store.products[0])
    assert store.post(f"/decisions/{d.id}/approve", {"next": "decisions"}).status_code == 303
    assert store.post("/settings", {"min_profit_margin": "60"}).status_code == 303
    store.run_worker()
    status, error = store.status(d)
    assert status is DecisionStatus.FAILED
    assert error is not None
    assert error.startswith(f"not applied: {d.decision.suggested_price} is below the margin floor ")
    assert "minimum margin 60%" in error
    assert store.requests(BULK) == 0 and store.salla_price(store.products[0]) == before
    page = store.browser.get(f"/dashboard/stores/{store.merchant_id}/decisions?status=failed")
    assert error in unescape(page.text)


def test_a_settings_change_supersedes_pending_decisions_and_reprices_them(store: Store) -> None:
    first, second = store.pending(*store.products[:2])
    assert store.post("/settings", {"update_frequency_hours": "12"}).status_code == 303
    assert store.status(first)[0] is DecisionStatus.PENDING  # not a pricing setting
    assert store.web.queue.of(RepriceProducts) == []
    assert store.post("/settings", {"min_profit_margin": "60"}).status_code == 303
    assert "Pending approvals made under the old settings were withdrawn" in store.browser.get(
        f"/dashboard/stores/{store.merchant_id}/settings").text
    assert store.status(first) == (DecisionStatus.SUPERSEDED, "settings changed")
    assert store.status(second) == (DecisionStatus.SUPERSEDED, "settings changed")
    (reprice,) = store.web.queue.of(RepriceProducts)
    assert reprice.store_id == store.merchant_id
    assert sorted(reprice.product_ids) == sorted([first.decision.product_id, second.decision.product_id])
    with store.web.uow_factory(store.merchant_id) as uow:
        entry = scope_of(uow).activity.list(activity_type=ActivityType.SETTINGS_UPDATED)[0]
    assert "2 pending decision(s) superseded (settings changed)" in entry.description
    # The stale decision can no longer be approved: nothing is queued for writing.
    store.post(f"/decisions/{first.id}/approve", {})
    assert store.web.queue.of(ApplyDecisions) == []


def test_a_cost_raised_in_salla_after_the_decision_fails_it(store: Store) -> None:
    product = store.products[0]
    (d,) = store.pending(product)
    raised = store.web.fake.app  # the merchant edits the cost in Salla's admin
    answer = TestClient(raised, base_url=FAKE_ORIGIN).put(
        f"/admin/v2/products/{product.id}", json={"cost_price": float(product.price)},
        headers={"Authorization": f"Bearer {store.token()}"})
    assert answer.status_code == 201
    store.post(f"/decisions/{d.id}/approve", {})
    store.run_worker()
    status, error = store.status(d)
    assert status is DecisionStatus.FAILED and error is not None and "below the margin floor" in error
    assert f"(cost {product.price}, minimum margin 15%" in error
    assert store.requests(BULK) == 0


def test_a_price_changed_in_salla_after_the_decision_fails_it(store: Store) -> None:
    product = store.products[0]
    (d,) = store.pending(product)
    store.web.fake.set_price(store.fake_id, product.id, product.price + 7)
    store.post(f"/decisions/{d.id}/approve", {})
    store.run_worker()
    status, error = store.status(d)
    assert status is DecisionStatus.FAILED
    moved = (product.price + 7).quantize(Decimal("0.01"))
    assert error == (f"not applied: the price in Salla changed from {d.decision.old_price} to {moved} "
                     "since this decision; the next sweep prices it again")
    assert store.salla_price(product) == product.price + 7 and store.requests(BULK) == 0


def test_bulk_approval_of_mixed_decisions_writes_only_the_passing_ones(store: Store) -> None:
    fine, also_fine, dearer, moved = store.products[:4]
    records = store.pending(fine, also_fine, dearer, moved)
    TestClient(store.web.fake.app, base_url=FAKE_ORIGIN).put(
        f"/admin/v2/products/{dearer.id}", json={"cost_price": float(dearer.price)},
        headers={"Authorization": f"Bearer {store.token()}"}).raise_for_status()
    store.web.fake.set_price(store.fake_id, moved.id, moved.price - 3)
    answer = store.post("/decisions/review", {"action": "approve", "decision_id": [r.id for r in records],
                                           "confirmed": "yes"})
    assert answer.status_code == 303
    store.run_worker()
    by_product = {r.decision.product_id: store.status(r) for r in records}
    assert by_product[fine.id][0] is DecisionStatus.APPLIED and by_product[also_fine.id][0] is DecisionStatus.APPLIED
    assert by_product[dearer.id][0] is DecisionStatus.FAILED and "margin floor" in str(by_product[dearer.id][1])
    assert by_product[moved.id][0] is DecisionStatus.FAILED and "price in Salla changed" in str(by_product[moved.id][1])
    assert store.salla_price(fine) == records[0].decision.suggested_price
    assert store.salla_price(also_fine) == records[1].decision.suggested_price
    assert store.salla_price(dearer) == dearer.price and store.salla_price(moved) == moved.price - 3
    assert store.requests(BULK) == 1


def test_beat_by_200_percent_is_refused_with_the_field_named(store: Store) -> None:
    answer = store.post("/settings", {"strategy": "beat_percent", "strategy_value": "200"})
    assert answer.status_code == 400  # type: ignore[attr-defined]
    assert "enter more than 0 and at most 50%" in unescape(answer.text)  # type: ignore[attr-defined]
    body, headers = signed({"event": "app.settings.updated", "merchant": int(store.merchant_id),
                            "created_at": "2026-03-01 09:00:00",
                            "data": {"id": 1, "settings": {"strategy": "beat_percent", "strategy_value": 200}}},
                           WEBHOOK_SECRET)
    assert store.web.client.post("/webhooks/salla", content=body, headers=headers).status_code == 200
    with store.web.uow_factory(store.merchant_id) as uow:
        saved = scope_of(uow).settings.get()
    assert saved.strategy.value == "match" and saved.strategy_value == 0


def test_approving_72_decisions_reads_salla_in_pages_not_72_gets(store: Store) -> None:
    """150-product store (3 pages): 72 approvals cost 3 page reads, not 72 GETs, then one bulk."""
    with store.web.uow_factory(store.merchant_id) as uow:
        scope_of(uow).settings.save(TenantSettings(automation_mode=AutomationMode.MANUAL))
        uow.commit()
    listed = [p for page in store.worker.salla_catalog.iter_product_pages(store.token()) for p in page.products]
    candidates = [p for p in listed if p.status == "sale" and p.variant_of is None and p.cost_price is not None
                  and margin_floor(p.cost_price, Decimal("0.15"), Decimal("0.15"), p.prices_include_vat)
                  < p.price * Decimal("0.95")][:72]
    assert len(candidates) == 72
    records = store.pending(*candidates)
    store.web.fake.reset_stats()
    store.post("/decisions/review", {"action": "approve", "decision_id": [r.id for r in records], "confirmed": "yes"})
    store.run_worker()
    assert all(store.status(r)[0] is DecisionStatus.APPLIED for r in records)
    stats = store.web.fake.stats(store.fake_id).by_route
    assert stats.get("GET /products", 0) <= 3
    # The rest of the GETs are the adapter's sampled confirmation of the bulk write (3 products).
    assert stats.get("GET /products/{id}", 0) <= 3 * store.worker.salla_catalog.confirm_attempts
    assert stats.get(BULK, 0) == 1


def test_an_admin_api_approval_is_rechecked_too(store: Store) -> None:
    product = store.products[0]
    (d,) = store.pending(product)
    store.web.fake.set_price(store.fake_id, product.id, product.price + 1)
    answer = store.web.client.post(f"/stores/{store.merchant_id}/decisions/approve", json={"decision_ids": [d.id]},
                                   headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert answer.status_code == 200, answer.text
    store.run_worker()
    status, error = store.status(d)
    assert status is DecisionStatus.FAILED and error is not None and "price in Salla changed" in error
    assert store.requests(BULK) == 0
