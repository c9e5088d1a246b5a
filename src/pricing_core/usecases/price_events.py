"""``product.price.updated``: reprice the product, unless the new price is the one we just wrote.

Salla echoes every price we write back as this event; repricing an echo would loop. The price
compared is the merchant's regular price (``ProductPriceChanged.regular_price``, read by the Salla
adapter): during a sale Salla's ``price`` is the sale price, and what we write and remember is the
regular price. An event whose regular price is unknown is no echo: its product is repriced.
"""

from __future__ import annotations

from decimal import Decimal

from pricing_core.commands import Command, RepriceProducts
from pricing_core.decision import DecisionStatus
from pricing_core.events import ProductPriceChanged
from pricing_core.ports import UnitOfWork, scope_of
from pricing_core.usecases.webhook_outcomes import WebhookOutcome

# Statuses of a decision whose price we have written or are writing to Salla.
_WRITTEN = frozenset({DecisionStatus.APPROVED, DecisionStatus.APPLYING, DecisionStatus.APPLIED})


def product_price_changed(uow: UnitOfWork, event: ProductPriceChanged, followups: list[Command]) -> WebhookOutcome:
    """Dispatch ``RepriceProducts`` for the product (after the commit) unless the price is our own echo."""
    store = uow.stores.get(event.store_id)
    if store is None or not store.is_active:
        return WebhookOutcome.IGNORED
    price = event.regular_price
    if price is not None and is_our_own_price(uow, event.product_id, price):
        return WebhookOutcome.IGNORED
    followups.append(RepriceProducts(store_id=event.store_id, product_ids=(event.product_id,)))
    return WebhookOutcome.PROCESSED


def is_our_own_price(uow: UnitOfWork, product_id: str, price: Decimal) -> bool:
    """True when ``price`` is the last price we recorded, or one we are applying right now.

    The second check closes a race: Salla applies a bulk update and sends the event while the
    worker that sent it has not yet recorded the price history.
    """
    scope = scope_of(uow)
    last = scope.price_history.latest([product_id]).get(product_id)
    if last is not None and last.price == price:
        return True
    recent = scope.decisions.list(product_id=product_id, limit=5)
    return any(r.status in _WRITTEN and r.decision.suggested_price == price for r in recent)


__all__ = ["is_our_own_price", "product_price_changed"]
