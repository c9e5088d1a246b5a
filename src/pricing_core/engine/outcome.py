"""A priced product as a ``PricingDecision``: its fields, margin after the change and fingerprint; a skip."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from pricing_core.catalog import Product
from pricing_core.decision import Action, PricingDecision, RiskLevel
from pricing_core.guards import margin_of
from pricing_core.money import HUNDRED, ZERO, percent_change, quantize


def _fingerprint(product: Product, suggested: Decimal, action: Action, strategy: str, now: datetime) -> str:
    raw = f"{product.id}|{product.price}|{suggested}|{action.value}|{strategy}|{now.isoformat()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def build_decision(
    product: Product,
    now: datetime,
    *,
    suggested: Decimal,
    action: Action,
    risk: RiskLevel,
    strategy: str,
    steps: list[str],
    reference: Decimal | None = None,
    floor: Decimal | None = None,
    considered: int = 0,
    used: int = 0,
    vat: Decimal = ZERO,
) -> PricingDecision:
    old = quantize(product.price) if product.price > 0 else product.price
    change = quantize(percent_change(product.price, suggested)) if product.price > 0 else ZERO
    margin_after: Decimal | None = None
    if product.cost_price is not None and suggested > 0:
        margin_after = quantize(margin_of(suggested, product.cost_price, vat, product.prices_include_vat) * HUNDRED)
    return PricingDecision(
        product_id=product.id,
        sku=product.sku,
        name=product.name,
        old_price=old,
        suggested_price=suggested,
        cost_price=product.cost_price,
        currency=product.currency,
        strategy=strategy,
        reference_price=quantize(reference) if reference is not None else None,
        floor_price=floor,
        risk=risk,
        action=action,
        change_pct=change,
        margin_pct_after=margin_after,
        offers_considered=considered,
        offers_used=used,
        explanation=tuple(steps),
        decided_at=now,
        fingerprint=_fingerprint(product, suggested, action, strategy, now),
    )


def skipped(product: Product, now: datetime, reason: str) -> PricingDecision:
    price = quantize(product.price) if product.price > 0 else product.price
    return build_decision(product, now, suggested=price, action=Action.SKIPPED, risk=RiskLevel.LOW,
                          strategy="none", steps=[f"Skipped: {reason}."])


__all__ = [
    "build_decision",
    "skipped",
]
