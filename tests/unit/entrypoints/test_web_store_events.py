"""Store events end to end: install over OAuth, the queued subscription check through the real
Merchant API client against the HTTP fake Salla, and the fake then calling the app's webhook route.

The fake delivers ``product.price.updated`` only to what subscribed it, as Salla does, so the
event path is exercised only once the app has subscribed itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest
from starlette.testclient import TestClient
from tests.support.web_harness import ADMIN_TOKEN, WEBHOOK_SECRET, Harness, make_harness

from adapters.memory.locks import ThreadStoreLocks
from pricing_core.commands import EnsureStoreEvents, ProcessWebhook
from pricing_core.store_events import STORE_EVENTS
from pricing_core.usecases.subscriptions import SubscriptionResult, ensure_store_subscriptions

EVENT = "product.price.updated"
EVENTS = STORE_EVENTS  # what a store is subscribed to: the price event and the order events


class _AppClient:
    """Posts the fake's deliveries to the app, once the app exists (it is built after the fake)."""

    client: TestClient | None = None

    def post(self, url: str, *, content: bytes, headers: dict[str, str]) -> Any:
        assert self.client is not None
        return self.client.post(url, content=content, headers=headers)


@attrs.frozen
class _Ports:
    uow_factory: Any
    locks: Any
    clock: Any
    salla_auth: Any
    salla_webhooks: Any


@pytest.fixture
def web() -> Harness:
    poster = _AppClient()
    harness = make_harness(fake_options={"webhook_url": "http://testserver/webhooks/salla",
                                         "webhook_secret": WEBHOOK_SECRET, "webhook_http": poster,
                                         "webhook_retry_intervals": (0.0,), "bulk_delay": 0})
    poster.client = harness.new_client()
    return harness


def run_subscription_tasks(web: Harness) -> list[SubscriptionResult]:
    """What the ``ensure_store_events`` actor does for each queued message (real client, fake Salla)."""
    s = web.services
    ports = _Ports(s.uow_factory, ThreadStoreLocks(), s.clock, s.salla_auth, s.salla_catalog)
    results = [ensure_store_subscriptions(ports, c.store_id, callback_url="http://testserver/webhooks/salla")
               for c in web.queue.of(EnsureStoreEvents)]
    web.queue.commands[:] = [c for c in web.queue.commands if not isinstance(c, EnsureStoreEvents)]
    return results


def change_price(web: Harness, merchant: str) -> None:
    """The merchant changes a price in Salla; Salla announces it to whatever subscribed."""
    pid = next(iter(web.fake.store(merchant).products))
    web.fake.set_price(merchant, pid, Decimal("77.70"))
    web.fake.emit_price_updated(merchant, pid)
    assert web.fake.wait_webhooks()


def test_price_events_reach_the_app_only_after_the_install_subscribed_the_store(web: Harness) -> None:
    merchant = web.merchant_ids()[0]
    web.install(merchant)
    assert web.queue.of(EnsureStoreEvents) == [EnsureStoreEvents(store_id=merchant)]

    change_price(web, merchant)  # not subscribed yet: Salla sends nothing
    assert web.queue.of(ProcessWebhook) == []

    (result,) = run_subscription_tasks(web)
    assert result.created == EVENTS and result.state is not None and result.state.complete
    hooks = web.fake.store_webhooks.of_store(int(merchant))
    assert [(h.event, h.url, h.version) for h in hooks] == [(e, "http://testserver/webhooks/salla", 2) for e in EVENTS]

    change_price(web, merchant)
    (message,) = web.queue.of(ProcessWebhook)
    assert message.event == EVENT and message.merchant_id == merchant


def test_a_reinstall_does_not_subscribe_again(web: Harness) -> None:
    merchant = web.merchant_ids()[0]
    web.install(merchant)
    run_subscription_tasks(web)
    web.install(merchant)  # the merchant authorizes again (app update, reinstall)
    (again,) = run_subscription_tasks(web)
    assert again.created == () and again.state is not None and again.state.complete
    assert web.fake.stats(merchant).by_route.get("POST /webhooks/subscribe") == len(EVENTS)
    assert len(web.fake.store_webhooks.of_store(int(merchant))) == len(EVENTS)


def test_a_webhook_url_salla_refuses_is_recorded_and_shown_to_the_operator() -> None:
    web = make_harness(fake_options={"strict_webhook_urls": True})  # like Salla: no localhost URLs
    merchant = web.merchant_ids()[0]
    web.install(merchant)
    s = web.services
    ports = _Ports(s.uow_factory, ThreadStoreLocks(), s.clock, s.salla_auth, s.salla_catalog)
    result = ensure_store_subscriptions(ports, merchant, callback_url="http://localhost:8000/webhooks/salla")
    assert result.state is not None and result.state.missing == EVENTS and not result.retryable
    assert "422" in (result.state.error or "")
    page = web.new_client().get("/operator", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert "missing product.price.updated" in page.text


def test_operator_view_and_api_show_which_stores_lack_a_subscription(web: Harness) -> None:
    subscribed, unchecked = web.merchant_ids()[:2]
    web.install(subscribed)
    run_subscription_tasks(web)
    web.install(unchecked)  # its check is still queued
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    page = web.new_client().get("/operator", headers=auth)
    stores = {s["store_id"]: s for s in web.new_client().get("/stores", headers=auth).json()["stores"]}

    assert page.status_code == 200 and "Store events" in page.text and "not checked yet" in page.text
    assert stores[subscribed]["store_events"]["subscribed"] == list(EVENTS)
    assert stores[subscribed]["store_events_gap"] is None
    assert stores[unchecked]["store_events"] is None and stores[unchecked]["store_events_gap"] == "not checked yet"


def test_the_embedded_default_subscribes_through_its_sandbox(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``serve`` with no configuration: the composition root's clients subscribe the sandbox store."""
    from adapters.config import Config
    from bootstrap import build_services
    from pricing_core.settings import TenantSettings
    from support.runners import install_store

    config = Config(var_dir=tmp_path)
    services = build_services(config)
    try:
        fake = services.fake_salla
        assert fake is not None and services.salla_webhooks is services.salla_catalog
        merchant = fake.sandbox_stores()[0].merchant_id
        install_store(services, fake, merchant, TenantSettings())
        callback = config.public_url.rstrip("/") + "/webhooks/salla"
        result = ensure_store_subscriptions(services, str(merchant), callback_url=callback)
        assert result.created == EVENTS and result.state is not None and result.state.complete
        assert [(h.event, h.url) for h in fake.store_webhooks.of_store(merchant)] == [(e, callback) for e in EVENTS]
    finally:
        services.close()
