"""Reading Salla's product JSON into core ``Product``s, defensively.

Salla's examples disagree about types: ``price`` is ``{amount, currency}`` in the API and a
flat number in webhooks; ``cost_price`` is a number, a string (``"35"``), an object or null;
``quantity`` is sometimes a string; ``sale_end`` is a date, null or ``{}``. Everything here
accepts each spelling. A product that cannot be priced safely becomes a ``RejectedItem`` with
a reason; nothing in here raises for one bad product.

Variants: a product whose SKUs all follow the product price is one ``Product`` (Salla moves
those SKUs with the product price, so one bulk update covers them). When any SKU has a price
of its own (``has_special_price`` or a different amount), each SKU becomes a ``Product`` with
id ``"<product id>:<sku id>"`` and ``variant_of`` the product id, and the product itself is not
priced; those are written with ``PUT /products/variants/{sku id}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from pricing_core.catalog import Product
from pricing_core.money import MoneyError, to_decimal
from pricing_core.ports import RejectedItem

VARIANT_SEPARATOR = ":"


class UnreadableAmount(ValueError):
    """A price field that is present but not a number."""


def variant_id(product_id: str, sku_id: str) -> str:
    """The core id of a SKU with its own price."""
    return f"{product_id}{VARIANT_SEPARATOR}{sku_id}"


def split_variant_id(core_id: str) -> tuple[str, str | None]:
    """``"123:456"`` -> ``("123", "456")``; ``"123"`` -> ``("123", None)``."""
    product, sep, variant = core_id.partition(VARIANT_SEPARATOR)
    return product, (variant if sep else None)


def read_amount(value: object) -> Decimal | None:
    """An amount from any of Salla's spellings; None when absent (null, ``""``, ``{}``).

    Raises ``UnreadableAmount`` when a value is there but is not a finite number.
    """
    if isinstance(value, Mapping):
        if not value:
            return None
        value = value.get("amount")
    if value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, list) and not value):
        return None
    try:
        return to_decimal(value)
    except MoneyError as exc:
        raise UnreadableAmount(f"not a number: {value!r}") from exc


def _optional_cost(value: object) -> Decimal | None:
    """A cost, or None when unknown. An unreadable or negative cost is treated as unknown (safe)."""
    try:
        cost = read_amount(value)
    except UnreadableAmount:
        return None
    return cost if cost is not None and cost >= 0 else None


def _quantity(value: object, unlimited: object) -> int | None:
    if unlimited is True or value is None:
        return None
    try:
        return int(Decimal(str(value).strip()))
    except (ArithmeticError, ValueError):
        return None


def _text(value: object) -> str:
    if isinstance(value, Mapping):  # localized {"ar": ..., "en": ...}
        parts = [str(v) for v in value.values() if v]
        return " - ".join(parts)
    return "" if value is None else str(value)


def _currency(raw: Mapping[str, object], default: str) -> str:
    price = raw.get("price")
    if isinstance(price, Mapping) and isinstance(price.get("currency"), str):
        return str(price["currency"])
    currency = raw.get("currency")
    return currency if isinstance(currency, str) and currency else default


def _bool(value: object, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return default


def _active_sale(raw: Mapping[str, object], price: Decimal, today: date) -> str | None:
    """A description of a running sale, or None. ``sale_end`` of null/``{}`` means open-ended."""
    try:
        sale = read_amount(raw.get("sale_price"))
    except UnreadableAmount:
        return None
    if sale is None or sale <= 0 or sale >= price:
        return None
    end = raw.get("sale_end")
    if isinstance(end, str) and end.strip():
        try:
            if date.fromisoformat(end.strip()[:10]) < today:
                return None  # the sale is over; Salla still reports its amount
        except ValueError:
            pass
        return f"on sale at {sale} until {end.strip()[:10]}"
    return f"on sale at {sale}"


def parse_product(
    raw: object, *, today: date, default_currency: str = "SAR"
) -> tuple[list[Product], list[RejectedItem]]:
    """One item of ``GET /products`` -> the core products it yields and the parts rejected."""
    if not isinstance(raw, Mapping):
        return [], [RejectedItem(product_id=None, reason=f"not a product object: {type(raw).__name__}")]
    raw_id = raw.get("id")
    if raw_id is None or isinstance(raw_id, bool) or str(raw_id).strip() == "":
        return [], [RejectedItem(product_id=None, reason="product without an id")]
    product_id = str(raw_id)
    if raw.get("status") == "deleted":
        return [], [RejectedItem(product_id=product_id, reason="skipped: product is deleted")]
    try:
        price = read_amount(raw.get("price"))
    except UnreadableAmount:
        return [], [RejectedItem(product_id=product_id, reason=f"price is not a number: {raw.get('price')!r}")]
    if price is None:
        return [], [RejectedItem(product_id=product_id, reason="product has no price")]
    if price < 0:
        return [], [RejectedItem(product_id=product_id, reason=f"negative price: {price}")]
    sale = _active_sale(raw, price, today)
    if sale is not None:
        return [], [RejectedItem(
            product_id=product_id, reason=f"skipped: {sale}; the merchant's promotion is left alone"
        )]
    currency = _currency(raw, default_currency)
    name = _text(raw.get("name"))
    sku = _text(raw.get("sku")) or None
    gtin = _text(raw.get("gtin")) or None
    with_tax = _bool(raw.get("with_tax"), True)
    status = _text(raw.get("status")) or "sale"
    skus = raw.get("skus")
    own_priced = _own_priced_skus(skus, price)
    if own_priced is None:
        product = Product(
            id=product_id,
            sku=sku,
            name=name,
            price=price,
            cost_price=_optional_cost(raw.get("cost_price")),
            prices_include_vat=with_tax,
            currency=currency,
            status=status,
            quantity=_quantity(raw.get("quantity"), raw.get("unlimited_quantity")),
            gtin=gtin,
        )
        return [product], []
    products: list[Product] = []
    rejected: list[RejectedItem] = []
    for entry in own_priced:
        entry_id = entry.get("id")
        core_id = variant_id(product_id, str(entry_id))
        if entry_id is None:
            rejected.append(RejectedItem(product_id=product_id, reason="variant without an id"))
            continue
        try:
            variant_price = read_amount(entry.get("price"))
        except UnreadableAmount:
            rejected.append(RejectedItem(
                product_id=core_id, reason=f"variant price is not a number: {entry.get('price')!r}"
            ))
            continue
        if variant_price is None or variant_price < 0:
            rejected.append(RejectedItem(product_id=core_id, reason="variant has no usable price"))
            continue
        label = _text(entry.get("sku")) or str(entry_id)
        products.append(
            Product(
                id=core_id,
                sku=_text(entry.get("sku")) or None,
                name=f"{name} ({label})" if name else label,
                price=variant_price,
                cost_price=_optional_cost(entry.get("cost_price")),
                prices_include_vat=with_tax,
                currency=currency,
                status=status,
                quantity=_quantity(entry.get("stock_quantity"), entry.get("unlimited_quantity")),
                gtin=_text(entry.get("gtin")) or None,
                variant_of=product_id,
            )
        )
    return products, rejected


def _own_priced_skus(skus: object, product_price: Decimal) -> list[Mapping[str, object]] | None:
    """The SKU list when any SKU has a price of its own, else None (the product is priced whole)."""
    if not isinstance(skus, list) or not skus:
        return None
    entries = [s for s in skus if isinstance(s, Mapping)]
    for entry in entries:
        if entry.get("has_special_price") is True:
            return entries
        try:
            amount = read_amount(entry.get("price"))
        except UnreadableAmount:
            return entries  # let the variant path reject it with a reason
        if amount is not None and amount != product_price:
            return entries
    return None
