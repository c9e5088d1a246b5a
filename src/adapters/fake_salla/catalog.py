"""The fake Salla's catalog: mutable product and SKU records, their prices and their saved state.

A record keeps the merchant's **regular** price, a sale price and end, the cost, and which of
Salla's spellings its JSON uses (``cost_style``, ``quantity_as_string``, ``sale_end_style``:
Salla's own examples disagree about types). The JSON itself is ``catalog_json.py``'s; the
state file keeps what the Merchant API can change (``state_json``/``parse_state``/``apply_state``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import attrs

CostStyle = Literal["number", "string", "null"]
SaleEndStyle = Literal["null", "date", "empty_object"]


def _decimal_text(amount: Decimal | None) -> str | None:
    # Text, not a JSON number: a float would round prices like 910.85 on the way back.
    return None if amount is None else str(amount)


def _decimal(value: object) -> Decimal:
    """A finite Decimal from saved text (``ValueError`` otherwise)."""
    if not isinstance(value, str):
        raise ValueError(f"expected an amount as text, got {value!r}")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return amount


def _optional_decimal(value: object) -> Decimal | None:
    return None if value is None else _decimal(value)


@attrs.define(kw_only=True)
class FakeVariant:
    """One SKU of a product with options (``skus[]``).

    ``own_price``: the SKU has a regular price of its own (``price``); otherwise it follows the
    product's price (``price`` then mirrors the product's regular price).
    """

    id: int
    sku: str
    price: Decimal
    cost_price: Decimal | None
    stock_quantity: int
    option_values: tuple[str, ...]
    own_price: bool = False

    def option_value_id(self) -> int:
        """The id of this SKU's option value (``related_option_values``); ids are per kind in Salla."""
        return self.id


@attrs.define(kw_only=True)
class FakeProduct:
    """One product of a fake store. Mutable: price updates change it in place."""

    id: int
    sku: str
    name: str
    price: Decimal
    cost_price: Decimal | None
    currency: str = "SAR"
    quantity: int | None = 10
    status: str = "sale"
    type: str = "product"
    with_tax: bool = True
    sale_price: Decimal | None = None
    sale_end: str | None = None
    gtin: str | None = None
    cost_style: CostStyle = "number"
    quantity_as_string: bool = False
    sale_end_style: SaleEndStyle = "null"
    variants: list[FakeVariant] = attrs.field(factory=list)
    updated_at: str = "2026-01-01 09:00:00"
    # (id, name) of the store categories the product is in, rendered as List Products documents them.
    categories: tuple[tuple[int, str], ...] = ()
    # Fault injection: when set, rendered verbatim instead of the price object.
    raw_price_override: object = None

    def set_price(self, price: Decimal, *, updated_at: str) -> None:
        """Change the product's regular price; variants without a price of their own follow it.

        A running sale is left alone: Salla's bulkPrice documents ``sale_price`` and
        ``sale_end`` as separate, optional fields, so writing ``price`` does not end a sale.
        """
        self.price = price
        for variant in self.variants:
            if not variant.own_price:
                variant.price = price
        self.updated_at = updated_at
        self.raw_price_override = None

    def find_variant(self, variant_id: int) -> FakeVariant | None:
        """The SKU with that id, or None."""
        return next((v for v in self.variants if v.id == variant_id), None)

    def running_sale(self, today: date) -> Decimal | None:
        """The sale price when a sale runs on ``today`` (above 0, below the regular price, not ended)."""
        sale = self.sale_price
        if sale is None or sale <= 0 or sale >= self.price:
            return None
        if self.sale_end:
            try:
                if date.fromisoformat(self.sale_end[:10]) < today:
                    return None  # over: Salla keeps reporting the amount, customers pay the regular price
            except ValueError:
                pass
        return sale

    def effective_price(self, today: date) -> Decimal:
        """What customers pay on ``today``: the sale price during a sale, else the regular price."""
        sale = self.running_sale(today)
        return self.price if sale is None else sale

    def option_id(self) -> int:
        """The id of the product's one option (sizes), when it has variants."""
        return self.id * 10

    def state_json(self) -> dict[str, Any]:
        """What the Merchant API and the inspection API can change, for the fake's state file.

        Everything else (names, SKUs, quirk spellings) is rebuilt from the seed. An injected
        ``raw_price_override`` is a fault for the current test run and is not kept.
        """
        return {
            "price": str(self.price),
            "cost_price": _decimal_text(self.cost_price),
            "sale_price": _decimal_text(self.sale_price),
            "status": self.status,
            "updated_at": self.updated_at,
            "variants": {
                str(v.id): {
                    "price": str(v.price),
                    "cost_price": _decimal_text(v.cost_price),
                    "own_price": v.own_price,
                }
                for v in self.variants
            },
        }

    def parse_state(self, data: dict[str, Any]) -> dict[str, Any]:
        """Validate ``state_json`` output for this product; ``apply_state`` takes the result.

        Split in two so a restore can check every product before changing any (``ValueError``
        on malformed data or a variant this product does not have).
        """
        variants: dict[int, tuple[Decimal, Decimal | None, bool]] = {}
        for raw_id, raw in data["variants"].items():
            variant = self.find_variant(int(raw_id))
            if variant is None:
                raise ValueError(f"product {self.id} has no variant {raw_id}")
            # "has_special_price" is what files written before the key was renamed call it.
            special = raw["own_price"] if "own_price" in raw else raw["has_special_price"]
            if not isinstance(special, bool):
                raise ValueError(f"variant {raw_id}: own_price must be true or false")
            variants[variant.id] = (_decimal(raw["price"]), _optional_decimal(raw["cost_price"]), special)
        status = str(data["status"])
        if status not in ("sale", "out", "hidden"):
            raise ValueError(f"product {self.id}: unknown status {status!r}")
        return {
            "price": _decimal(data["price"]),
            "cost_price": _optional_decimal(data["cost_price"]),
            "sale_price": _optional_decimal(data["sale_price"]),
            "status": status,
            "updated_at": str(data["updated_at"]),
            "variants": variants,
        }

    def apply_state(self, parsed: dict[str, Any]) -> None:
        """Set the fields ``parse_state`` validated (no checks left that could fail halfway)."""
        self.price = parsed["price"]
        self.cost_price = parsed["cost_price"]
        self.sale_price = parsed["sale_price"]
        self.status = parsed["status"]
        self.updated_at = parsed["updated_at"]
        for variant in self.variants:
            if variant.id in parsed["variants"]:
                variant.price, variant.cost_price, variant.own_price = parsed["variants"][variant.id]


__all__ = ["CostStyle", "FakeProduct", "FakeVariant", "SaleEndStyle"]
