"""The domain events the optimizer reacts to: typed facts the Salla adapter reads from webhook deliveries.

A delivery is Salla's JSON; these are what it means to the optimizer, read once by the adapter
(``adapters.salla.events.to_domain_event``): a store's tokens, an install or uninstall, the settings
form, a product's regular price, an order's sold lines. The use case (``usecases.webhooks.handle_webhook_event``) takes
them and never looks at a payload. Each event carries its delivery id (the webhook inbox's key),
the store it is about and Salla's time of it (already read with ``pricing_core.event_time``; None
when absent or unreadable).

Two events stand for the deliveries the optimizer does not apply: :class:`UnhandledEvent` (an event
we do not act on, or one naming no store: ignored) and :class:`MalformedEvent` (one we act on whose
payload cannot be used: rejected and logged with its reason).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import attrs

from pricing_core.sales import SoldLine
from pricing_core.tokens import TokenSet

# Salla's names of the events we act on: the inbox and the logs record a delivery under them.
APP_STORE_AUTHORIZE = "app.store.authorize"
APP_INSTALLED = "app.installed"
APP_UNINSTALLED = "app.uninstalled"
APP_SETTINGS_UPDATED = "app.settings.updated"
PRODUCT_PRICE_UPDATED = "product.price.updated"
ORDER_CREATED = "order.created"
ORDER_UPDATED = "order.updated"
ORDER_STATUS_UPDATED = "order.status.updated"
ORDER_CANCELLED = "order.cancelled"
ORDER_REFUNDED = "order.refunded"
ORDER_DELETED = "order.deleted"
# Salla's order events that change what an order sold (its lines, or whether it counts).
ORDER_EVENTS = (ORDER_CREATED, ORDER_UPDATED, ORDER_STATUS_UPDATED, ORDER_CANCELLED, ORDER_REFUNDED, ORDER_DELETED)
HANDLED_EVENTS = frozenset(
    {APP_STORE_AUTHORIZE, APP_INSTALLED, APP_UNINSTALLED, APP_SETTINGS_UPDATED, PRODUCT_PRICE_UPDATED, *ORDER_EVENTS}
)


@attrs.frozen(kw_only=True)
class StoreEvent:
    """What one delivery told about one store; the base of the events the optimizer acts on."""

    NAME: ClassVar[str] = ""

    delivery_id: str
    store_id: str
    occurred_at: datetime | None = None  # Salla's time of the event, timezone-aware

    @property
    def name(self) -> str:
        """Salla's event name, under which the inbox and the logs record the delivery."""
        return self.NAME


@attrs.frozen(kw_only=True)
class StoreAuthorized(StoreEvent):
    """``app.store.authorize``: Salla hands over the store's tokens (install, reinstall, app update).

    Accepted only once Salla's user info, called with these very tokens, names ``store_id``
    (``usecases.store_authorization``). ``TokenSet``'s repr hides the tokens.
    """

    NAME: ClassVar[str] = APP_STORE_AUTHORIZE

    tokens: TokenSet


@attrs.frozen(kw_only=True)
class AppInstalled(StoreEvent):
    """``app.installed``: the merchant installed the app; its tokens come with ``StoreAuthorized``."""

    NAME: ClassVar[str] = APP_INSTALLED

    store_type: str | None = None  # "live", "demo", "development"; recorded in the activity log
    app_scopes: tuple[str, ...] | None = None


@attrs.frozen(kw_only=True)
class AppUninstalled(StoreEvent):
    """``app.uninstalled``: the merchant removed the app (``occurred_at`` is when, per Salla)."""

    NAME: ClassVar[str] = APP_UNINSTALLED

    uninstallation_date: str | None = None  # as Salla spelled it; recorded in the activity log
    refunded: bool | None = None


@attrs.frozen(kw_only=True)
class SettingsUpdated(StoreEvent):
    """``app.settings.updated``: the merchant saved the app's settings form in Salla.

    ``settings`` is the form as Salla sent it: it may hold keys that are not pricing settings and
    blanks for "unchanged"; the use case picks and validates the pricing settings.
    """

    NAME: ClassVar[str] = APP_SETTINGS_UPDATED

    settings: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class ProductPriceChanged(StoreEvent):
    """``product.price.updated``: a product's price changed in Salla (the merchant's change or our own echo).

    ``regular_price`` is the merchant's regular price, the one we write and remember (during a
    sale Salla's ``price`` is the sale price). None when the delivery shows none or it cannot be
    read: then the event is never taken for our own echo and the product is repriced (safe).
    """

    NAME: ClassVar[str] = PRODUCT_PRICE_UPDATED

    product_id: str
    regular_price: Decimal | None = None
    unknown_price_reason: str | None = None  # why ``regular_price`` is None, for the logs


@attrs.frozen(kw_only=True)
class RefusedLine:
    """An order line the adapter could not read (a quantity that is no number, no product): left out, with why."""

    item_id: str | None  # Salla's id of the line when it has one
    reason: str  # safe to log: names no customer


@attrs.frozen(kw_only=True)
class OrderChanged(StoreEvent):
    """``order.created``, ``order.updated``, ``order.status.updated``, ``order.cancelled``,
    ``order.refunded``, ``order.deleted``: what one order sold, as of ``as_of``.

    ``lines`` are the order's readable lines (their ``status`` is the order's); None when the
    delivery lists no items (a status change): then the order keeps the lines already recorded
    unless ``status`` says it no longer sells (``sales.NOT_SOLD``). ``refused`` are the lines that
    could not be read. No customer data is carried.
    """

    event: str  # Salla's event name
    order_id: str
    status: str  # Salla's status slug ("completed", "canceled", ...); "" when the delivery shows none
    lines: tuple[SoldLine, ...] | None = None
    refused: tuple[RefusedLine, ...] = ()
    as_of: datetime | None = None  # Salla's time of this state of the order (its updated_at, else the event's)

    @property
    def name(self) -> str:
        """Salla's event name, under which the inbox and the logs record the delivery."""
        return self.event


@attrs.frozen(kw_only=True)
class MalformedEvent(StoreEvent):
    """An event we act on whose payload cannot be used (an authorization without usable tokens,
    settings that are no object): recorded, logged with ``reason``, nothing applied."""

    event: str  # Salla's event name
    reason: str  # safe to log: names no secret

    @property
    def name(self) -> str:
        """Salla's event name, under which the inbox and the logs record the delivery."""
        return self.event


@attrs.frozen(kw_only=True)
class UnhandledEvent:
    """A delivery the optimizer does not act on: an event it does not use, or one naming no store.

    Still recorded in the inbox (so a redelivery is a duplicate); ``reason`` says why it is ignored.
    """

    delivery_id: str
    event: str  # Salla's event name
    store_id: str | None
    occurred_at: datetime | None = None
    reason: str

    @property
    def name(self) -> str:
        """Salla's event name, under which the inbox records the delivery."""
        return self.event


DomainEvent = StoreEvent | UnhandledEvent
"""Any delivery, as the use case takes it."""

__all__ = [
    "APP_INSTALLED",
    "APP_SETTINGS_UPDATED",
    "APP_STORE_AUTHORIZE",
    "APP_UNINSTALLED",
    "HANDLED_EVENTS",
    "ORDER_CANCELLED",
    "ORDER_CREATED",
    "ORDER_DELETED",
    "ORDER_EVENTS",
    "ORDER_REFUNDED",
    "ORDER_STATUS_UPDATED",
    "ORDER_UPDATED",
    "PRODUCT_PRICE_UPDATED",
    "AppInstalled",
    "AppUninstalled",
    "DomainEvent",
    "MalformedEvent",
    "OrderChanged",
    "ProductPriceChanged",
    "RefusedLine",
    "SettingsUpdated",
    "StoreAuthorized",
    "StoreEvent",
    "UnhandledEvent",
]
