"""A merchant's fixed price (a product override): proposed as is, unless it crosses a hard limit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from pricing_core.approval import action_for
from pricing_core.catalog import CompetitorOffer, Product
from pricing_core.decision import Action, PricingDecision, RiskLevel
from pricing_core.engine.outcome import build_decision
from pricing_core.engine.prepared import Prepared
from pricing_core.guards import margin_floor
from pricing_core.money import percent_change, quantize
from pricing_core.overrides import ProductOverride
from pricing_core.risk import classify_risk


def override_line(override: ProductOverride) -> str:
    parts = [f"{name.replace('_', ' ')} {value}" for name, value in (
        ("fixed_price", override.fixed_price), ("cost_price", override.cost_price), ("min_price", override.min_price),
        ("max_price", override.max_price), ("map_price", override.map_price)) if value is not None]
    return "Product override: " + ", ".join(parts) + "."


def price_fixed(
    product: Product,
    offers: Sequence[CompetitorOffer],
    prep: Prepared,
    now: datetime,
    fixed: Decimal,
    steps: list[str],
    *,
    min_price: Decimal | None,
    max_price: Decimal | None,
    map_price: Decimal | None,
) -> PricingDecision:
    """A merchant's fixed price: proposed as is unless it crosses the margin floor, MAP or the maximum price."""
    old = product.price
    target = quantize(fixed)
    floor: Decimal | None = None
    if product.cost_price is not None:
        floor = margin_floor(product.cost_price, prep.margin, prep.vat, product.prices_include_vat)
    problems = []
    if floor is not None and target < floor:
        problems.append(f"below the margin floor {floor} ({prep.floor_suffix})")
    if map_price is not None and target < map_price:
        problems.append(f"below the minimum advertised price {map_price}")
    if max_price is not None and target > max_price:
        problems.append(f"above the maximum price {max_price}")
    if min_price is not None and target < min_price:
        problems.append(f"below the minimum price {min_price}")
    strategy = "fixed_price"
    if problems:
        steps.append(f"Fixed price {target} held: it is " + " and ".join(problems) + ".")
        target = quantize(old)
        strategy = "fixed_price:held"
    if target == quantize(old):
        steps.append(f"No change: {target} is the current price.")
        return build_decision(product, now, suggested=target, action=Action.NO_CHANGE, risk=RiskLevel.LOW,
                              strategy=strategy, steps=steps, floor=floor, considered=len(offers), vat=prep.vat)
    # The merchant chose this price: its risk is its size alone, whatever the competitor evidence.
    risk, risk_text = classify_risk(percent_change(old, target), prep.thresholds, decrease=False,
                                    usable_offers=len(offers))
    steps.append(f"Fixed price {target} set by the merchant. " + risk_text[0].upper() + risk_text[1:] + ".")
    action = action_for(prep.settings.automation_mode, risk)
    steps.append(f"Action: {action.value.replace('_', ' ')} ({prep.mode_text}).")
    return build_decision(product, now, suggested=target, action=action, risk=risk, strategy=strategy, steps=steps,
                          floor=floor, considered=len(offers), vat=prep.vat)


__all__ = [
    "override_line",
    "price_fixed",
]
