"""Money arithmetic: Decimal only, quantized to the currency's minor unit."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

MINOR_UNIT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


class MoneyError(ValueError):
    """A value cannot be read as an amount of money."""


def to_decimal(value: object) -> Decimal:
    """Read an amount from a Decimal, int or numeric string; floats go through ``str``.

    Raises :class:`MoneyError` for anything that is not a finite number.
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
        try:
            result = Decimal(value.strip().replace(",", ""))
        except InvalidOperation as exc:
            raise MoneyError(f"not an amount: {value!r}") from exc
    else:
        raise MoneyError(f"not an amount: {value!r}")
    if not result.is_finite():
        raise MoneyError(f"not a finite amount: {value!r}")
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
