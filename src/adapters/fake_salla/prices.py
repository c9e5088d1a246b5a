"""Prices in the fake Salla: the ``bulkPrice`` queue, the merchant's own changes, and price inspection.

Salla queues bulk updates ("it may take several minutes"); the fake queues them for
``bulk_delay`` seconds and applies them lazily, on the next request or inspection after that.
``PricesMixin`` is the part of ``FakeSalla`` (``fake.py``, which holds the state) that does it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Protocol

import attrs

from adapters.fake_salla.clock import riyadh_stamp
from adapters.fake_salla.stores import FakeStore
from adapters.fake_salla.webhooks import Delivery, WebhookSender


@attrs.frozen(kw_only=True)
class QueuedPrices:
    """A ``bulkPrice`` request waiting to be applied."""

    merchant_id: int
    due: float  # time.monotonic() at which it applies
    due_fake: float  # or the fake clock's Unix time, whichever comes first
    items: tuple[tuple[int, Decimal, Decimal | None], ...]  # (product id, price, cost price)


class _Fake(Protocol):
    """What prices use of the rest of ``FakeSalla``."""

    lock: threading.RLock
    bulk_delay: float
    price_events: bool
    webhooks: WebhookSender | None
    _stores: dict[int, FakeStore]
    _queued: list[QueuedPrices]

    def now(self) -> datetime: ...
    def now_seconds(self) -> float: ...
    def store(self, merchant_id: int | str) -> FakeStore: ...
    def catch_up_markets(self) -> int: ...
    def mark_changed(self) -> None: ...
    def emit_price_updated(self, merchant_id: int | str, product_id: int | str) -> Delivery | None: ...
    def apply_due(self, *, force: bool = False) -> int: ...


class PricesMixin:
    """``FakeSalla``'s prices: queue and apply bulk updates, change and read prices directly."""

    def queue_prices(self: _Fake, merchant_id: int, items: Iterable[tuple[int, Decimal, Decimal | None]]) -> None:
        """Queue a bulk update; it applies ``bulk_delay`` seconds later (immediately when 0).

        Applying is lazy: the next request or inspection after the delay applies it.
        """
        with self.lock:
            queued = QueuedPrices(
                merchant_id=merchant_id,
                due=time.monotonic() + self.bulk_delay,
                due_fake=self.now_seconds() + self.bulk_delay,
                items=tuple(items),
            )
            self._queued.append(queued)
            if self.bulk_delay <= 0:
                self.apply_due(force=True)
        self.mark_changed()

    def apply_due(self: _Fake, *, force: bool = False) -> int:
        """Apply queued bulk updates whose time has come (all with ``force``); how many products changed."""
        changed: list[tuple[int, int]] = []
        with self.lock:
            if not self._queued:
                return 0
            # Due by the wall clock or by the fake clock: a frozen test clock still sees the update
            # after a short real wait, and an advanced one sees it at once.
            now, now_fake = time.monotonic(), self.now_seconds()
            due = [q for q in self._queued if force or q.due <= now or q.due_fake <= now_fake]
            if not due:
                return 0
            self._queued = [q for q in self._queued if q not in due]
            # Orders up to now were placed at the old prices.
            self.catch_up_markets()
            stamp = riyadh_stamp(self.now())
            for queued in due:
                store = self._stores[queued.merchant_id]
                for product_id, price, cost in queued.items:
                    product = store.products.get(product_id)
                    if product is None:
                        continue
                    product.set_price(price, updated_at=stamp)
                    if cost is not None:
                        product.cost_price = cost
                    changed.append((queued.merchant_id, product_id))
        self.mark_changed()  # the queue shrank even when no listed product still exists
        if self.webhooks is not None and self.price_events:
            for merchant_id, product_id in changed:
                self.emit_price_updated(merchant_id, product_id)
        return len(changed)

    def flush_queued(self: _Fake) -> int:
        """Apply every queued bulk update now."""
        return self.apply_due(force=True)

    def prices(self: _Fake, merchant_id: int | str) -> dict[str, Decimal]:
        """Current prices of a store: product id -> price, and ``"product:variant"`` for SKUs with their own price."""
        self.apply_due()
        with self.lock:
            result: dict[str, Decimal] = {}
            for product in self.store(merchant_id).products.values():
                result[str(product.id)] = product.price
                for variant in product.variants:
                    if variant.own_price:
                        result[f"{product.id}:{variant.id}"] = variant.price
            return result

    def set_price(self: _Fake, merchant_id: int | str, product_id: int | str, price: Decimal | str | int) -> None:
        """Change a price as the merchant would in the dashboard (no event sent)."""
        with self.lock:
            self.catch_up_markets()
            product = self.store(merchant_id).products[int(product_id)]
            product.set_price(Decimal(str(price)), updated_at=riyadh_stamp(self.now()))
        self.mark_changed()

    def corrupt_product(self: _Fake, merchant_id: int | str, product_id: int | str, raw_price: object = "N/A") -> None:
        """Make a product's ``price`` render as ``raw_price`` (e.g. a non-numeric string) until its next update."""
        with self.lock:
            self.store(merchant_id).products[int(product_id)].raw_price_override = raw_price


__all__ = ["PricesMixin", "QueuedPrices"]
