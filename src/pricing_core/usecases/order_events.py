"""Order webhooks keep the daily sales current between orders syncs (``OrderChanged``).

Each order's part of the daily sales is kept per order (``SalesRepository.record_order``), so an
order counts once however often it is seen: a redelivery or an ``order.updated`` replaces the
order's part, an order that no longer sells (cancelled, refunded, deleted: ``sales.NOT_SOLD``,
the statuses the sync skips too) removes it, and the sync, reading the same order again, replaces
the parts of the days it reads. A delivery older than the one last applied to the order (Salla
delivers out of order) changes nothing.

Lines name products by id (the webhook's ``product.id``) or only by SKU (the Orders API's item
shape); both are mapped through the stored catalog, a variant to its product, as the sync does.
A line that cannot be placed (no readable quantity or product, a product or SKU the catalog does
not know) is left out and logged with its reason; the order's other lines still count.
"""

from __future__ import annotations

import logging

from pricing_core.activity import ActivityType
from pricing_core.event_time import SALLA_TZ
from pricing_core.events import ORDER_CANCELLED, ORDER_DELETED, ORDER_REFUNDED, OrderChanged
from pricing_core.ports import Clock, StoreScope, UnitOfWork, scope_of
from pricing_core.sales import NOT_SOLD, OrderSale, SoldLine, daily_sales
from pricing_core.usecases.webhook_outcomes import WebhookOutcome

log = logging.getLogger(__name__)

# Events that end an order's sales whatever status the payload shows.
_ENDING = frozenset({ORDER_CANCELLED, ORDER_REFUNDED, ORDER_DELETED})


def order_changed(uow: UnitOfWork, clock: Clock, event: OrderChanged) -> WebhookOutcome:
    """Replace the order's part of the daily sales with what the event shows; log the lines left out."""
    store = uow.stores.get(event.store_id)
    if store is None or not store.is_active:
        return WebhookOutcome.IGNORED
    scope = scope_of(uow)
    refused = [(r.item_id, r.reason) for r in event.refused]
    if event.name in _ENDING or event.status in NOT_SOLD:
        parts: list[OrderSale] = []
    elif event.lines is None:
        # A status change without items: the lines recorded stay as they are.
        return WebhookOutcome.PROCESSED
    else:
        placed, unplaced = place_lines(scope, event.lines)
        refused += unplaced
        parts = list(daily_sales(placed, {}, SALLA_TZ).orders)
    if not scope.sales.record_order(event.order_id, parts, as_of=event.as_of):
        log.info("order %s of store %s: %s older than the state recorded; not applied",
                 event.order_id, event.store_id, event.name)
        return WebhookOutcome.IGNORED
    if refused:
        scope.activity.log(
            ActivityType.SALES_SYNCED,
            f"Webhook {event.name}: order {event.order_id}, {len(refused)} line(s) left out of the sales",
            at=clock.now(),
            metadata={
                "event": event.name,
                "delivery_id": event.delivery_id,
                "order_id": event.order_id,
                "recorded_parts": len(parts),
                # ``item``: Salla's id of an unreadable item, or the product id / SKU the catalog lacks.
                "refused": [{"item": item, "reason": why} for item, why in refused],
            },
        )
    return WebhookOutcome.PROCESSED


def place_lines(
    scope: StoreScope, lines: tuple[SoldLine, ...]
) -> tuple[list[SoldLine], list[tuple[str | None, str]]]:
    """The lines with their catalog product id set (a variant's product), and those that cannot be placed.

    A line's product id is looked up first; when the catalog does not know it, its SKU is (a
    product the sweep has not stored under that id yet may be known by its SKU).
    """
    known = scope.products.get_many(sorted({line.product_id for line in lines if line.product_id}))
    by_sku = scope.products.ids_by_sku(
        sorted({line.sku for line in lines if line.sku and (not line.product_id or line.product_id not in known)})
    )
    known |= scope.products.get_many(sorted({ids[0] for ids in by_sku.values() if ids} - set(known)))
    placed: list[SoldLine] = []
    unplaced: list[tuple[str | None, str]] = []
    for line in lines:
        product = known.get(line.product_id) if line.product_id else None
        if product is None and line.sku and by_sku.get(line.sku):
            product = known.get(by_sku[line.sku][0])
        if product is None:
            unplaced.append((line.product_id or line.sku or None, _why_unplaced(line)))
            continue
        placed.append(SoldLine(order_id=line.order_id, ordered_at=line.ordered_at, sku=line.sku,
                               quantity=line.quantity, revenue=line.revenue,
                               product_id=product.variant_of or product.id, status=line.status))
    return placed, unplaced


def _why_unplaced(line: SoldLine) -> str:
    if line.product_id and line.sku:
        return f"product {line.product_id} (SKU {line.sku!r}) is not in the store's catalog"
    if line.product_id:
        return f"product {line.product_id} is not in the store's catalog"
    if line.sku:
        return f"SKU {line.sku!r} is not in the store's catalog"
    return "no product id and no SKU"


__all__ = ["order_changed", "place_lines"]
