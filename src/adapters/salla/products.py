"""Reading Salla's product JSON into core ``Product``s, defensively.

Salla's examples disagree about types: ``cost_price`` is a number, a string (``"35"``), an
object or null; ``quantity`` is sometimes a string. Everything here accepts each spelling. A
product that cannot be priced safely becomes a ``RejectedItem`` with a reason; nothing in here
raises for one bad product.

Prices are read by ``listed_prices.py`` (re-exported here): a product's price in the core is the
merchant's **regular** price, and a product on sale is left alone.

Variants: a SKU's ``regular_price`` of 0 means "the product's". A product whose SKUs all have
the product's regular price is one ``Product`` (a bulk update of the product moves them). When
any SKU has a regular price of its own, each SKU becomes a ``Product`` with id
``"<product id>:<sku id>"`` and ``variant_of`` the product id, and the product itself is not
priced; those are written with ``PUT /products/variants/{sku id}``. ``has_special_price`` is
not read as "own price": Salla sets it for a SKU or product with a sale price (the light
format's documented example has it true next to a sale).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import attrs

from adapters.salla.listed_prices import (
    ListedPrices,
    UnreadableAmount,
    listed_regular_price,
    read_amount,
    read_listed_prices,
)
from pricing_core.catalog import Product
from pricing_core.ports import RejectedItem

VARIANT_SEPARATOR = ":"


def variant_id(product_id: str, sku_id: str) -> str:
    """The core id of a SKU with its own price."""
    return f"{product_id}{VARIANT_SEPARATOR}{sku_id}"


def split_variant_id(core_id: str) -> tuple[str, str | None]:
    """``"123:456"`` -> ``("123", "456")``; ``"123"`` -> ``("123", None)``."""
    product, sep, variant = core_id.partition(VARIANT_SEPARATOR)
    return product, (variant if sep else None)


def _optional_cost(value: object, *, zero_is_unknown: bool = False) -> Decimal | None:
    """A cost, or None when unknown. An unreadable or negative cost is treated as unknown (safe).

    ``zero_is_unknown`` is for SKUs: Salla's documented SKUs show ``cost_price {"amount": 0}``
    under a product whose cost is 35, so 0 there means "not set", not "costs nothing" (which
    would drop the margin floor to nothing). The product's cost is not borrowed either: a SKU
    with a price of its own may cost more than the product.
    """
    try:
        cost = read_amount(value)
    except UnreadableAmount:
        return None
    if cost is None or cost < 0 or (zero_is_unknown and cost == 0):
        return None
    return cost


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


def _label_of(item: object, *keys: str) -> str | None:
    """The first non-empty of ``keys`` in a Salla ``{id, name, ...}`` object (or the value itself when plain)."""
    if isinstance(item, Mapping):
        for key in keys:
            value = item.get(key)
            if value is not None and not isinstance(value, Mapping | list) and str(value).strip():
                return str(value).strip()
        return None
    if isinstance(item, str | int) and not isinstance(item, bool) and str(item).strip():
        return str(item).strip()
    return None


@attrs.frozen
class _Grouping:
    categories: tuple[str, ...]
    brand: str | None
    tags: tuple[str, ...]
    category_names: tuple[tuple[str, str], ...] = ()
    brand_name: str | None = None


def _grouping(raw: Mapping[str, object]) -> _Grouping:
    """Categories (ids), brand (id) and tags (names) as pricing rules match them.

    Salla's documented list shows categories as ``[{id, name, ...}]``, brand as ``{id, name, url}``
    or ``{}`` or null, tags as ``[{name, url}]``. Ids are preferred where there is one: a
    category's name is translated and may be renamed, its id stays.
    """
    categories = raw.get("categories")
    tags = raw.get("tags")
    brand = raw.get("brand")
    listed = categories if isinstance(categories, list) else []
    names = [(_label_of(i, "id", "name"), _label_of(i, "name")) for i in listed if isinstance(i, Mapping)]
    return _Grouping(
        categories=tuple(c for c in (_label_of(i, "id", "name") for i in listed) if c),
        brand=_label_of(brand, "id", "name") if brand else None,
        tags=tuple(t for t in (_label_of(i, "name", "id") for i in tags) if t) if isinstance(tags, list) else (),
        # The names Salla gives with the ids, for pages (the catalog filters, the rules editor).
        category_names=tuple((cid, name) for cid, name in names if cid and name),
        brand_name=_label_of(brand, "name") if isinstance(brand, Mapping) else None,
    )


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


def _sale_reason(listed: ListedPrices, sale: Decimal) -> str:
    until = f" until {listed.sale_end.isoformat()}" if listed.sale_end else ""
    regular = f" (regular price {listed.regular})" if listed.regular is not None else ""
    return f"skipped: on sale at {sale}{until}{regular}; the merchant's promotion is left alone"


def _unpriceable(listed: ListedPrices, today: date) -> str | None:
    """Why these prices cannot be repriced (a running sale, no regular price shown), or None."""
    sale = listed.running_sale(today)
    if sale is not None:
        return _sale_reason(listed, sale)
    if listed.regular is None:
        return (f"Salla shows only the sale price {listed.effective}, not the regular price; "
                "left alone rather than priced from the sale price")
    if listed.regular < 0:
        return f"negative price: {listed.regular}"
    return None


def parse_product(
    raw: object, *, today: date, default_currency: str = "SAR"
) -> tuple[list[Product], list[RejectedItem]]:
    """One item of ``GET /products`` -> the core products it yields and the parts rejected.

    A product's ``price`` in the core is the merchant's regular price (see the module doc).
    """
    if not isinstance(raw, Mapping):
        return [], [RejectedItem(product_id=None, reason=f"not a product object: {type(raw).__name__}")]
    raw_id = raw.get("id")
    if raw_id is None or isinstance(raw_id, bool) or str(raw_id).strip() == "":
        return [], [RejectedItem(product_id=None, reason="product without an id")]
    product_id = str(raw_id)
    if raw.get("status") == "deleted":
        return [], [RejectedItem(product_id=product_id, reason="skipped: product is deleted")]
    try:
        listed = read_listed_prices(raw)
    except UnreadableAmount as exc:
        return [], [RejectedItem(product_id=product_id, reason=str(exc))]
    if listed is None:
        return [], [RejectedItem(product_id=product_id, reason="product has no price")]
    if listed.effective < 0:
        return [], [RejectedItem(product_id=product_id, reason=f"negative price: {listed.effective}")]
    why_not = _unpriceable(listed, today)
    if why_not is not None:
        return [], [RejectedItem(product_id=product_id, reason=why_not)]
    regular = listed.regular
    assert regular is not None  # _unpriceable rejected the other case
    currency = _currency(raw, default_currency)
    name = _text(raw.get("name"))
    with_tax = _bool(raw.get("with_tax"), True)
    status = _text(raw.get("status")) or "sale"
    cost = _optional_cost(raw.get("cost_price"))
    grouping = _grouping(raw)
    own_priced = _own_priced_skus(raw.get("skus"), regular)
    if own_priced is None:
        product = Product(
            id=product_id,
            sku=_text(raw.get("sku")) or None,
            name=name,
            price=regular,
            cost_price=cost,
            prices_include_vat=with_tax,
            currency=currency,
            status=status,
            quantity=_quantity(raw.get("quantity"), raw.get("unlimited_quantity")),
            gtin=_text(raw.get("gtin")) or None,
            categories=grouping.categories, brand=grouping.brand, tags=grouping.tags,
            category_names=grouping.category_names, brand_name=grouping.brand_name,
        )
        return [product], []
    products: list[Product] = []
    rejected: list[RejectedItem] = []
    for entry in own_priced:
        entry_id = entry.get("id")
        if entry_id is None:
            rejected.append(RejectedItem(product_id=product_id, reason="variant without an id"))
            continue
        core_id = variant_id(product_id, str(entry_id))
        try:
            sku_listed = read_listed_prices(entry, inherited_regular=regular, inherited_sale_end=listed.sale_end)
        except UnreadableAmount as exc:
            rejected.append(RejectedItem(product_id=core_id, reason=f"variant {exc}"))
            continue
        if sku_listed is None or sku_listed.effective < 0:
            rejected.append(RejectedItem(product_id=core_id, reason="variant has no usable price"))
            continue
        why_not = _unpriceable(sku_listed, today)
        if why_not is not None:
            rejected.append(RejectedItem(product_id=core_id, reason=f"variant {why_not}"))
            continue
        assert sku_listed.regular is not None
        label = _text(entry.get("sku")) or str(entry_id)
        products.append(
            Product(
                id=core_id,
                sku=_text(entry.get("sku")) or None,
                name=f"{name} ({label})" if name else label,
                price=sku_listed.regular,
                cost_price=_optional_cost(entry.get("cost_price"), zero_is_unknown=True),
                prices_include_vat=with_tax,
                currency=currency,
                status=status,
                quantity=_quantity(entry.get("stock_quantity"), entry.get("unlimited_quantity")),
                gtin=_text(entry.get("gtin")) or None,
                variant_of=product_id,
                categories=grouping.categories, brand=grouping.brand, tags=grouping.tags,
                category_names=grouping.category_names, brand_name=grouping.brand_name,
            )
        )
    return products, rejected


def _own_priced_skus(skus: object, product_regular: Decimal) -> list[Mapping[str, object]] | None:
    """The SKU list when any SKU has a regular price of its own, else None (the product is priced whole)."""
    if not isinstance(skus, list) or not skus:
        return None
    entries = [s for s in skus if isinstance(s, Mapping)]
    for entry in entries:
        try:
            listed = read_listed_prices(entry, inherited_regular=product_regular)
        except UnreadableAmount:
            return entries  # let the variant path reject it with a reason
        if listed is not None and listed.regular != product_regular:
            return entries
    return None


__all__ = [
    "VARIANT_SEPARATOR",
    "ListedPrices",
    "UnreadableAmount",
    "listed_regular_price",
    "parse_product",
    "read_amount",
    "read_listed_prices",
    "split_variant_id",
    "variant_id",
]
