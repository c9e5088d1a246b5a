"""The fake Salla's catalog: mutable product records and their JSON, shaped as Salla documents it.

Salla's own examples disagree about types (``cost_price`` as a string, a number or null,
``quantity`` as a string, ``sale_end`` as ``{}``); each record remembers which spelling it
uses so the same product always renders the same way and clients meet every variant.

Prices follow List Products' documented example (product 1994210129): a record keeps the
merchant's **regular** price; during a running sale the JSON's ``price`` (and taxed/pre-tax
prices) is the sale price, ``sale_price`` the sale amount and ``regular_price`` the regular
price. A SKU without a price of its own shows ``regular_price`` 0 ("the product's") and the
product's effective price and sale; ``has_special_price`` is true while a sale price applies.
The keys and types are checked against Salla's documented examples by the contract suite
(``tests/contract/test_salla_docs_contract.py``).
"""

from __future__ import annotations

from datetime import date
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

    def to_json(self, product: FakeProduct, today: date) -> dict[str, Any]:
        """The ``skus[]`` entry (and the ``PUT /products/variants/{id}`` answer's data)."""
        currency = product.currency
        if self.own_price:
            effective, regular, sale = self.price, self.price, None
        else:
            sale = product.running_sale(today)
            effective, regular = product.effective_price(today), Decimal(0)  # 0: "the product's"
        return {
            "id": self.id,
            "price": money_object(effective, currency),
            "regular_price": money_object(regular, currency),
            # Salla shows {"amount": 0} for a SKU whose cost is set on the product only.
            "cost_price": money_object(self.cost_price or Decimal(0), currency),
            # Salla answers {} instead of an amount for "no sale" on a SKU.
            "sale_price": money_object(sale, currency) if sale is not None else {},
            "has_special_price": sale is not None,
            "stock_quantity": self.stock_quantity,
            "unlimited_quantity": False,
            "notify_low": "5",
            "barcode": "",
            "sku": self.sku,
            "mpn": "",
            "gtin": "",
            "related_options": [product.option_id()],
            "related_option_values": [self.option_value_id()],
            "weight": 1,
            "weight_type": "kg",
            "weight_label": "١ كجم",
            "is_user_subscribed_to_sku": False,
            "is_default": False,
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
            return 0  # unlimited: Salla's documented examples still show a count next to the flag
        return str(self.quantity) if self.quantity_as_string else self.quantity

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

    def _options_json(self) -> list[dict[str, Any]]:
        if not self.variants:
            return []
        option_id = self.option_id()
        values = [
            {
                "id": variant.option_value_id(),
                "name": label,
                "price": money_object(Decimal(0), self.currency),
                "formatted_price": "",
                "display_value": "",
                "advance": True,
                "option_id": option_id,
                "image_url": "",
                "hashed_display_value": "",
                "translations": {"ar": {"option_details_name": label}},
                "is_default": False,
                "is_out_of_stock": variant.stock_quantity == 0,
            }
            for variant in self.variants
            for label in variant.option_values[:1]
        ]
        return [{
            "id": option_id,
            "name": "المقاس",
            "description": "",
            "type": "radio",
            "required": True,
            "associated_with_order_time": 0,
            "availability_range": False,
            "not_same_day_order": False,
            "choose_date_time": False,
            "from_date_time": "2026-01-01 00:00:00",
            "to_date_time": "2026-01-01 00:00:00",
            "sort": 0,
            "advance": True,
            "display_type": "text",
            "visibility": "always",
            "translations": {"ar": {"option_name": "المقاس", "description": ""}},
            "values": values,
        }]

    def _taxed(self, amount: Decimal) -> tuple[Decimal, Decimal, Decimal]:
        """(pre-tax, tax, taxed) for a price, at KSA's 15%."""
        rate = Decimal("0.15")
        if self.with_tax:
            pre = (amount / (1 + rate)).quantize(Decimal("0.01"))
            return pre, amount - pre, amount
        tax = (amount * rate).quantize(Decimal("0.01"))
        return amount, tax, amount + tax

    def _customer_url(self) -> str:
        return f"https://demo.salla.sa/product/p{self.id}"

    def to_json(self, *, admin_base: str, today: date) -> dict[str, Any]:
        """The product as ``GET /products`` and ``GET /products/{id}`` return it (documented keys only)."""
        effective = self.effective_price(today)
        pre, tax, taxed = self._taxed(effective)
        sale = self.sale_price or Decimal("0")
        price: object = money_object(effective, self.currency)
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
            "urls": {"customer": self._customer_url(), "admin": f"{admin_base}/products/{self.id}"},
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
            "weight_type": "kg",
            "with_tax": self.with_tax,
            "url": self._customer_url(),
            "main_image": None,
            "images": [],
            "sold_quantity": 0,
            "rating": {"total": 0, "count": 0, "rate": 0},
            "regular_price": money_object(self.price, self.currency),
            "max_items_per_user": 0,
            "maximum_quantity_per_order": None,
            "show_in_app": True,
            "notify_quantity": None,
            "hide_quantity": False,
            "unlimited_quantity": self.quantity is None,
            "managed_by_branches": False,
            "services_blocks": {"installments": []},
            "calories": None,
            "metadata": {"title": None, "description": None},
            "allow_attachments": False,
            "is_pinned": False,
            "pinned_date": self.updated_at,
            "sort": 0,
            "enable_upload_image": False,
            "updated_at": self.updated_at,
            "options": self._options_json(),
            "skus": [variant.to_json(self, today) for variant in self.variants],
            "categories": [{"id": cid, "name": cname, "urls": {"customer": f"{self._customer_url()}/c{cid}",
                                                                "admin": "https://s.salla.sa/categories"},
                            "items": [], "parent_id": 0, "status": "active", "sort_order": 1,
                            "update_at": {"date": "2026-01-01 09:00:00.000000", "timezone_type": 3,
                                          "timezone": "Asia/Riyadh"}}
                           for cid, cname in self.categories],
            "brand": None,
            "tags": [],
        }

    def to_light_json(self, today: date) -> dict[str, Any]:
        """An item of ``GET /products?format=light`` as documented: price objects, no cost, no ``with_tax``."""
        sale = self.running_sale(today)
        url = self._customer_url()
        return {
            "id": self.id,
            "type": self.type,
            "quantity": self.quantity or 0,  # a number in the documented light items
            "is_taxable": self.with_tax,
            "category": {"name": self.type, "url": url},
            "status": self.status,
            "sku": self.sku,
            "name": self.name,
            "price": money_object(self.effective_price(today), self.currency),
            "sale_price": money_object(self.sale_price or Decimal("0"), self.currency),
            "currency": self.currency,
            "url": url,
            "thumbnail": f"{url}/thumbnail.png",
            "image": {"url": f"{url}/image.png"},
            "brand": {"id": "0", "url": url, "name": ""},
            "tags": [],
            "has_special_price": sale is not None,
            "regular_price": money_object(self.price, self.currency),
            "starting_price": {},
            "has_options": bool(self.variants),
        }
