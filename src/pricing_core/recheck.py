"""The re-check at the moment of writing: may this decision's price still be written, now?

A decision was guarded against the product, the settings and the price history it saw. Between
then and the write (seconds for a sweep's own decision, days for one waiting for the merchant)
the price or the cost may have changed in Salla and the merchant may have raised the margin or
tightened a limit. Every path that writes a price asks :func:`recheck_decision` first, with the
product as Salla shows it now, the store's current settings and the product's last price change,
and writes only when it answers None. The guards are the engine's own (``margin_floor``,
``price_bounds``): a price the engine may propose today is a price the re-check lets through.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from pricing_core.catalog import PricePoint, Product
from pricing_core.decision import PricingDecision
from pricing_core.engine import PRICEABLE_STATUSES
from pricing_core.guards import margin_floor, price_bounds
from pricing_core.money import percent_change, quantize
from pricing_core.overrides import ProductOverride
from pricing_core.settings import DirectionLock, NoCostPolicy, TenantSettings

_NOT_APPLIED = "not applied: "
_AGAIN = "; the next sweep prices it again"


def recheck_decision(
    decision: PricingDecision,
    current: Product | None,
    settings: TenantSettings,
    *,
    last_change: PricePoint | None,
    now: datetime,
    merchant_approved: bool,
    override: ProductOverride | None = None,
) -> str | None:
    """None when ``decision`` may be written now, else the reason, in the merchant's words.

    ``current`` is the product as Salla shows it now (None: not found), ``settings`` the store's
    current settings, ``last_change`` the product's latest recorded price change (cooldown).
    The checks, in order: the product still exists and is for sale; its price is still the one
    the decision was made from; the cooldown has passed; the price is not below the margin floor
    of the current cost, minimum margin and VAT; and it lies within the current minimum/maximum
    price, maximum change and direction lock, combined exactly as the engine combines them
    (``price_bounds``: the floor wins, so a raise up to the floor may exceed the maximum change).

    Without a known cost the margin cannot be checked, so a decrease is refused, with one
    exception: ``merchant_approved`` (someone approved it, not the optimizer), the decision was
    made without a cost too (the merchant saw that in its explanation) and the store still asks
    about such decreases (``no_cost_policy`` ``ask``): refusing it would make that policy's
    approvals impossible.

    ``settings`` are the ones that price the product (the store's with its rule on top), and
    ``override`` the product's override: its cost, minimum, maximum and MAP count as the engine
    counts them, an excluded product is not written, and its fixed price is checked as the engine
    checks one (floor, MAP, minimum, maximum; not the maximum change).
    """
    if current is None:
        return _NOT_APPLIED + "the product is no longer found in Salla"
    if override is not None and override.excluded:
        return _NOT_APPLIED + "the product is now excluded from automatic pricing"
    if override is not None and override.cost_price is not None:
        current = attrs.evolve(current, cost_price=override.cost_price)
    if current.status not in PRICEABLE_STATUSES:
        return _NOT_APPLIED + f"the product's status in Salla is now '{current.status}'"
    now_price = quantize(current.price)
    if now_price != decision.old_price:
        return (_NOT_APPLIED + f"the price in Salla changed from {decision.old_price} to {now_price} "
                f"since this decision" + _AGAIN)
    if last_change is not None and settings.cooldown_hours:
        cooldown = timedelta(hours=settings.cooldown_hours)
        if now - last_change.changed_at < cooldown:
            return (_NOT_APPLIED + f"cooldown: the price changed at {last_change.changed_at:%Y-%m-%d %H:%M} UTC "
                    f"and the cooldown is {settings.cooldown_hours}h")
    suggested = decision.suggested_price
    floor: Decimal | None = None
    if current.cost_price is None:
        if suggested < current.price and not _asked_without_cost(decision, settings, merchant_approved):
            why = ("the cost was removed in Salla since this decision" if decision.cost_price is not None
                   else "no cost is known for this product")
            return (_NOT_APPLIED + f"{why}, so a decrease from {now_price} to {suggested} cannot be checked "
                    "against the minimum margin")
    else:
        floor = margin_floor(current.cost_price, settings.margin_fraction, settings.vat_fraction,
                             current.prices_include_vat)
        if suggested < floor:
            vat = f", VAT {settings.vat_rate}% included" if current.prices_include_vat else ""
            return (_NOT_APPLIED + f"{suggested} is below the margin floor {floor} (cost {current.cost_price}, "
                    f"minimum margin {settings.min_profit_margin}%{vat})")
    lowest = override.min_price if override is not None and override.min_price is not None else settings.min_price
    highest = override.max_price if override is not None and override.max_price is not None else settings.max_price
    map_price = override.map_price if override is not None else None
    if map_price is not None and suggested < map_price:
        return _NOT_APPLIED + f"{suggested} is below the minimum advertised price {map_price}"
    if override is not None and override.fixed_price is not None and suggested == quantize(override.fixed_price):
        if highest is not None and suggested > highest:
            return _NOT_APPLIED + f"{suggested} is above the maximum price {highest}"
        if lowest is not None and suggested < lowest:
            return _NOT_APPLIED + f"{suggested} is below the minimum price {lowest}"
        return None
    bounds = price_bounds(current.price, floor, settings, min_price=lowest, max_price=highest, map_price=map_price)
    if bounds.low <= suggested <= bounds.high:
        return None
    return _NOT_APPLIED + _outside_bounds(suggested, current.price, settings, bounds.low, bounds.high)


def _asked_without_cost(decision: PricingDecision, settings: TenantSettings, merchant_approved: bool) -> bool:
    return merchant_approved and decision.cost_price is None and settings.no_cost_policy is NoCostPolicy.ASK


def _outside_bounds(suggested: Decimal, old: Decimal, settings: TenantSettings, low: Decimal, high: Decimal) -> str:
    """Which guard a price outside ``low..high`` breaks, with the numbers."""
    allowed = f" (allowed now: {low}..{high})"
    lock = settings.direction_lock
    if suggested > high:
        if lock is DirectionLock.DOWN_ONLY and suggested > old:
            return f"the store allows decreases only (direction lock), and {suggested} raises {quantize(old)}"
        if settings.max_price is not None and suggested > settings.max_price:
            return f"{suggested} is above the maximum price {settings.max_price}" + allowed
    else:
        if lock is DirectionLock.UP_ONLY and suggested < old:
            return f"the store allows raises only (direction lock), and {suggested} lowers {quantize(old)}"
        if settings.min_price is not None and suggested < settings.min_price:
            return f"{suggested} is below the minimum price {settings.min_price}" + allowed
    change = quantize(percent_change(old, suggested))
    return (f"the change from {quantize(old)} to {suggested} ({change}%) exceeds the maximum change of "
            f"{settings.max_change_pct}% per run" + allowed)


__all__ = ["recheck_decision"]
