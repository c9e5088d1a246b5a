"""Salla deliveries read into domain events (``adapters/salla/events.py``), from Salla's documented examples."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.salla import WebhookEvent, parse_webhook, to_domain_event
from pricing_core.commands import ProcessWebhook
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

DOCS = Path(__file__).parents[2] / "contract" / "salla_docs"
NOW = datetime(2021, 10, 1, 12, 0, tzinfo=UTC)  # before the documented authorization's expiry
RIYADH = timezone(timedelta(hours=3))


def documented(name: str) -> WebhookEvent:
    return parse_webhook((DOCS / name).read_bytes())


def queued(event: WebhookEvent) -> ProcessWebhook:
    """The message the web route enqueues for a delivery (what the worker reads)."""
    return ProcessWebhook(event=event.event, merchant_id=event.merchant_id, data=dict(event.data),
                          delivery_id=event.delivery_id,
                          created_at=event.created_at.isoformat() if event.created_at else None)


def read(event: str, data: Any, *, merchant: str | None = "42", created_at: str | None = None) -> DomainEvent:
    raw = ProcessWebhook(event=event, merchant_id=merchant, data=data, delivery_id="d", created_at=created_at)
    return to_domain_event(raw, now=NOW)


DOCUMENTED_WEBHOOKS = sorted(p.name for p in DOCS.glob("webhook_*.json"))


def test_every_documented_webhook_example_is_here() -> None:
    assert DOCUMENTED_WEBHOOKS == [
        "webhook_app_installed.json", "webhook_app_store_authorize.json", "webhook_app_uninstalled.json",
        "webhook_product_created.json", "webhook_product_price_updated.json", "webhook_product_status_updated.json",
    ]


@pytest.mark.parametrize("name", DOCUMENTED_WEBHOOKS)
def test_every_documented_example_converts_the_same_from_the_route_and_from_the_queue(name: str) -> None:
    event = documented(name)
    domain = to_domain_event(event, now=NOW)
    assert not isinstance(domain, MalformedEvent), domain
    assert (domain.delivery_id, domain.store_id, domain.name) == (event.delivery_id, event.merchant_id, event.event)
    assert domain.occurred_at == event.created_at and domain.occurred_at is not None
    assert to_domain_event(queued(event), now=NOW) == domain  # an ISO time on the queue reads the same
    json.dumps(queued(event).as_message())  # and the message is JSON


def test_the_documented_authorization_carries_its_tokens() -> None:
    domain = to_domain_event(documented("webhook_app_store_authorize.json"), now=NOW)
    assert isinstance(domain, StoreAuthorized) and domain.store_id == "1234509876"
    assert domain.occurred_at == datetime(2022, 12, 31, 12, 31, 25, tzinfo=RIYADH)
    tokens = domain.tokens
    assert tokens.access_token.startswith("KGsnBcNNkR2A") and tokens.refresh_token.startswith("fWcceFWF9eFH")
    assert tokens.expires_at == datetime.fromtimestamp(1634819484, tz=UTC)  # ``expires`` is a Unix timestamp
    assert tokens.scope == "settings.read branches.read offline_access"
    assert "KGsnBcNNkR2A" not in repr(domain) and "fWcceFWF9eFH" not in repr(domain)  # reprs hide tokens


def test_the_documented_install_and_uninstall() -> None:
    installed = to_domain_event(documented("webhook_app_installed.json"), now=NOW)
    assert isinstance(installed, AppInstalled) and installed.store_type == "development"
    assert installed.app_scopes is not None and installed.app_scopes[-1] == "offline_access"
    uninstalled = to_domain_event(documented("webhook_app_uninstalled.json"), now=NOW)
    assert uninstalled == AppUninstalled(delivery_id=uninstalled.delivery_id, store_id="1234509876",
                                         occurred_at=datetime(2022, 12, 31, 12, 31, 25, tzinfo=RIYADH),
                                         uninstallation_date="2021-10-07 12:46:07", refunded=False)


def test_the_documented_price_event_gives_the_regular_price_not_the_expired_sale() -> None:
    domain = to_domain_event(documented("webhook_product_price_updated.json"), now=NOW)
    assert domain == ProductPriceChanged(delivery_id=domain.delivery_id, store_id="546096831",
                                         occurred_at=datetime(2025, 12, 14, 11, 41, 40, tzinfo=RIYADH),
                                         product_id="1462551237", regular_price=Decimal("150.00"))


@pytest.mark.parametrize("name", ["webhook_product_created.json", "webhook_product_status_updated.json"])
def test_documented_events_we_do_not_act_on_say_so(name: str) -> None:
    domain = to_domain_event(documented(name), now=NOW)
    assert isinstance(domain, UnhandledEvent) and domain.store_id is not None
    assert domain.reason == f"{domain.event} is not an event the optimizer acts on"


def test_a_sale_shows_the_regular_price() -> None:
    on_sale = read("product.price.updated", {"id": 7, "price": 85, "regular_price": 150,
                                             "sale_price": {"amount": 85, "expired_at": None}})
    assert isinstance(on_sale, ProductPriceChanged) and on_sale.regular_price == Decimal("150.00")
    assert on_sale.unknown_price_reason is None


@pytest.mark.parametrize(("data", "regular", "reason"), [
    ({"id": 7, "price": "150.5"}, Decimal("150.50"), None),  # a numeric string is a price
    ({"id": 7, "price": "abc"}, None, "price is not a number: 'abc'"),
    ({"id": 7, "price": 100, "regular_price": "lots"}, None, "regular_price is not a number: 'lots'"),
    ({"id": 7}, None, "no price in the payload"),
    ({"id": 7, "price": ""}, None, "no price in the payload"),
    ({"id": 7, "regular_price": "x"}, None, "regular_price is not a number: 'x'"),
    ({"id": 7, "regular_price": 0}, None, "regular_price 0 is not above 0"),
    ({"id": 7, "price": 79, "sale_price": {"amount": 79}}, None, "only a sale price, no regular price"),
    ({"id": 7, "price": 1e300}, None, "price is not a number: 1e+300"),  # beyond any price
])
def test_a_price_that_cannot_be_read_is_unknown_with_its_reason(data: dict, regular: Decimal | None,
                                                                reason: str | None) -> None:
    domain = read("product.price.updated", data)
    assert isinstance(domain, ProductPriceChanged) and domain.product_id == "7"
    assert (domain.regular_price, domain.unknown_price_reason) == (regular, reason)


@pytest.mark.parametrize("product", [None, ""])
def test_a_price_event_without_a_product_is_not_acted_on(product: object) -> None:
    domain = read("product.price.updated", {"id": product, "price": 10})
    assert isinstance(domain, UnhandledEvent) and domain.store_id == "42"
    assert domain.reason == "product.price.updated without a product id"


@pytest.mark.parametrize(("expires", "why"), [
    ("soon", "not a number of seconds: 'soon'"),
    (1e300, "is more than 366 days away"),
    (-5, "a negative token lifetime"),
    (None, "neither expires_in nor expires"),
])
def test_an_authorization_with_a_bad_expires_is_malformed_with_its_reason(expires: object, why: str) -> None:
    data: dict[str, object] = {"access_token": "secret-at", "refresh_token": "secret-rt"}
    if expires is not None:
        data["expires"] = expires
    domain = read("app.store.authorize", data)
    assert isinstance(domain, MalformedEvent) and domain.name == "app.store.authorize"
    assert domain.reason.startswith("app.store.authorize with unreadable expiry: ") and why in domain.reason
    assert "secret" not in repr(domain)


def test_an_authorization_without_an_access_token_is_malformed() -> None:
    domain = read("app.store.authorize", {"expires": 1634819484, "refresh_token": "secret-rt"})
    assert isinstance(domain, MalformedEvent) and domain.reason == "app.store.authorize with no access_token"


@pytest.mark.parametrize("merchant", [None, ""])
def test_a_delivery_naming_no_merchant_is_not_acted_on(merchant: str | None) -> None:
    domain = read("app.installed", {"id": 1}, merchant=merchant, created_at="2026-01-01 12:00:00")
    assert domain == UnhandledEvent(delivery_id="d", event="app.installed", store_id=None,
                                    occurred_at=datetime(2026, 1, 1, 12, tzinfo=RIYADH),
                                    reason="the delivery names no merchant")


def test_settings_are_passed_as_sent_and_a_form_that_is_no_object_is_malformed() -> None:
    form = {"min_profit_margin": "20", "unrelated": "x", "max_price": ""}
    domain = read("app.settings.updated", {"id": 1, "settings": form})
    assert isinstance(domain, SettingsUpdated) and domain.settings == form
    for data in ({"id": 1}, {"settings": ["min_profit_margin"]}, {"settings": None}):
        bad = read("app.settings.updated", data)
        assert isinstance(bad, MalformedEvent) and bad.reason == "app.settings.updated without a settings object"


def test_odd_values_never_raise() -> None:
    """The worker reads old queue messages too: whatever they hold becomes an event, never an exception."""
    assert isinstance(read("app.settings.updated", "not an object"), MalformedEvent)
    assert isinstance(read("product.price.updated", []), UnhandledEvent)
    installed = read("app.installed", {"store_type": 5, "app_scopes": "a b", "refunded": "yes"},
                     created_at="yesterday")
    assert installed == AppInstalled(delivery_id="d", store_id="42")  # unreadable fields are unknown
    uninstalled = read("app.uninstalled", {"uninstallation_date": {"date": 1}, "refunded": "no"})
    assert uninstalled == AppUninstalled(delivery_id="d", store_id="42")
