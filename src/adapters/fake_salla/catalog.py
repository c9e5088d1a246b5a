"""The fake Salla's catalog: mutable product records and their JSON, with Salla's quirks.

Salla's own examples disagree about types (``cost_price`` as a string, a number or null,
``quantity`` as a string, ``sale_end`` as ``{}``); each record remembers which spelling it
uses so the same product always renders the same way and clients meet every variant.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import attrs

CostStyle = Literal["number", "string", "null"]
SaleEndStyle = Literal["null", "date", "empty_object"]


def money_json(amount: Decimal) -> int | float:
    """A Decimal as Salla writes it: a JSON number in major units (``100``, ``910.8``)."""
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


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


def money_object(amount: Decimal, currency: str) -> dict[str, Any]:
    """Salla's ``{"amount": ..., "currency": ...}`` price object."""
    return {"amount": money_json(amount), "currency": currency}


@attrs.define(kw_only=True)
class FakeVariant:
    """One SKU of a product with options (``skus[]``)."""

    id: int
    sku: str
    price: Decimal
    cost_price: Decimal | None
    stock_quantity: int
    option_values: tuple[str, ...]
    has_special_price: bool = False

    def to_json(self, currency: str) -> dict[str, Any]:
        """The ``skus[]`` entry."""
        return {
            "id": self.id,
            "price": money_object(self.price, currency),
            "regular_price": money_object(self.price, currency),
            "cost_price": money_object(self.cost_price, currency) if self.cost_price is not None else None,
            # Salla answers {} instead of null for "no sale" on a SKU.
            "sale_price": {},
            "has_special_price": self.has_special_price,
            "stock_quantity": self.stock_quantity,
            "unlimited_quantity": False,
            "sku": self.sku,
            "barcode": "",
            "related_option_values": list(self.option_values),
        }


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
    # Fault injection: when set, rendered verbatim instead of the price object.
    raw_price_override: object = None

    def set_price(self, price: Decimal, *, updated_at: str) -> None:
        """Change the product price; variants without a price of their own follow it."""
        self.price = price
        for variant in self.variants:
            if not variant.has_special_price:
                variant.price = price
        self.updated_at = updated_at
        self.raw_price_override = None

    def find_variant(self, variant_id: int) -> FakeVariant | None:
        """The SKU with that id, or None."""
        return next((v for v in self.variants if v.id == variant_id), None)

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
                    "has_special_price": v.has_special_price,
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
            special = raw["has_special_price"]
            if not isinstance(special, bool):
                raise ValueError(f"variant {raw_id}: has_special_price must be true or false")
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
                variant.price, variant.cost_price, variant.has_special_price = parsed["variants"][variant.id]

    def _cost_json(self) -> object:
        if self.cost_price is None or self.cost_style == "null":
            return None
        if self.cost_style == "string":
            return str(money_json(self.cost_price))
        return money_json(self.cost_price)

    def _sale_end_json(self) -> object:
        if self.sale_end_style == "empty_object":
            return {}
        return self.sale_end

    def _quantity_json(self) -> object:
        if self.quantity is None:
            return None
        return str(self.quantity) if self.quantity_as_string else self.quantity

    def _taxed(self, amount: Decimal) -> tuple[Decimal, Decimal, Decimal]:
        """(pre-tax, tax, taxed) for a price, at KSA's 15%."""
        rate = Decimal("0.15")
        if self.with_tax:
            pre = (amount / (1 + rate)).quantize(Decimal("0.01"))
            return pre, amount - pre, amount
        tax = (amount * rate).quantize(Decimal("0.01"))
        return amount, tax, amount + tax

    def to_json(self, *, admin_base: str) -> dict[str, Any]:
        """The product as ``GET /products`` and ``GET /products/{id}`` return it."""
        pre, tax, taxed = self._taxed(self.price)
        sale = self.sale_price or Decimal("0")
        price: object = money_object(self.price, self.currency)
        if self.raw_price_override is not None:
            price = self.raw_price_override
        return {
            "id": self.id,
            "promotion": {"title": None, "sub_title": None},
            "sku": self.sku,
            "mpn": None,
            "gtin": self.gtin,
            "type": self.type,
            "name": self.name,
            "short_link_code": f"p{self.id}",
            "urls": {
                "customer": f"https://demo.salla.sa/product/p{self.id}",
                "admin": f"{admin_base}/products/{self.id}",
            },
            "price": price,
            "taxed_price": money_object(taxed, self.currency),
            "pre_tax_price": money_object(pre, self.currency),
            "tax": money_object(tax, self.currency),
            "description": "",
            "quantity": self._quantity_json(),
            "status": self.status,
            "is_available": self.status == "sale",
            "views": 0,
            "sale_price": money_object(sale, self.currency),
            "sale_end": self._sale_end_json(),
            "require_shipping": True,
            "cost_price": self._cost_json(),
            "weight": 0.5,
            "with_tax": self.with_tax,
            "unlimited_quantity": self.quantity is None,
            "sold_quantity": 0,
            "regular_price": money_object(self.price, self.currency),
            "updated_at": self.updated_at,
            "options": (
                [{"id": self.id * 10 + 1, "name": "المقاس", "type": "radio",
                  "values": sorted({v for variant in self.variants for v in variant.option_values})}]
                if self.variants else []
            ),
            "skus": [variant.to_json(self.currency) for variant in self.variants],
            "categories": [],
            "brand": None,
            "tags": [],
        }

    def to_light_json(self) -> dict[str, Any]:
        """The ``format=light`` shape: no cost price, no ``with_tax`` (so pricing clients avoid it)."""
        sale = self.sale_price or Decimal("0")
        return {
            "id": self.id,
            "type": self.type,
            "quantity": self._quantity_json(),
            "is_taxable": self.with_tax,
            "status": self.status,
            "sku": self.sku,
            "name": self.name,
            "price": money_json(self.price),
            "sale_price": money_json(sale),
            "currency": self.currency,
            "url": f"https://demo.salla.sa/product/p{self.id}",
            "thumbnail": None,
            "image": None,
            "brand": None,
            "tags": [],
            "has_special_price": sale > 0,
            "regular_price": money_json(self.price),
            "starting_price": None,
            "has_options": bool(self.variants),
        }
