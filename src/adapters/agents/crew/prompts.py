"""What the scout and the analyst are told: one line per product, and the token allowances used to plan batches."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal

from pricing_core.catalog import CompetitorOffer, Product
from pricing_core.guards import margin_floor, price_bounds
from pricing_core.money import quantize
from pricing_core.ports import StoreContext

# Prompt tokens crewai adds around a task description (system prompt, format rules, and for the
# analyst the JSON schema of AnalystReport): 137 and 631, measured with the fake LLM on crewai
# 1.15. Used only to *plan* how many batches fit the budget (with the per-product allowances the
# plan came within -1%..+27% of the real usage for batches of 1..100); the real usage is checked
# after every batch while the crew runs.
SCOUT_TEMPLATE_TOKENS = 140
ANALYST_TEMPLATE_TOKENS = 640
COMPLETION_TOKENS_PER_PRODUCT = 30  # the analyst's JSON line per product (~29 measured)
SCOUT_NOTE_TOKENS_PER_PRODUCT = 15  # the scout's note per product, written once and read by the analyst


def _money(value: Decimal | None) -> str:
    return "?" if value is None else f"{quantize(value)}"


def _competitor_offers(offers: Sequence[CompetitorOffer], limit: int) -> list[CompetitorOffer]:
    others = [o for o in offers if not o.is_own_store]
    return sorted(others, key=lambda o: (not o.in_stock, o.price))[:limit]


def analyst_line(product: Product, offers: Sequence[CompetitorOffer], context: StoreContext, limit: int) -> str:
    """One product for the analyst: price, cost, margin floor, allowed range, competitors."""
    settings = context.settings
    floor = None
    if product.cost_price is not None:
        floor = margin_floor(product.cost_price, settings.margin_fraction, settings.vat_fraction,
                             product.prices_include_vat)
    bounds = price_bounds(quantize(product.price), floor, settings)
    shown = _competitor_offers(offers, limit)
    in_stock = [o.price for o in shown if o.in_stock]
    parts = [f"- id={product.id} price={_money(product.price)} cost={_money(product.cost_price)}",
             f"floor={_money(floor)} range={bounds.low}..{bounds.high}"]
    if in_stock:
        parts.append(f"lowest={_money(min(in_stock))}")
    if shown:
        parts.append("offers=" + ",".join(
            f"{o.competitor}:{_money(o.price)}{'' if o.in_stock else '(out)'}" for o in shown))
    return " ".join(parts)


def scout_line(product: Product, offers: Sequence[CompetitorOffer]) -> str:
    """One product for the scout: how to find it, and how much is already known."""
    ids = " ".join(f"{k}={v}" for k, v in (("sku", product.sku), ("gtin", product.gtin)) if v)
    known = len([o for o in offers if not o.is_own_store])
    return f"- id={product.id} name={json.dumps(product.name, ensure_ascii=False)} {ids} known_offers={known}".rstrip()


def context_words(context: StoreContext) -> dict[str, str]:
    s = context.settings
    return {
        "store": context.store_name,
        "store_id": context.store_id,
        "margin": f"{s.min_profit_margin}",
        "max_change": f"{s.max_change_pct}",
        "mode": s.automation_mode.value,
        "risk": s.risk_tolerance.value,
        "own": ", ".join(s.own_store_names) or context.store_name,
    }


__all__ = [
    "ANALYST_TEMPLATE_TOKENS",
    "COMPLETION_TOKENS_PER_PRODUCT",
    "SCOUT_NOTE_TOKENS_PER_PRODUCT",
    "SCOUT_TEMPLATE_TOKENS",
    "analyst_line",
    "context_words",
    "scout_line",
]
