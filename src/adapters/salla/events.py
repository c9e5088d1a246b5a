"""Salla webhook deliveries read into the core's domain events (``pricing_core.events``), once.

A delivery's payload is Salla's JSON; what the optimizer acts on is a typed fact. Salla's quirks
are read here and nowhere else: the tokens of ``app.store.authorize`` (``expires`` a Unix
timestamp, ``scope`` a string or a list), the prices of ``product.price.updated`` (``price`` is the
sale price during a sale, ``regular_price`` the merchant's, ``sale_price`` an object), the order of
the ``order.*`` events (``order_webhooks.py``: two item shapes), PHP's ``[]``
for an empty object. ``to_domain_event`` never raises: a payload that cannot be used becomes a
``MalformedEvent`` (rejected and logged by the use case), a delivery we do not act on an
``UnhandledEvent``; either way the delivery is still recorded in the webhook inbox.

It reads a verified ``WebhookEvent`` (the web route) and a ``ProcessWebhook`` command (the worker:
the queue carries the raw delivery, so messages already in Redis stay readable) alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

import attrs

from adapters.salla.order_webhooks import UnreadableOrder, read_order_payload
from adapters.salla.products import UnreadableAmount, listed_regular_price, read_amount, read_listed_prices
from pricing_core.event_time import parse_event_time
from pricing_core.events import (
    APP_INSTALLED,
    APP_SETTINGS_UPDATED,
    APP_STORE_AUTHORIZE,
    APP_UNINSTALLED,
    ORDER_EVENTS,
    PRODUCT_PRICE_UPDATED,
    AppInstalled,
    AppUninstalled,
    DomainEvent,
    MalformedEvent,
    OrderChanged,
    ProductPriceChanged,
    SettingsUpdated,
    StoreAuthorized,
    StoreEvent,
    UnhandledEvent,
)
from pricing_core.tokens import TokenPayloadError, token_set_from_payload


class RawDelivery(Protocol):
    """A verified delivery as Salla sent it (``WebhookEvent``, or a ``ProcessWebhook`` from the queue)."""

    @property
    def event(self) -> str: ...

    @property
    def merchant_id(self) -> str | int | None: ...

    @property
    def created_at(self) -> datetime | str | None: ...

    @property
    def data(self) -> Mapping[str, Any]: ...

    @property
    def delivery_id(self) -> str: ...


@attrs.frozen(kw_only=True)
class _Envelope:
    """What every event carries: the delivery, the store and Salla's time of it."""

    name: str
    delivery_id: str
    store_id: str
    occurred_at: datetime | None

    def fields(self) -> dict[str, Any]:
        return {"delivery_id": self.delivery_id, "store_id": self.store_id, "occurred_at": self.occurred_at}

    def malformed(self, reason: str) -> MalformedEvent:
        return MalformedEvent(event=self.name, reason=reason, **self.fields())

    def unhandled(self, reason: str) -> UnhandledEvent:
        return UnhandledEvent(event=self.name, reason=reason, **self.fields())


def to_domain_event(delivery: RawDelivery, *, now: datetime) -> DomainEvent:
    """The domain event a verified delivery stands for; never raises.

    ``now`` dates the tokens of an authorization that gives their lifetime (``expires_in``)
    rather than their expiry. Salla's ``created_at`` becomes ``occurred_at`` (None when absent or
    unreadable).
    """
    occurred_at = parse_event_time(delivery.created_at)
    if delivery.merchant_id in (None, ""):
        return UnhandledEvent(event=delivery.event, store_id=None, delivery_id=delivery.delivery_id,
                              occurred_at=occurred_at, reason="the delivery names no merchant")
    envelope = _Envelope(name=delivery.event, delivery_id=delivery.delivery_id,
                         store_id=str(delivery.merchant_id), occurred_at=occurred_at)
    reader = _READERS.get(delivery.event)
    if reader is None:
        return envelope.unhandled(f"{delivery.event} is not an event the optimizer acts on")
    data = delivery.data if isinstance(delivery.data, Mapping) else {}
    return reader(envelope, data, now)


def _authorized(envelope: _Envelope, data: Mapping[str, Any], now: datetime) -> StoreEvent:
    try:
        # ``expires`` in this event is a Unix timestamp (Salla's docs), ``expires_in`` a duration.
        tokens = token_set_from_payload(data, now)
    except TokenPayloadError as exc:
        return envelope.malformed(f"{APP_STORE_AUTHORIZE} with {exc}")
    return StoreAuthorized(tokens=tokens, **envelope.fields())


def _installed(envelope: _Envelope, data: Mapping[str, Any], now: datetime) -> StoreEvent:
    scopes = data.get("app_scopes")
    return AppInstalled(
        store_type=_text(data.get("store_type")),
        app_scopes=tuple(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else None,
        **envelope.fields(),
    )


def _uninstalled(envelope: _Envelope, data: Mapping[str, Any], now: datetime) -> StoreEvent:
    refunded = data.get("refunded")
    return AppUninstalled(
        uninstallation_date=_text(data.get("uninstallation_date")),
        refunded=refunded if isinstance(refunded, bool) else None,
        **envelope.fields(),
    )


def _settings_updated(envelope: _Envelope, data: Mapping[str, Any], now: datetime) -> StoreEvent:
    settings = data.get("settings")
    if not isinstance(settings, Mapping):
        return envelope.malformed(f"{APP_SETTINGS_UPDATED} without a settings object")
    return SettingsUpdated(settings=dict(settings), **envelope.fields())


def _price_updated(envelope: _Envelope, data: Mapping[str, Any], now: datetime) -> DomainEvent:
    product_id = data.get("id")
    if product_id in (None, ""):
        return envelope.unhandled(f"{PRODUCT_PRICE_UPDATED} without a product id")
    price = listed_regular_price(data)
    return ProductPriceChanged(
        product_id=str(product_id),
        regular_price=price,
        unknown_price_reason=None if price is not None else _why_no_regular_price(data),
        **envelope.fields(),
    )


def _order_changed(envelope: _Envelope, data: Mapping[str, Any], now: datetime) -> StoreEvent:
    try:
        order = read_order_payload(data, occurred_at=envelope.occurred_at)
    except UnreadableOrder as exc:
        return envelope.malformed(f"{envelope.name}: {exc}")
    return OrderChanged(
        event=envelope.name,
        order_id=order.order_id,
        status=order.status,
        lines=order.lines,
        refused=order.refused,
        as_of=order.updated_at or envelope.occurred_at,
        **envelope.fields(),
    )


def _why_no_regular_price(data: Mapping[str, Any]) -> str:
    """Why a price event shows no regular price (for the logs; the product is repriced anyway)."""
    try:
        listed = read_listed_prices(data)
    except UnreadableAmount as exc:  # names the field: "price is not a number: 'abc'"
        return str(exc)
    except ArithmeticError:
        return "a price that is not a usable number"
    if listed is None:  # no ``price``: only a ``regular_price`` could have told it
        try:
            regular = read_amount(data.get("regular_price"))
        except UnreadableAmount as exc:
            return f"regular_price is {exc}"
        if regular is None:
            return "no price in the payload"
        if regular <= 0:
            return f"regular_price {regular} is not above 0"
    elif listed.regular is None:
        return "only a sale price, no regular price"
    return "a price beyond what 2 decimals can spell"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


_Reader = Callable[[_Envelope, Mapping[str, Any], datetime], DomainEvent]

_READERS: dict[str, _Reader] = {
    APP_STORE_AUTHORIZE: _authorized,
    APP_INSTALLED: _installed,
    APP_UNINSTALLED: _uninstalled,
    APP_SETTINGS_UPDATED: _settings_updated,
    PRODUCT_PRICE_UPDATED: _price_updated,
    **{name: _order_changed for name in ORDER_EVENTS},
}

__all__ = ["RawDelivery", "to_domain_event"]
