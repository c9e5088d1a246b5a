"""The fake Salla's product JSON: products, their SKUs and options, as Salla documents them.

Salla's own examples disagree about types (``cost_price`` as a string, a number or null,
``quantity`` as a string, ``sale_end`` as ``{}``); each record (``catalog.py``) remembers which
spelling it uses so the same product always renders the same way and clients meet every variant.

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
from decimal import Decimal
from typing import Any

from adapters.fake_salla.catalog import FakeProduct, FakeVariant


def money_json(amount: Decimal) -> int | float:
    """A Decimal as Salla writes it: a JSON number in major units (``100``, ``910.8``)."""
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


def money_object(amount: Decimal, currency: str) -> dict[str, Any]:
    """Salla's ``{"amount": ..., "currency": ...}`` price object."""
    return {"amount": money_json(amount), "currency": currency}


def variant_json(variant: FakeVariant, product: FakeProduct, today: date) -> dict[str, Any]:
    """The ``skus[]`` entry (and the ``PUT /products/variants/{id}`` answer's data)."""
    currency = product.currency
    if variant.own_price:
        effective, regular, sale = variant.price, variant.price, None
    else:
        sale = product.running_sale(today)
        effective, regular = product.effective_price(today), Decimal(0)  # 0: "the product's"
    return {
        "id": variant.id,
        "price": money_object(effective, currency),
        "regular_price": money_object(regular, currency),
        # Salla shows {"amount": 0} for a SKU whose cost is set on the product only.
        "cost_price": money_object(variant.cost_price or Decimal(0), currency),
        # Salla answers {} instead of an amount for "no sale" on a SKU.
        "sale_price": money_object(sale, currency) if sale is not None else {},
        "has_special_price": sale is not None,
        "stock_quantity": variant.stock_quantity,
        "unlimited_quantity": False,
        "notify_low": "5",
        "barcode": "",
        "sku": variant.sku,
        "mpn": "",
        "gtin": "",
        "related_options": [product.option_id()],
        "related_option_values": [variant.option_value_id()],
        "weight": 1,
        "weight_type": "kg",
        "weight_label": "١ كجم",
        "is_user_subscribed_to_sku": False,
        "is_default": False,
    }


def product_json(product: FakeProduct, *, admin_base: str, today: date) -> dict[str, Any]:
    """The product as ``GET /products`` and ``GET /products/{id}`` return it (documented keys only)."""
    effective = product.effective_price(today)
    pre, tax, taxed = _taxed(product, effective)
    sale = product.sale_price or Decimal("0")
    price: object = money_object(effective, product.currency)
    if product.raw_price_override is not None:
        price = product.raw_price_override
    return {
        "id": product.id,
        "promotion": {"title": None, "sub_title": None},
        "sku": product.sku,
        "mpn": None,
        "gtin": product.gtin,
        "type": product.type,
        "name": product.name,
        "short_link_code": f"p{product.id}",
        "urls": {"customer": _customer_url(product), "admin": f"{admin_base}/products/{product.id}"},
        "price": price,
        "taxed_price": money_object(taxed, product.currency),
        "pre_tax_price": money_object(pre, product.currency),
        "tax": money_object(tax, product.currency),
        "description": "",
        "quantity": _quantity_json(product),
        "status": product.status,
        "is_available": product.status == "sale",
        "views": 0,
        "sale_price": money_object(sale, product.currency),
        "sale_end": _sale_end_json(product),
        "require_shipping": True,
        "cost_price": _cost_json(product),
        "weight": 0.5,
        "weight_type": "kg",
        "with_tax": product.with_tax,
        "url": _customer_url(product),
        "main_image": None,
        "images": [],
        "sold_quantity": 0,
        "rating": {"total": 0, "count": 0, "rate": 0},
        "regular_price": money_object(product.price, product.currency),
        "max_items_per_user": 0,
        "maximum_quantity_per_order": None,
        "show_in_app": True,
        "notify_quantity": None,
        "hide_quantity": False,
        "unlimited_quantity": product.quantity is None,
        "managed_by_branches": False,
        "services_blocks": {"installments": []},
        "calories": None,
        "metadata": {"title": None, "description": None},
        "allow_attachments": False,
        "is_pinned": False,
        "pinned_date": product.updated_at,
        "sort": 0,
        "enable_upload_image": False,
        "updated_at": product.updated_at,
        "options": _options_json(product),
        "skus": [variant_json(variant, product, today) for variant in product.variants],
        "categories": [{"id": cid, "name": cname, "urls": {"customer": f"{_customer_url(product)}/c{cid}",
                                                            "admin": "https://s.salla.sa/categories"},
                        "items": [], "parent_id": 0, "status": "active", "sort_order": 1,
                        "update_at": {"date": "2026-01-01 09:00:00.000000", "timezone_type": 3,
                                      "timezone": "Asia/Riyadh"}}
                       for cid, cname in product.categories],
        "brand": None,
        "tags": [],
    }


def light_json(product: FakeProduct, today: date) -> dict[str, Any]:
    """An item of ``GET /products?format=light`` as documented: price objects, no cost, no ``with_tax``."""
    sale = product.running_sale(today)
    url = _customer_url(product)
    return {
        "id": product.id,
        "type": product.type,
        "quantity": product.quantity or 0,  # a number in the documented light items
        "is_taxable": product.with_tax,
        "category": {"name": product.type, "url": url},
        "status": product.status,
        "sku": product.sku,
        "name": product.name,
        "price": money_object(product.effective_price(today), product.currency),
        "sale_price": money_object(product.sale_price or Decimal("0"), product.currency),
        "currency": product.currency,
        "url": url,
        "thumbnail": f"{url}/thumbnail.png",
        "image": {"url": f"{url}/image.png"},
        "brand": {"id": "0", "url": url, "name": ""},
        "tags": [],
        "has_special_price": sale is not None,
        "regular_price": money_object(product.price, product.currency),
        "starting_price": {},
        "has_options": bool(product.variants),
    }


def _cost_json(product: FakeProduct) -> object:
    if product.cost_price is None or product.cost_style == "null":
        return None
    if product.cost_style == "string":
        return str(money_json(product.cost_price))
    return money_json(product.cost_price)


def _sale_end_json(product: FakeProduct) -> object:
    if product.sale_end_style == "empty_object":
        return {}
    return product.sale_end


def _quantity_json(product: FakeProduct) -> object:
    if product.quantity is None:
        return 0  # unlimited: Salla's documented examples still show a count next to the flag
    return str(product.quantity) if product.quantity_as_string else product.quantity


def _options_json(product: FakeProduct) -> list[dict[str, Any]]:
    if not product.variants:
        return []
    option_id = product.option_id()
    values = [
        {
            "id": variant.option_value_id(),
            "name": label,
            "price": money_object(Decimal(0), product.currency),
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
        for variant in product.variants
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


def _taxed(product: FakeProduct, amount: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(pre-tax, tax, taxed) for a price, at KSA's 15%."""
    rate = Decimal("0.15")
    if product.with_tax:
        pre = (amount / (1 + rate)).quantize(Decimal("0.01"))
        return pre, amount - pre, amount
    tax = (amount * rate).quantize(Decimal("0.01"))
    return amount, tax, amount + tax


def _customer_url(product: FakeProduct) -> str:
    return f"https://demo.salla.sa/product/p{product.id}"


__all__ = ["light_json", "money_json", "money_object", "product_json", "variant_json"]
