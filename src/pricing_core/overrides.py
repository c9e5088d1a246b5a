"""Product overrides: what the merchant says about one product, above every rule and the store's settings."""

from __future__ import annotations

from decimal import Decimal

import attrs

from pricing_core.money import MoneyError, to_decimal


class InvalidOverride(ValueError):
    """An override is refused; ``field`` names the value at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def _amount(field: str, value: object, *, positive: bool) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = to_decimal(value)
    except MoneyError as exc:
        raise InvalidOverride(field, f"not a number: {value!r}") from exc
    if amount < 0 or (positive and amount == 0):
        raise InvalidOverride(field, f"must be {'above' if positive else 'at least'} 0, got {amount}")
    return amount


def _product_id(value: object) -> str:
    text = str(value).strip()
    if not text:
        raise InvalidOverride("product_id", "required")
    return text


@attrs.frozen(kw_only=True)
class ProductOverride:
    """One product's pin, exclusion or merchant-entered values.

    ``excluded``: never priced (SKIPPED). ``fixed_price``: proposed as is, but held when it is
    below the margin floor or ``map_price``, or above the maximum price. ``cost_price``,
    ``min_price`` and ``max_price`` take precedence over the product's and any rule's.
    ``map_price`` is a minimum advertised price: no suggestion is ever below it.
    """

    product_id: str = attrs.field(converter=_product_id)
    excluded: bool = False
    fixed_price: Decimal | None = None
    cost_price: Decimal | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    map_price: Decimal | None = None

    def __attrs_post_init__(self) -> None:
        # Converted here rather than with attrs converters so the error names the field.
        set_ = object.__setattr__
        set_(self, "fixed_price", _amount("fixed_price", self.fixed_price, positive=True))
        set_(self, "cost_price", _amount("cost_price", self.cost_price, positive=False))
        set_(self, "min_price", _amount("min_price", self.min_price, positive=True))
        set_(self, "max_price", _amount("max_price", self.max_price, positive=True))
        set_(self, "map_price", _amount("map_price", self.map_price, positive=True))
        if not isinstance(self.excluded, bool):
            raise InvalidOverride("excluded", f"must be true or false, got {self.excluded!r}")
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            raise InvalidOverride("min_price", f"{self.min_price} exceeds max_price {self.max_price}")
        if self.map_price is not None and self.max_price is not None and self.map_price > self.max_price:
            raise InvalidOverride("map_price", f"{self.map_price} exceeds max_price {self.max_price}")

    @property
    def is_empty(self) -> bool:
        """True when the override says nothing (storing it would change nothing)."""
        return not self.excluded and all(
            v is None for v in (self.fixed_price, self.cost_price, self.min_price, self.max_price, self.map_price)
        )


__all__ = ["InvalidOverride", "ProductOverride"]
