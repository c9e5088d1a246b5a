"""Handling verified Salla webhook deliveries (in-memory ports)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from web_harness import decision

from adapters.memory import FakeClock, InMemoryUnitOfWorkFactory, RecordingQueue
from adapters.salla.products import listed_regular_price
from pricing_core.activity import ActivityType
from pricing_core.catalog import PricePoint
from pricing_core.commands import RepriceProducts, SweepStoreNow
from pricing_core.decision import DecisionStatus
from pricing_core.errors import SallaUnavailable
from pricing_core.ports import MerchantInfo
from pricing_core.settings import AutomationMode, TenantSettings
from pricing_core.usecases.webhooks import WebhookDelivery, WebhookOutcome, handle_webhook_event

MERCHANT = "1234509876"
EXPIRES = int(datetime(2026, 1, 15, 12, 0, tzinfo=UTC).timestamp())


def delivery(event: str, data: dict, delivery_id: str | None = None, merchant: str | None = MERCHANT):
    return WebhookDelivery(event=event, merchant_id=merchant, data=data,
                           delivery_id=delivery_id or f"{event}-{sorted(data.items())!r}")


AUTHORIZE = delivery("app.store.authorize", {
    "access_token": "ory_at_x", "expires": EXPIRES, "refresh_token": "ory_rt_x",
    "scope": "offline_access products.read_write", "token_type": "bearer",
}, "d-auth")
INSTALLED = delivery("app.installed", {"id": 1, "app_name": "Price Optimizer", "store_type": "demo"}, "d-inst")


@pytest.fixture
def ports() -> tuple[InMemoryUnitOfWorkFactory, RecordingQueue, FakeClock]:
    return InMemoryUnitOfWorkFactory(), RecordingQueue(), FakeClock()


def handle(ports, event, **kwargs) -> WebhookOutcome:
    uow_factory, queue, clock = ports
    return handle_webhook_event(uow_factory, queue, clock, event, **kwargs)


def snapshot(uow_factory: InMemoryUnitOfWorkFactory, store_id: str = MERCHANT):
    with uow_factory(store_id) as uow:
        assert uow.store is not None
        store = uow.stores.get(store_id)
        return store, uow.store.tokens.get(), uow.store.settings.get(), uow.store.activity.list()


def test_authorize_creates_store_with_tokens_whose_expires_is_a_unix_timestamp(ports) -> None:
    assert handle(ports, AUTHORIZE) is WebhookOutcome.PROCESSED
    store, tokens, settings, _ = snapshot(ports[0])
    assert store is not None and store.is_active
    assert tokens is not None and tokens.access_token == "ory_at_x" and tokens.refresh_token == "ory_rt_x"
    assert tokens.expires_at == datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    assert settings == TenantSettings()
    assert ports[1].of(SweepStoreNow) == [SweepStoreNow(store_id=MERCHANT)]


def test_authorize_uses_the_merchant_lookup_for_a_new_store(ports) -> None:
    seen: list[str] = []

    def lookup(access_token: str) -> MerchantInfo:
        seen.append(access_token)
        return MerchantInfo(merchant_id=MERCHANT, store_name="Lookup Store", plan="pro")

    handle(ports, AUTHORIZE, merchant_lookup=lookup)
    store, *_ = snapshot(ports[0])
    assert seen == ["ory_at_x"] and store.store_name == "Lookup Store" and store.plan == "pro"


def test_a_failing_merchant_lookup_does_not_lose_the_tokens(ports) -> None:
    def lookup(access_token: str) -> MerchantInfo:
        raise SallaUnavailable("timeout")

    assert handle(ports, AUTHORIZE, merchant_lookup=lookup) is WebhookOutcome.PROCESSED
    store, tokens, *_ = snapshot(ports[0])
    assert store is not None and tokens is not None


@pytest.mark.parametrize("order", [(INSTALLED, AUTHORIZE), (AUTHORIZE, INSTALLED)],
                         ids=["installed-first", "authorize-first"])
def test_installed_and_authorize_in_either_order_end_with_the_same_complete_store(ports, order) -> None:
    for event in order:
        assert handle(ports, event) is WebhookOutcome.PROCESSED
    store, tokens, settings, activity = snapshot(ports[0])
    assert store is not None and store.is_active and store.installed_at == ports[2].now()
    assert tokens is not None and tokens.access_token == "ory_at_x"
    assert settings == TenantSettings()
    kinds = sorted(e.activity_type.value for e in activity)
    assert kinds == ["store_onboarded", "tokens_authorized"]
    assert ports[1].of(SweepStoreNow) == [SweepStoreNow(store_id=MERCHANT)]


def test_a_repeated_delivery_is_dropped(ports) -> None:
    assert handle(ports, AUTHORIZE) is WebhookOutcome.PROCESSED
    assert handle(ports, AUTHORIZE) is WebhookOutcome.DUPLICATE
    *_, activity = snapshot(ports[0])
    assert len(activity) == 2 and len(ports[1].commands) == 1


def test_uninstalled_deactivates_and_logs(ports) -> None:
    handle(ports, AUTHORIZE)
    event = delivery("app.uninstalled", {"id": 1, "uninstallation_date": "2026-01-01 12:00:00", "refunded": False})
    assert handle(ports, event) is WebhookOutcome.PROCESSED
    store, _, _, activity = snapshot(ports[0])
    assert not store.is_active and store.deactivation_reason == "app uninstalled"
    assert activity[0].activity_type is ActivityType.STORE_UNINSTALLED
    # A reinstall (new tokens) brings it back.
    again = delivery("app.store.authorize", {**AUTHORIZE.data, "access_token": "ory_at_new"}, "d-auth-2")
    handle(ports, again)
    store, tokens, *_ = snapshot(ports[0])
    assert store.is_active and tokens.access_token == "ory_at_new"


def test_uninstalled_for_an_unknown_store_is_ignored_but_remembered(ports) -> None:
    event = delivery("app.uninstalled", {"id": 1}, "d-u")
    assert handle(ports, event) is WebhookOutcome.IGNORED
    assert handle(ports, event) is WebhookOutcome.DUPLICATE
    with ports[0]() as uow:
        assert uow.stores.list_all() == []


def test_settings_updated_validates_and_saves(ports) -> None:
    handle(ports, AUTHORIZE)
    event = delivery("app.settings.updated", {"id": 1, "settings": {
        "automation_mode": "manual", "min_profit_margin": "20", "unrelated_form_key": "x", "max_price": "",
    }})
    assert handle(ports, event) is WebhookOutcome.PROCESSED
    _, _, settings, activity = snapshot(ports[0])
    assert settings.automation_mode is AutomationMode.MANUAL and settings.min_profit_margin == Decimal("20")
    assert activity[0].activity_type is ActivityType.SETTINGS_UPDATED and activity[0].metadata["applied"] is True


def test_invalid_settings_are_logged_not_applied(ports) -> None:
    handle(ports, AUTHORIZE)
    event = delivery("app.settings.updated", {"settings": {"min_profit_margin": "150", "automation_mode": "manual"}})
    assert handle(ports, event) is WebhookOutcome.REJECTED
    _, _, settings, activity = snapshot(ports[0])
    assert settings == TenantSettings()
    entry = activity[0]
    assert entry.activity_type is ActivityType.SETTINGS_UPDATED and entry.metadata["applied"] is False
    assert "min_profit_margin" in entry.description


def test_price_updated_enqueues_repricing_of_that_product(ports) -> None:
    handle(ports, AUTHORIZE)
    event = delivery("product.price.updated", {"id": 1462551237, "price": 150, "currency": "SAR"})
    assert handle(ports, event) is WebhookOutcome.PROCESSED
    assert ports[1].of(RepriceProducts) == [RepriceProducts(store_id=MERCHANT, product_ids=("1462551237",))]


def test_price_updated_echoing_our_own_change_is_ignored(ports) -> None:
    uow_factory, queue, clock = ports
    handle(ports, AUTHORIZE)
    with uow_factory(MERCHANT) as uow:
        assert uow.store is not None
        uow.store.price_history.add_many([PricePoint(product_id="7", price="99.95", changed_at=clock.now())])
        uow.commit()
    echo = delivery("product.price.updated", {"id": 7, "price": 99.95})
    assert handle(ports, echo, announced_price=listed_regular_price) is WebhookOutcome.IGNORED
    assert queue.of(RepriceProducts) == []


def test_price_updated_compares_the_regular_price_not_the_sale_price(ports) -> None:
    """Salla's documented payload: ``price`` is the effective (sale) price, ``regular_price`` the merchant's."""
    uow_factory, queue, clock = ports
    handle(ports, AUTHORIZE)
    with uow_factory(MERCHANT) as uow:
        assert uow.store is not None
        uow.store.price_history.add_many([PricePoint(product_id="7", price="150", changed_at=clock.now())])
        uow.commit()
    # We wrote 150 (regular); a sale of 85 is running: still our own price, not the merchant's change.
    on_sale = {"id": 7, "price": 85, "regular_price": 150, "sale_price": {"amount": 85, "expired_at": None}}
    assert handle(ports, delivery("product.price.updated", on_sale), announced_price=listed_regular_price) \
        is WebhookOutcome.IGNORED
    # The merchant raised the regular price to 200 and put it on sale at 150: ``price`` equals what
    # we wrote, yet the merchant's price changed.
    moved = {"id": 7, "price": 150, "regular_price": 200, "sale_price": {"amount": 150, "expired_at": None}}
    assert handle(ports, delivery("product.price.updated", moved), announced_price=listed_regular_price) \
        is WebhookOutcome.PROCESSED
    assert queue.of(RepriceProducts) == [RepriceProducts(store_id=MERCHANT, product_ids=("7",))]


def test_price_updated_without_a_price_reader_reprices_every_event(ports) -> None:
    uow_factory, queue, clock = ports
    handle(ports, AUTHORIZE)
    with uow_factory(MERCHANT) as uow:
        assert uow.store is not None
        uow.store.price_history.add_many([PricePoint(product_id="7", price="99.95", changed_at=clock.now())])
        uow.commit()
    assert handle(ports, delivery("product.price.updated", {"id": 7, "price": 99.95})) is WebhookOutcome.PROCESSED
    assert queue.of(RepriceProducts) == [RepriceProducts(store_id=MERCHANT, product_ids=("7",))]


@pytest.mark.parametrize("status", ["approved", "applying", "applied"])
def test_price_updated_for_a_price_we_are_applying_is_ignored(ports, status) -> None:
    """Salla may send the event before the worker that applied the price recorded its history."""
    uow_factory, queue, clock = ports
    handle(ports, AUTHORIZE)
    with uow_factory(MERCHANT) as uow:
        assert uow.store is not None
        uow.store.decisions.add_many([decision(MERCHANT, "d1", DecisionStatus(status), clock.now())])
        uow.commit()
    echo = delivery("product.price.updated", {"id": "p-d1", "price": 90})  # the decision's suggested price
    assert handle(ports, echo, announced_price=listed_regular_price) is WebhookOutcome.IGNORED
    other = delivery("product.price.updated", {"id": "p-d1", "price": 95})  # the merchant changed it
    assert handle(ports, other, announced_price=listed_regular_price) is WebhookOutcome.PROCESSED
    assert queue.of(RepriceProducts) == [RepriceProducts(store_id=MERCHANT, product_ids=("p-d1",))]


def test_price_updated_for_an_inactive_or_unknown_store_is_ignored(ports) -> None:
    event = delivery("product.price.updated", {"id": 1, "price": 10}, "d-p")
    assert handle(ports, event) is WebhookOutcome.IGNORED
    assert ports[1].commands == []


def test_unhandled_events_and_missing_merchant_are_ignored(ports) -> None:
    assert handle(ports, delivery("order.created", {"id": 5})) is WebhookOutcome.IGNORED
    assert handle(ports, delivery("app.installed", {}, "d-none", merchant=None)) is WebhookOutcome.IGNORED


def test_authorize_without_token_or_expiry_is_rejected_and_stores_nothing(ports) -> None:
    no_token = delivery("app.store.authorize", {"expires": EXPIRES}, "d-1")
    no_expiry = delivery("app.store.authorize", {"access_token": "a"}, "d-2")
    assert handle(ports, no_token) is WebhookOutcome.REJECTED
    assert handle(ports, no_expiry) is WebhookOutcome.REJECTED
    with ports[0]() as uow:
        assert uow.stores.list_all() == []
        assert len(uow.system_activity.list()) == 2


def test_an_old_expires_duration_is_still_read(ports) -> None:
    event = delivery("app.store.authorize", {"access_token": "a", "expires_in": 1209599}, "d-dur")
    handle(ports, event)
    _, tokens, *_ = snapshot(ports[0])
    assert tokens.expires_at == ports[2].now() + timedelta(seconds=1209599)


def test_an_older_authorization_arriving_late_does_not_replace_newer_tokens(ports) -> None:
    newer = delivery("app.store.authorize", {
        "access_token": "ory_at_new", "expires": EXPIRES + 3600, "refresh_token": "ory_rt_new",
    }, "d-new")
    assert handle(ports, newer) is WebhookOutcome.PROCESSED
    assert handle(ports, AUTHORIZE) is WebhookOutcome.REJECTED  # Salla's retry of the earlier one
    _, tokens, _, activity = snapshot(ports[0])
    assert tokens is not None and tokens.access_token == "ory_at_new"
    assert any("older than the tokens held" in entry.description for entry in activity)


def test_a_reinstall_after_uninstall_takes_the_new_tokens_even_if_they_expire_sooner(ports) -> None:
    longer = delivery("app.store.authorize", {"access_token": "ory_at_long", "expires": EXPIRES + 7200,
                                              "refresh_token": "ory_rt_long"}, "d-long")
    handle(ports, longer)
    handle(ports, delivery("app.uninstalled", {"id": 1}, "d-uninst"))
    assert handle(ports, AUTHORIZE) is WebhookOutcome.PROCESSED
    store, tokens, _, _ = snapshot(ports[0])
    assert store is not None and store.is_active and tokens is not None and tokens.access_token == "ory_at_x"
