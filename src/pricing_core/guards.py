"""Step 4: the guards. The margin floor always wins; nothing else may push a price below it."""

from __future__ import annotations

from decimal import Decimal

import attrs

from pricing_core.money import MINOR_UNIT, round_down, round_up
from pricing_core.settings import DirectionLock, TenantSettings

HUNDRED = Decimal(100)


def net_price(price: Decimal, vat_fraction: Decimal, includes_vat: bool) -> Decimal:
    """The pre-VAT price the margin is computed on."""
    return price / (1 + vat_fraction) if includes_vat else price


def margin_of(price: Decimal, cost: Decimal, vat_fraction: Decimal, includes_vat: bool) -> Decimal:
    """Gross margin as a fraction of the pre-VAT price: ``(net - cost) / net``."""
    net = net_price(price, vat_fraction, includes_vat)
    return (net - cost) / net


def margin_floor(cost: Decimal, margin_fraction: Decimal, vat_fraction: Decimal, includes_vat: bool) -> Decimal:
    """The lowest price (in minor units) whose margin is at least ``margin_fraction``. Rounded up, never down."""
    exact = cost / (1 - margin_fraction)
    if includes_vat:
        exact *= 1 + vat_fraction
    floor = max(round_up(exact), MINOR_UNIT)
    # Decimal division is itself rounded at 28 digits; step up until the margin check holds exactly.
    while margin_of(floor, cost, vat_fraction, includes_vat) < margin_fraction:
        floor += MINOR_UNIT
    return floor


@attrs.frozen
class Bounds:
    """Where the suggested price may land: ``low <= price <= high`` (``low`` may exceed ``high`` only via the floor)."""

    low: Decimal
    high: Decimal
    notes: tuple[str, ...]


def price_bounds(
    old: Decimal,
    floor: Decimal | None,
    settings: TenantSettings,
    *,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    map_price: Decimal | None = None,
) -> Bounds:
    """Combine max change, min/max price, direction lock, the margin floor and MAP into one interval.

    The maximum-change window comes first and the merchant's limits are pulled into it (a
    minimum price far above today's price is approached step by step). The floor and the
    minimum advertised price (``map_price``) come last and win over everything: a raise up to
    either may exceed the maximum change. ``min_price``/``max_price``, when given, replace the
    settings' (a product override's take precedence). A minimum above the maximum (a product's own
    minimum against a store or rule maximum) wins: the more specific limit, approached step by step.
    """
    notes: list[str] = []
    lowest = min_price if min_price is not None else settings.min_price
    highest = max_price if max_price is not None else settings.max_price
    step = old * settings.max_change_pct / HUNDRED
    window_low, window_high = round_up(old - step), round_down(old + step)
    if window_low > window_high:  # a change too small to express in minor units
        window_low = window_high = round_up(old)
    low, high = window_low, window_high
    if lowest is not None and lowest > low:
        low = min(lowest, window_high)
        notes.append(f"minimum price {lowest}")
    if highest is not None and highest < high:
        high = max(highest, window_low)
        notes.append(f"maximum price {highest}")
    if settings.direction_lock == DirectionLock.UP_ONLY:
        low = max(low, min(round_up(old), high))
        notes.append("direction lock: raises only")
    elif settings.direction_lock == DirectionLock.DOWN_ONLY:
        high = min(high, max(round_down(old), low))
        notes.append("direction lock: decreases only")
    low = max(low, MINOR_UNIT)
    high = max(high, low)
    if floor is not None and floor > low:
        low = floor
        if floor > high:
            high = floor
            notes.append(f"raised to the margin floor {floor}, beyond the maximum change")
    if map_price is not None and map_price > low:
        low = round_up(map_price)
        notes.append(f"minimum advertised price {map_price}")
        if low > high:
            high = low
            notes.append(f"raised to the minimum advertised price {map_price}, beyond the maximum change")
    return Bounds(low=low, high=high, notes=tuple(notes))


def clamp(value: Decimal, bounds: Bounds) -> Decimal:
    """``value`` pulled into ``bounds``."""
    return min(max(value, bounds.low), bounds.high)


__all__ = ["Bounds", "clamp", "margin_floor", "margin_of", "net_price", "price_bounds"]
