"""Money arithmetic: Decimal only, quantized to the currency's minor unit."""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

MINOR_UNIT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


class MoneyError(ValueError):
    """A value cannot be read as an amount of money."""


# No price, cost or amount this service handles comes near this; a larger number is a misread
# (an exponent such as "1e400", a pasted identifier) that would otherwise overflow later arithmetic.
MAX_AMOUNT = Decimal("1e15")
# Commas are accepted only as thousands separators in groups of three ("1,299.50"): "1,5" is a
# European decimal comma, and dropping it would read the amount ten times too large.
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def to_decimal(value: object) -> Decimal:
    """Read an amount from a Decimal, int or numeric string; floats go through ``repr``.

    Exponent notation is read for what it says (``"2.5e3"`` is 2500, returned as ``2500``),
    commas are thousands separators only (``"1,299.50"``; ``"1,5"`` is refused), and the result
    is plain fixed-point. Raises :class:`MoneyError` for anything that is not a finite number,
    and for amounts of ``MAX_AMOUNT`` or more.
    """
    if isinstance(value, bool):
        raise MoneyError(f"not an amount: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if "," in text:
            if not _GROUPED.fullmatch(text):
                raise MoneyError(f"not an amount: {value!r} (a comma is only a thousands separator here)")
            text = text.replace(",", "")
        try:
            result = Decimal(text)
        except InvalidOperation as exc:
            raise MoneyError(f"not an amount: {value!r}") from exc
    else:
        raise MoneyError(f"not an amount: {value!r}")
    if not result.is_finite():
        raise MoneyError(f"not a finite amount: {value!r}")
    if abs(result) >= MAX_AMOUNT:
        raise MoneyError(f"not a plausible amount: {value!r}")
    exponent = result.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        # 2.5E+3 is 2500: written out, so every later step (quantize, display, storage) sees 2500.
        result = result.quantize(Decimal(1))
    return result


def quantize(amount: Decimal, unit: Decimal = MINOR_UNIT) -> Decimal:
    """Round half-up to the minor unit (the ordinary way a shop rounds)."""
    return amount.quantize(unit, rounding=ROUND_HALF_UP)


def round_up(amount: Decimal, unit: Decimal = MINOR_UNIT) -> Decimal:
    """Round toward +infinity: used for floors, which must never be rounded down."""
    return amount.quantize(unit, rounding=ROUND_CEILING)


def round_down(amount: Decimal, unit: Decimal = MINOR_UNIT) -> Decimal:
    """Round toward -infinity: used for ceilings such as the maximum change."""
    return amount.quantize(unit, rounding=ROUND_FLOOR)


def percent_change(old: Decimal, new: Decimal) -> Decimal:
    """Signed change from ``old`` to ``new`` in percent of ``old`` (0 when ``old`` is 0)."""
    if old == 0:
        return ZERO
    return (new - old) / old * HUNDRED
