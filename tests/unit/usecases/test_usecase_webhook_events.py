"""Handling Salla webhook deliveries as domain events (in-memory ports; user info from the in-memory Salla).

The core takes ``pricing_core.events``; most tests build them directly. ``salla(...)`` builds one the
way the worker does, from a delivery as Salla sends it through the Salla adapter, where a test is
about what a payload means (``expires`` a Unix timestamp, a sale price, a malformed authorization).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from tests.support.web_harness import decision

from adapters.memory import FakeClock, InMemoryUnitOfWorkFactory, RecordingQueue
from adapters.memory.salla import FakeSallaAuth
from adapters.salla.events import to_domain_event
from pricing_core.activity import ActivityType
from pricing_core.catalog import PricePoint
from pricing_core.commands import EnsureStoreEvents, ProcessWebhook, RepriceProducts, SweepStoreNow
from pricing_core.decision import DecisionStatus
from pricing_core.errors import BadResponse, SallaUnavailable, StoreNotKnownYet
from pricing_core.event_time import parse_event_time
from pricing_core.events import (
    AppInstalled,
    AppUninstalled,
    DomainEvent,
    MalformedEvent,
    ProductPriceChanged,
    SettingsUpdated,
    StoreAuthorized,
    UnhandledEvent,
)
from pricing_core.ports import MerchantInfo
from pricing_core.settings import AutomationMode, TenantSettings
from pricing_core.stores import Store
from pricing_core.usecases.webhooks import WebhookOutcome, handle_webhook_event

MERCHANT = "1234509876"
OTHER = "987654321"
EXPIRES_AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
EXPIRES = int(EXPIRES_AT.timestamp())


@attrs.define
class World:
    uow_factory: InMemoryUnitOfWorkFactory
    queue: RecordingQueue
    clock: FakeClock
    auth: FakeSallaAuth

    def authorize(self, delivery_id: str = "d-auth", *, merchant: str = MERCHANT, tokens_of: str | None = None,
                  created_at: str | None = None, expires_at: datetime = EXPIRES_AT) -> StoreAuthorized:
        """An authorization of ``merchant`` carrying fresh tokens of ``tokens_of`` (default: its own)."""
        tokens = attrs.evolve(self.auth.issue(tokens_of or merchant), expires_at=expires_at)
        return StoreAuthorized(delivery_id=delivery_id, store_id=merchant, occurred_at=at(created_at), tokens=tokens)

    def authorize_payload(self, merchant: str = MERCHANT, **data: Any) -> dict[str, Any]:
        """An ``app.store.authorize`` payload as Salla sends it, with fresh tokens of ``merchant``."""
        tokens = self.auth.issue(merchant)
        return {"access_token": tokens.access_token, "expires": EXPIRES, "refresh_token": tokens.refresh_token,
                "scope": tokens.scope, "token_type": "bearer", **data}


def at(created_at: str | None) -> datetime | None:
    """Salla's spelling of an event's time (Riyadh time when naive), as the adapter reads it."""
    return parse_event_time(created_at)


def salla(event: str, data: dict, delivery_id: str | None = None, merchant: str | None = MERCHANT,
          created_at: str | None = None, now: datetime | None = None) -> DomainEvent:
    """A delivery as Salla sends it, read into its domain event by the Salla adapter (as the worker does)."""
    raw = ProcessWebhook(event=event, merchant_id=merchant, data=data, created_at=created_at,
                         delivery_id=delivery_id or f"{event}-{sorted(data.items())!r}")
    return to_domain_event(raw, now=now or FakeClock().now())


def uninstalled(delivery_id: str, created_at: str | None = None) -> AppUninstalled:
    return AppUninstalled(delivery_id=delivery_id, store_id=MERCHANT, occurred_at=at(created_at))


def settings_form(delivery_id: str, form: dict[str, Any]) -> SettingsUpdated:
    return SettingsUpdated(delivery_id=delivery_id, store_id=MERCHANT, settings=form)


def price_changed(product_id: str, price: str | None, delivery_id: str | None = None) -> ProductPriceChanged:
    return ProductPriceChanged(delivery_id=delivery_id or f"price-{product_id}-{price}", store_id=MERCHANT,
                               product_id=product_id, regular_price=None if price is None else Decimal(price))


INSTALLED = AppInstalled(delivery_id="d-inst", store_id=MERCHANT, store_type="demo")


@pytest.fixture
def world() -> World:
    clock = FakeClock()
    return World(InMemoryUnitOfWorkFactory(), RecordingQueue(), clock, FakeSallaAuth(clock.now))


def handle(world: World, event: DomainEvent, **kwargs: Any) -> WebhookOutcome:
    kwargs.setdefault("user_info", world.auth.user_info)
    return handle_webhook_event(world.uow_factory, world.queue, world.clock, event, **kwargs)


def snapshot(uow_factory: InMemoryUnitOfWorkFactory, store_id: str = MERCHANT):
    with uow_factory(store_id) as uow:
        assert uow.store is not None
        store = uow.stores.get(store_id)
        return store, uow.store.tokens.get(), uow.store.settings.get(), uow.store.activity.list()


def system_log(world: World) -> list:
    with world.uow_factory() as uow:
        return [e for e in uow.system_activity.list(limit=100) if e.store_id is None]


def test_authorize_creates_store_with_tokens_whose_expires_is_a_unix_timestamp(world: World) -> None:
    payload = world.authorize_payload()
    event = salla("app.store.authorize", payload, "d-auth", now=world.clock.now())
    assert handle(world, event) is WebhookOutcome.PROCESSED
    store, tokens, settings, _ = snapshot(world.uow_factory)
    assert store is not None and store.is_active
    assert tokens is not None and tokens.access_token == payload["access_token"]
    assert tokens.refresh_token == payload["refresh_token"]
    assert tokens.expires_at == datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    assert settings == TenantSettings()
    assert world.queue.of(SweepStoreNow) == [SweepStoreNow(store_id=MERCHANT)]
    assert world.queue.of(EnsureStoreEvents) == [EnsureStoreEvents(store_id=MERCHANT)]


def test_authorize_takes_name_and_plan_from_user_info_but_keeps_the_stores_currency(world: World) -> None:
    with world.uow_factory(MERCHANT) as uow:
        uow.stores.upsert(Store(store_id=MERCHANT, store_name="", currency="KWD", is_active=False))
        uow.commit()
    seen: list[str] = []

    def user_info(access_token: str) -> MerchantInfo:
        seen.append(access_token)
        return MerchantInfo(merchant_id=MERCHANT, store_name="Info Store", plan="pro")

    event = world.authorize()
    assert handle(world, event, user_info=user_info) is WebhookOutcome.PROCESSED
    store, *_ = snapshot(world.uow_factory)
    assert seen == [event.tokens.access_token]
    assert (store.store_name, store.plan, store.currency, store.is_active) == ("Info Store", "pro", "KWD", True)


# -- token ownership ----------------------------------------------------------------------------


def test_another_stores_tokens_are_refused_logged_and_never_stored(world: World) -> None:
    own = world.authorize("d-own")
    assert handle(world, own) is WebhookOutcome.PROCESSED
    forged = world.authorize("d-forged", tokens_of=OTHER)  # signed for MERCHANT, tokens of OTHER

    assert handle(world, forged) is WebhookOutcome.REFUSED

    _, tokens, _, _ = snapshot(world.uow_factory)
    assert tokens is not None and tokens.access_token == own.tokens.access_token  # untouched
    (entry,) = [e for e in system_log(world) if e.activity_type is ActivityType.SYSTEM_TOKENS_UNVERIFIED]
    assert entry.metadata["store_id"] == MERCHANT and entry.metadata["token_store_id"] == OTHER
    assert entry.metadata["outcome"] == "refused"
    assert MERCHANT in entry.description and OTHER in entry.description
    for secret in (forged.tokens.access_token, str(forged.tokens.refresh_token)):
        assert secret not in repr(entry)
    assert handle(world, forged) is WebhookOutcome.DUPLICATE  # recorded in the inbox: final
    assert world.queue.of(SweepStoreNow) == [SweepStoreNow(store_id=MERCHANT)]  # only the genuine install's


def test_an_unknown_merchant_with_someone_elses_tokens_creates_nothing(world: World) -> None:
    forged = world.authorize(merchant="555000111", tokens_of=OTHER)
    assert handle(world, forged) is WebhookOutcome.REFUSED
    with world.uow_factory() as uow:
        assert uow.stores.list_all() == []
    assert world.queue.commands == []


def test_tokens_salla_refuses_on_user_info_are_refused(world: World) -> None:
    event = world.authorize()
    world.auth.uninstall(MERCHANT)  # Salla revoked them (user info answers 401)
    assert handle(world, event) is WebhookOutcome.REFUSED
    with world.uow_factory() as uow:
        assert uow.stores.list_all() == []
    (entry,) = system_log(world)
    assert "401" in entry.description and entry.metadata["token_store_id"] is None


@pytest.mark.parametrize("error", [SallaUnavailable("user info timed out"), BadResponse("user info answered 403")])
def test_user_info_unavailable_stores_nothing_records_nothing_and_raises(world: World, error: Exception) -> None:
    event = world.authorize()

    def down(access_token: str) -> MerchantInfo:
        raise error

    with pytest.raises(type(error)):
        handle(world, event, user_info=down)
    with world.uow_factory() as uow:
        assert uow.stores.list_all() == []
    (entry,) = system_log(world)
    assert entry.activity_type is ActivityType.SYSTEM_TOKENS_UNVERIFIED and entry.metadata["outcome"] == "retry"
    assert event.tokens.access_token not in repr(entry)
    # Salla's redelivery, once user info answers again, is new (not a duplicate) and is stored.
    assert handle(world, event) is WebhookOutcome.PROCESSED
    _, tokens, _, _ = snapshot(world.uow_factory)
    assert tokens is not None and tokens.access_token == event.tokens.access_token


# -- uninstall and late authorizations ----------------------------------------------------------


def test_uninstalled_deactivates_records_salla_time_and_logs(world: World) -> None:
    handle(world, world.authorize(created_at="2026-01-01 11:00:00"))
    event = salla("app.uninstalled", {"id": 1, "uninstallation_date": "2026-01-01 12:00:00", "refunded": False},
                  created_at="2026-01-01 12:00:00")
    assert handle(world, event) is WebhookOutcome.PROCESSED
    store, _, _, activity = snapshot(world.uow_factory)
    assert not store.is_active and store.deactivation_reason == "app uninstalled"
    assert store.uninstalled_at == datetime(2026, 1, 1, 9, 0, tzinfo=UTC)  # Riyadh time, UTC+3
    assert activity[0].activity_type is ActivityType.STORE_UNINSTALLED
    assert activity[0].metadata == {"uninstallation_date": "2026-01-01 12:00:00", "refunded": False}
    # A reinstall (new tokens, created after the uninstall) brings it back.
    again = world.authorize("d-auth-2", created_at="2026-01-01 12:05:00")
    assert handle(world, again) is WebhookOutcome.PROCESSED
    store, tokens, *_ = snapshot(world.uow_factory)
    assert store.is_active and tokens.access_token == again.tokens.access_token


def test_an_authorization_created_before_a_processed_uninstall_does_not_reactivate(world: World) -> None:
    handle(world, world.authorize("d-first", created_at="2026-01-01 10:00:00"))
    # Salla's retry of an earlier authorization, whose tokens user info still accepts.
    late = world.authorize("d-late", created_at="2026-01-01 11:59:59")
    handle(world, uninstalled("d-uninst", created_at="2026-01-01 12:00:00"))

    assert handle(world, late) is WebhookOutcome.REJECTED

    store, tokens, _, activity = snapshot(world.uow_factory)
    assert not store.is_active and store.deactivation_reason == "app uninstalled"
    assert tokens.access_token != late.tokens.access_token
    assert any("before the uninstall" in e.description for e in activity)
    assert world.queue.of(EnsureStoreEvents) == [EnsureStoreEvents(store_id=MERCHANT)]  # the first install's only


def test_a_late_authorization_is_refused_even_after_a_newer_reinstall(world: World) -> None:
    handle(world, uninstalled("d-u0", created_at="2026-01-01 08:00:00"))  # unknown: ignored
    handle(world, world.authorize("d-a", created_at="2026-01-01 09:00:00"))
    handle(world, uninstalled("d-u1", created_at="2026-01-01 10:00:00"))
    newer = world.authorize("d-b", created_at="2026-01-01 10:30:00", expires_at=EXPIRES_AT - timedelta(hours=1))
    assert handle(world, newer) is WebhookOutcome.PROCESSED
    late = world.authorize("d-c", created_at="2026-01-01 09:59:00", expires_at=EXPIRES_AT + timedelta(hours=1))
    assert handle(world, late) is WebhookOutcome.REJECTED
    store, tokens, *_ = snapshot(world.uow_factory)
    assert store.is_active and tokens.access_token == newer.tokens.access_token


def test_a_repeated_uninstall_keeps_the_latest_time_and_the_first_reason(world: World) -> None:
    handle(world, world.authorize())
    handle(world, uninstalled("d-u1", created_at="2026-01-01 12:00:00"))
    handle(world, uninstalled("d-u2", created_at="2026-01-01 13:00:00"))
    handle(world, uninstalled("d-u3", created_at="2026-01-01 12:30:00"))
    store, *_ = snapshot(world.uow_factory)
    assert store.uninstalled_at == datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    assert store.deactivation_reason == "app uninstalled"


def test_an_uninstall_without_a_readable_time_still_deactivates(world: World) -> None:
    handle(world, world.authorize())
    event = salla("app.uninstalled", {"id": 1}, "d-u", created_at="yesterday")
    assert event == uninstalled("d-u")  # no time of the event
    assert handle(world, event) is WebhookOutcome.PROCESSED
    store, *_ = snapshot(world.uow_factory)
    assert not store.is_active and store.uninstalled_at is None


def test_a_reinstall_after_uninstall_takes_the_new_tokens_even_if_they_expire_sooner(world: World) -> None:
    longer = world.authorize("d-long", expires_at=EXPIRES_AT + timedelta(hours=2))
    handle(world, longer)
    handle(world, uninstalled("d-uninst"))
    again = world.authorize("d-again")
    assert handle(world, again) is WebhookOutcome.PROCESSED
    store, tokens, _, _ = snapshot(world.uow_factory)
    assert store is not None and store.is_active and tokens.access_token == again.tokens.access_token


# -- the rest, as before ------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["installed-first", "authorize-first"])
def test_installed_and_authorize_in_either_order_end_with_the_same_complete_store(world: World, order: str) -> None:
    authorize = world.authorize()
    events = [INSTALLED, authorize] if order == "installed-first" else [authorize, INSTALLED]
    for event in events:
        assert handle(world, event) is WebhookOutcome.PROCESSED
    store, tokens, settings, activity = snapshot(world.uow_factory)
    assert store is not None and store.is_active and store.installed_at == world.clock.now()
    assert tokens is not None and tokens.access_token == authorize.tokens.access_token
    assert settings == TenantSettings()
    kinds = sorted(e.activity_type.value for e in activity)
    assert kinds == ["store_onboarded", "tokens_authorized"]
    assert world.queue.of(SweepStoreNow) == [SweepStoreNow(store_id=MERCHANT)]


def test_an_install_logs_what_salla_says_of_the_store(world: World) -> None:
    event = salla("app.installed", {"id": 1, "store_type": "demo", "app_scopes": ["products.read_write"]}, "d-i")
    assert handle(world, event) is WebhookOutcome.PROCESSED
    store, tokens, settings, activity = snapshot(world.uow_factory)
    assert store is not None and tokens is None and settings == TenantSettings()
    assert activity[0].metadata == {"source": "app.installed", "created": True, "store_type": "demo",
                                    "app_scopes": ["products.read_write"]}


def test_a_repeated_delivery_is_dropped(world: World) -> None:
    event = world.authorize()
    assert handle(world, event) is WebhookOutcome.PROCESSED
    assert handle(world, event) is WebhookOutcome.DUPLICATE
    *_, activity = snapshot(world.uow_factory)
    assert len(activity) == 2 and [type(c) for c in world.queue.commands] == [SweepStoreNow, EnsureStoreEvents]


def test_uninstalled_for_an_unknown_store_is_ignored_but_remembered(world: World) -> None:
    event = uninstalled("d-u")
    assert handle(world, event) is WebhookOutcome.IGNORED
    assert handle(world, event) is WebhookOutcome.DUPLICATE
    with world.uow_factory() as uow:
        assert uow.stores.list_all() == []


def test_settings_updated_validates_and_saves(world: World) -> None:
    handle(world, world.authorize())
    event = settings_form("d-s", {
        "automation_mode": "manual", "min_profit_margin": "20", "unrelated_form_key": "x", "max_price": "",
    })
    assert handle(world, event) is WebhookOutcome.PROCESSED
    _, _, settings, activity = snapshot(world.uow_factory)
    assert settings.automation_mode is AutomationMode.MANUAL and settings.min_profit_margin == Decimal("20")
    assert activity[0].activity_type is ActivityType.SETTINGS_UPDATED and activity[0].metadata["applied"] is True
    assert handle(world, event) is WebhookOutcome.DUPLICATE


def test_settings_before_the_store_exists_are_refused_unrecorded_so_a_retry_applies_them(world: World) -> None:
    early = settings_form("d-early", {"min_profit_margin": "22"})
    with pytest.raises(StoreNotKnownYet):
        handle(world, early)
    handle(world, world.authorize())
    assert handle(world, early) is WebhookOutcome.PROCESSED  # not a duplicate: the failed attempt left no trace
    _, _, settings, _ = snapshot(world.uow_factory)
    assert settings.min_profit_margin == Decimal("22")


def test_invalid_settings_are_logged_not_applied(world: World) -> None:
    handle(world, world.authorize())
    event = settings_form("d-s", {"min_profit_margin": "150", "automation_mode": "manual"})
    assert handle(world, event) is WebhookOutcome.REJECTED
    _, _, settings, activity = snapshot(world.uow_factory)
    assert settings == TenantSettings()
    entry = activity[0]
    assert entry.activity_type is ActivityType.SETTINGS_UPDATED and entry.metadata["applied"] is False
    assert "min_profit_margin" in entry.description


def test_settings_from_salla_supersede_pending_decisions_and_reprice_them_after_the_commit(world: World) -> None:
    handle(world, world.authorize())
    uow_factory, queue, clock = world.uow_factory, world.queue, world.clock
    with uow_factory(MERCHANT) as uow:
        uow.store.decisions.add_many([decision(MERCHANT, "d1", DecisionStatus.PENDING, clock.now())])
        uow.commit()
    queue.commands.clear()
    event = settings_form("d-s", {"min_profit_margin": "60"})
    assert handle(world, event) is WebhookOutcome.PROCESSED
    with uow_factory(MERCHANT) as uow:
        record = uow.store.decisions.get("d1")
    assert (record.status, record.error, record.decided_by) == (DecisionStatus.SUPERSEDED, "settings changed", "salla")
    assert queue.of(RepriceProducts) == [RepriceProducts(store_id=MERCHANT, product_ids=("p-d1",))]


def test_beat_by_200_percent_from_salla_is_refused_naming_the_field(world: World) -> None:
    handle(world, world.authorize())
    event = settings_form("d-s", {"strategy": "beat_percent", "strategy_value": 200})
    assert handle(world, event) is WebhookOutcome.REJECTED
    _, _, settings, activity = snapshot(world.uow_factory)
    assert settings == TenantSettings()
    assert activity[0].metadata["errors"][0]["field"] == "strategy_value"
    assert "strategy_value: Value error, strategy_value for beat_percent must be above 0 and at most 50" in (
        activity[0].description)


def test_price_updated_enqueues_repricing_of_that_product(world: World) -> None:
    handle(world, world.authorize())
    event = price_changed("1462551237", "150.00")
    assert handle(world, event) is WebhookOutcome.PROCESSED
    assert world.queue.of(RepriceProducts) == [RepriceProducts(store_id=MERCHANT, product_ids=("1462551237",))]


def test_price_updated_echoing_our_own_change_is_ignored(world: World) -> None:
    handle(world, world.authorize())
    with world.uow_factory(MERCHANT) as uow:
        assert uow.store is not None
        uow.store.price_history.add_many([PricePoint(product_id="7", price="99.95", changed_at=world.clock.now())])
        uow.commit()
    echo = price_changed("7", "99.95")
    assert handle(world, echo) is WebhookOutcome.IGNORED
    assert world.queue.of(RepriceProducts) == []


def test_price_updated_compares_the_regular_price_not_the_sale_price(world: World) -> None:
    """Salla's documented payload: ``price`` is the effective (sale) price, ``regular_price`` the merchant's."""
    uow_factory, queue, clock = world.uow_factory, world.queue, world.clock
    handle(world, world.authorize())
    with uow_factory(MERCHANT) as uow:
        assert uow.store is not None
        uow.store.price_history.add_many([PricePoint(product_id="7", price="150", changed_at=clock.now())])
        uow.commit()
    # We wrote 150 (regular); a sale of 85 is running: still our own price, not the merchant's change.
    on_sale = {"id": 7, "price": 85, "regular_price": 150, "sale_price": {"amount": 85, "expired_at": None}}
    assert handle(world, salla("product.price.updated", on_sale)) is WebhookOutcome.IGNORED
    # The merchant raised the regular price to 200 and put it on sale at 150: ``price`` equals what
    # we wrote, yet the merchant's price changed.
    moved = {"id": 7, "price": 150, "regular_price": 200, "sale_price": {"amount": 150, "expired_at": None}}
    assert handle(world, salla("product.price.updated", moved)) is WebhookOutcome.PROCESSED
    assert queue.of(RepriceProducts) == [RepriceProducts(store_id=MERCHANT, product_ids=("7",))]


def test_price_updated_without_a_regular_price_is_no_echo_and_reprices(world: World) -> None:
    uow_factory, queue, clock = world.uow_factory, world.queue, world.clock
    handle(world, world.authorize())
    with uow_factory(MERCHANT) as uow:
        assert uow.store is not None
        uow.store.price_history.add_many([PricePoint(product_id="7", price="99.95", changed_at=clock.now())])
        uow.commit()
    assert handle(world, price_changed("7", None)) is WebhookOutcome.PROCESSED
    assert queue.of(RepriceProducts) == [RepriceProducts(store_id=MERCHANT, product_ids=("7",))]


@pytest.mark.parametrize("status", ["approved", "applying", "applied"])
def test_price_updated_for_a_price_we_are_applying_is_ignored(world: World, status: str) -> None:
    """Salla may send the event before the worker that applied the price recorded its history."""
    handle(world, world.authorize())
    with world.uow_factory(MERCHANT) as uow:
        assert uow.store is not None
        uow.store.decisions.add_many([decision(MERCHANT, "d1", DecisionStatus(status), world.clock.now())])
        uow.commit()
    echo = price_changed("p-d1", "90.00")  # the decision's suggested price
    assert handle(world, echo) is WebhookOutcome.IGNORED
    other = price_changed("p-d1", "95.00")  # the merchant changed it
    assert handle(world, other) is WebhookOutcome.PROCESSED
    assert world.queue.of(RepriceProducts) == [RepriceProducts(store_id=MERCHANT, product_ids=("p-d1",))]


def test_price_updated_for_an_inactive_or_unknown_store_is_ignored(world: World) -> None:
    event = price_changed("1", "10.00", "d-p")
    assert handle(world, event) is WebhookOutcome.IGNORED
    assert world.queue.commands == []


def test_unhandled_events_and_missing_merchant_are_ignored_but_remembered(world: World) -> None:
    order = salla("customer.created", {"id": 5}, "d-order")  # an event the optimizer does not act on
    nameless = salla("app.installed", {}, "d-none", merchant=None)
    assert isinstance(order, UnhandledEvent) and isinstance(nameless, UnhandledEvent)
    assert handle(world, order) is WebhookOutcome.IGNORED
    assert handle(world, nameless) is WebhookOutcome.IGNORED
    assert handle(world, nameless) is WebhookOutcome.DUPLICATE
    with world.uow_factory() as uow:
        assert uow.stores.list_all() == []


def test_a_price_event_without_a_product_is_ignored(world: World) -> None:
    handle(world, world.authorize())
    world.queue.commands.clear()
    assert handle(world, salla("product.price.updated", {"price": 10}, "d-p")) is WebhookOutcome.IGNORED
    assert world.queue.commands == []


def test_authorize_without_token_or_expiry_is_rejected_and_stores_nothing(world: World) -> None:
    calls: list[str] = []

    def user_info(access_token: str) -> MerchantInfo:
        calls.append(access_token)
        return MerchantInfo(merchant_id=MERCHANT, store_name="")

    no_token = salla("app.store.authorize", {"expires": EXPIRES}, "d-1")
    no_expiry = salla("app.store.authorize", {"access_token": "a"}, "d-2")
    assert isinstance(no_token, MalformedEvent) and isinstance(no_expiry, MalformedEvent)
    assert handle(world, no_token, user_info=user_info) is WebhookOutcome.REJECTED
    assert handle(world, no_expiry, user_info=user_info) is WebhookOutcome.REJECTED
    assert calls == []  # tokens we could not store anyway are not shown to Salla
    with world.uow_factory() as uow:
        assert uow.stores.list_all() == []
        log = uow.system_activity.list()
    assert sorted(e.description for e in log) == [
        "Webhook app.store.authorize rejected: app.store.authorize with no access_token",
        "Webhook app.store.authorize rejected: app.store.authorize with unreadable expiry: "
        "token response has neither expires_in nor expires",
    ]
    assert {e.activity_type for e in log} == {ActivityType.TOKENS_AUTHORIZED}
    assert handle(world, no_token, user_info=user_info) is WebhookOutcome.DUPLICATE


def test_settings_without_a_settings_object_are_rejected_for_a_known_store_only(world: World) -> None:
    formless = salla("app.settings.updated", {"id": 1, "settings": "x"}, "d-s1")
    assert isinstance(formless, MalformedEvent)
    assert handle(world, formless) is WebhookOutcome.IGNORED  # no such store: nothing to log it on
    handle(world, world.authorize())
    assert handle(world, salla("app.settings.updated", {"id": 1}, "d-s2")) is WebhookOutcome.REJECTED
    _, _, settings, activity = snapshot(world.uow_factory)
    assert settings == TenantSettings()
    entry = activity[0]
    assert entry.activity_type is ActivityType.SETTINGS_UPDATED and entry.metadata["applied"] is False
    assert entry.description == "Webhook app.settings.updated rejected: app.settings.updated without a settings object"


def test_an_old_expires_duration_is_still_read(world: World) -> None:
    data = {k: v for k, v in world.authorize_payload().items() if k != "expires"} | {"expires_in": 1209599}
    handle(world, salla("app.store.authorize", data, "d-dur", now=world.clock.now()))
    _, tokens, *_ = snapshot(world.uow_factory)
    assert tokens.expires_at == world.clock.now() + timedelta(seconds=1209599)


def test_an_older_authorization_arriving_late_does_not_replace_newer_tokens(world: World) -> None:
    earlier = world.authorize("d-old")
    newer = world.authorize("d-new", expires_at=EXPIRES_AT + timedelta(hours=1))
    assert handle(world, newer) is WebhookOutcome.PROCESSED
    assert handle(world, earlier) is WebhookOutcome.REJECTED  # Salla's retry of the earlier one
    _, tokens, _, activity = snapshot(world.uow_factory)
    assert tokens is not None and tokens.access_token == newer.tokens.access_token
    assert any("older than the tokens held" in entry.description for entry in activity)
