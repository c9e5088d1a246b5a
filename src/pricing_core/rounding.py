"""Step 5: rounding to the minor unit and optional price endings, never crossing the bounds."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from pricing_core.guards import Bounds, clamp
from pricing_core.money import quantize
from pricing_core.settings import PriceEnding

_ENDING_FRACTION = {
    PriceEnding.END_95: Decimal("0.95"),
    PriceEnding.END_99: Decimal("0.99"),
    PriceEnding.END_00: Decimal("0.00"),
}


def round_price(target: Decimal, bounds: Bounds, ending: PriceEnding) -> tuple[Decimal, str | None]:
    """Quantize ``target`` into ``bounds``, then move it to the nearest allowed ending inside them.

    Returns the price and a note when the ending could not be honoured. The bounds already hold
    the floor and the maximum change, so a price that stays inside them crosses neither.
    """
    price = clamp(quantize(target), bounds)
    if ending == PriceEnding.NONE:
        return price, None
    fraction = _ENDING_FRACTION[ending]
    whole = price.to_integral_value(rounding=ROUND_FLOOR)
    candidates = [whole + delta + fraction for delta in (Decimal(-1), Decimal(0), Decimal(1))]
    fitting = [c for c in candidates if c > 0 and bounds.low <= c <= bounds.high]
    if not fitting:
        return price, f"no price ending in {ending.value} fits within the limits; kept {price}"
    # Nearest to the target; on a tie the lower price, which is the more competitive one.
    best = min(fitting, key=lambda c: (abs(c - price), c))
    return best, None


__all__ = ["round_price"]
