"""The events the fake Salla sends: their envelope, where each goes, ``product.price.updated``'s data,
and ``order.created`` for the market's new orders.

``EventsMixin`` is the part of ``FakeSalla`` (``fake.py``, which holds the state) that emits
events; delivering them (signing, retries) is ``webhooks.py``'s ``WebhookSender``, and the store
webhooks an event may be subscribed at are ``subscriptions.py``'s ``WebhookRegistry``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from adapters.fake_salla.catalog import FakeProduct
from adapters.fake_salla.catalog_json import money_json
from adapters.fake_salla.clock import RIYADH, riyadh_stamp
from adapters.fake_salla.orders import FakeOrder, event_json
from adapters.fake_salla.stores import FakeStore
from adapters.fake_salla.subscriptions import WebhookRegistry
from adapters.fake_salla.webhooks import Delivery, WebhookSender, encode_event


def _js_date(when: datetime) -> str:
    """Store-event ``created_at``: JavaScript's Date string, e.g. ``Sun Dec 14 2025 11:41:40 GMT+0300``."""
    local = when.astimezone(RIYADH)
    return local.strftime("%a %b %d %Y %H:%M:%S GMT+0300")


class _Fake(Protocol):
    """What event emission uses of the rest of ``FakeSalla``."""

    lock: threading.RLock
    webhooks: WebhookSender | None
    store_webhooks: WebhookRegistry
    portal_events: frozenset[str]

    def now(self) -> datetime: ...
    def today(self) -> date: ...
    def store(self, merchant_id: int | str) -> FakeStore: ...
    def _require_webhooks(self) -> WebhookSender: ...
    def _envelope(self, event: str, merchant_id: int, data: Mapping[str, Any]) -> dict[str, Any]: ...
    def emit_event(self, merchant_id: int | str, event: str, data: Mapping[str, Any]) -> Delivery | None: ...
    def price_event_data(self, product: FakeProduct) -> dict[str, Any]: ...


class EventsMixin:
    """``FakeSalla``'s events: app events to the app, store events where they were subscribed."""

    def _require_webhooks(self: _Fake) -> WebhookSender:
        if self.webhooks is None:
            raise RuntimeError("the fake Salla has no webhook_url; pass one to create_fake_salla")
        return self.webhooks

    def _envelope(self: _Fake, event: str, merchant_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
        now = self.now()
        app_event = event.startswith("app.")
        created = riyadh_stamp(now) if app_event else _js_date(now)
        return {"event": event, "merchant": merchant_id, "created_at": created, "data": dict(data)}

    def emit_event(self: _Fake, merchant_id: int | str, event: str, data: Mapping[str, Any]) -> Delivery | None:
        """Send an event of a store the way Salla does (signed per the configured strategy).

        App events (``app.*``) always go to the app's webhook URL. A store event goes only where
        it was subscribed: to each URL the store registered it at (``POST /webhooks/subscribe``),
        and to the app's URL when the app subscribed it in the Partner Portal (``portal_events``),
        and only while the store has the app installed. Returns the first delivery, or None
        when nothing subscribed the event.
        """
        sender = self._require_webhooks()
        mid = int(merchant_id)
        body = encode_event(self._envelope(event, mid, data))
        if event.startswith("app."):
            return sender.send(event, mid, body)
        with self.lock:
            installed = self.store(mid).installed
            targets: list[str | None] = list(self.store_webhooks.urls_for(mid, event)) if installed else []
            if installed and event in self.portal_events and not any(
                url is not None and url.rstrip("/") == sender.url.rstrip("/") for url in targets
            ):
                targets.append(None)  # the app's webhook URL, once even when also a store webhook
        deliveries = [sender.send(event, mid, body, url=url) for url in targets]
        return deliveries[0] if deliveries else None

    def price_event_data(self: _Fake, product: FakeProduct) -> dict[str, Any]:
        """``product.price.updated`` data as Salla documents it (flat numbers, ``sale_price`` an object).

        ``price`` is the effective price (the sale price during a sale), ``regular_price`` the
        merchant's; ``sale_price`` keeps its amount and end date after the sale ended, as the
        documented example shows (price 150, regular 150, sale 85 expired 2025-12-01).
        """
        rate = Decimal("0.15")
        effective = product.effective_price(self.today())
        tax = (effective * rate).quantize(Decimal("0.01"))
        sale = product.sale_price
        return {
            "id": product.id,
            "sku": product.sku,
            "mpn": "",
            "gtin": product.gtin or "",
            "cost": money_json(product.cost_price) if product.cost_price is not None else None,
            "starting_price": None,
            "price": money_json(effective),
            "sale_price": {"amount": money_json(sale) if sale else 0, "expired_at": product.sale_end if sale else None},
            "tax": money_json(tax),
            "taxed_price": money_json(effective + tax),
            "regular_price": money_json(product.price),
            "currency": product.currency,
            "with_tax": product.with_tax,
        }

    def emit_price_updated(self: _Fake, merchant_id: int | str, product_id: int | str) -> Delivery | None:
        """Send ``product.price.updated`` for one product with its current prices (when subscribed: ``emit_event``)."""
        with self.lock:
            product = self.store(merchant_id).products[int(product_id)]
            data = self.price_event_data(product)
        return self.emit_event(merchant_id, "product.price.updated", data)

    def emit_orders_created(self: _Fake, merchant_id: int | str, orders: list[FakeOrder]) -> int:
        """Send ``order.created`` for each of ``orders`` where the store subscribed it; how many were sent.

        Nothing is built when nothing subscribed the event (a sandbox without webhooks, or a store
        that never subscribed): the market's catch-up stays cheap for fakes that never ask.
        """
        mid = int(merchant_id)
        with self.lock:
            if self.webhooks is None or not orders or not self.store(mid).installed:
                return 0
            if not self.store_webhooks.urls_for(mid, "order.created") and "order.created" not in self.portal_events:
                return 0
            taxed = {pid: p.with_tax for pid, p in self.store(mid).products.items()}
            payloads = [event_json(order, taxed) for order in orders]
        return sum(self.emit_event(mid, "order.created", data) is not None for data in payloads)

    def wait_webhooks(self: _Fake, timeout: float = 5.0) -> bool:
        """Block until every queued webhook delivery finished; False on timeout."""
        return True if self.webhooks is None else self.webhooks.wait_idle(timeout)

    @property
    def webhook_deliveries(self: _Fake) -> list[Delivery]:
        """Every delivery so far, in sending order."""
        return [] if self.webhooks is None else list(self.webhooks.deliveries)


__all__ = ["EventsMixin"]
