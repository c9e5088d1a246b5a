"""Reading Salla's product JSON into core ``Product``s, defensively.

Salla's examples disagree about types: ``price`` is ``{amount, currency}`` in the API and a
flat number in webhooks; ``cost_price`` is a number, a string (``"35"``), an object or null;
``quantity`` is sometimes a string; ``sale_end`` is a date, null, ``{}`` or (light format) a
Unix timestamp. Everything here accepts each spelling. A product that cannot be priced safely
becomes a ``RejectedItem`` with a reason; nothing in here raises for one bad product.

Prices: during a sale Salla's ``price`` is the **sale** price (List Products' documented
product 1994210129: ``price`` 79, ``sale_price`` 79, ``regular_price`` 159). The merchant's own
price, the one the optimizer reprices and the one ``bulkPrice`` and ``PUT /products/variants``
write, is ``regular_price`` when above 0. ``read_listed_prices`` is the one place that reads
them, for products, SKUs, the variant update answer and ``product.price.updated`` payloads.

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
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs

from pricing_core.catalog import Product
from pricing_core.money import MoneyError, quantize, to_decimal
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


def _sale_date(value: object) -> date | None:
    """A sale's last day from ``"2025-06-23"``, a Unix timestamp, or Salla's ``{"date": ...}``; else None."""
    if isinstance(value, Mapping):
        value = value.get("date")
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


@attrs.frozen(kw_only=True)
class ListedPrices:
    """A product's or SKU's prices as Salla lists them.

    ``effective``: what customers pay now (Salla's ``price``; the sale price during a sale).
    ``regular``: the merchant's own price, the one we reprice and write; None when the answer
    does not show it (``price`` equals the sale amount and there is no ``regular_price``).
    ``sale``: the sale amount Salla reports (it keeps it after the sale ended; 0 or None is no
    sale). ``sale_end``: the sale's last day when known (None: open-ended or not given).
    """

    effective: Decimal
    regular: Decimal | None
    sale: Decimal | None = None
    sale_end: date | None = None

    def running_sale(self, today: date) -> Decimal | None:
        """The sale amount when a sale runs on ``today``: above 0, below the regular price, not ended."""
        if self.sale is None or self.sale <= 0:
            return None
        if self.regular is not None and self.sale >= self.regular:
            return None
        if self.sale_end is not None and self.sale_end < today:
            return None
        return self.sale


def read_listed_prices(
    raw: Mapping[str, object],
    *,
    inherited_regular: Decimal | None = None,
    inherited_sale_end: date | None = None,
) -> ListedPrices | None:
    """The prices of one Salla product, SKU, variant answer or ``product.price.updated`` payload.

    None when there is no ``price``. Raises ``UnreadableAmount`` (naming the field) when
    ``price`` or ``regular_price`` is there but not a number. ``inherited_regular`` is the
    product's regular price, for a SKU whose ``regular_price`` is 0 ("the product's");
    ``inherited_sale_end`` the product's ``sale_end`` (SKUs carry none). The light format's
    ``prices`` object and the webhook's ``sale_price.expired_at`` are read too.
    """
    source: Mapping[str, object] = raw
    nested = raw.get("prices")
    if "price" not in raw and isinstance(nested, Mapping):
        source = nested  # format=light: {"prices": {"price", "sale_price", "regular_price"}}
    effective = _field_amount(source, "price")
    if effective is None:
        return None
    listed_regular = _field_amount(source, "regular_price")
    sale_field = source.get("sale_price")
    try:
        sale = read_amount(sale_field)
    except UnreadableAmount:
        sale = None  # an unreadable sale amount is no sale; the regular price still decides
    sale_end = _sale_date(raw.get("sale_end"))
    if sale_end is None and isinstance(sale_field, Mapping):
        sale_end = _sale_date(sale_field.get("expired_at"))
    if sale_end is None:
        sale_end = inherited_sale_end
    if listed_regular is not None and listed_regular > 0:
        regular: Decimal | None = listed_regular
    elif listed_regular is not None and inherited_regular is not None:
        regular = inherited_regular  # a SKU's regular_price 0: the product's
    elif sale is not None and sale > 0 and sale == effective:
        regular = None  # ``price`` is the sale price and nothing shows the merchant's own
    else:
        regular = effective
    return ListedPrices(effective=effective, regular=regular, sale=sale, sale_end=sale_end)


def _field_amount(source: Mapping[str, object], field: str) -> Decimal | None:
    try:
        return read_amount(source.get(field))
    except UnreadableAmount as exc:
        raise UnreadableAmount(f"{field} is not a number: {source.get(field)!r}") from exc


def listed_regular_price(raw: object) -> Decimal | None:
    """The merchant's regular price (2 decimals) in a Salla product, SKU, variant answer or price event.

    None when it does not show one or cannot be read: callers treat that as "unknown", never
    as a match. This is what post-write confirmation and echo detection compare with the
    price we wrote, so they compare like with like (regular with regular).
    """
    if not isinstance(raw, Mapping):
        return None
    try:
        listed = read_listed_prices(raw)
        if listed is None:
            # A payload with only ``regular_price`` still tells the merchant's price.
            amount = _field_amount(raw, "regular_price")
            return quantize(amount) if amount is not None and amount > 0 else None
        return None if listed.regular is None else quantize(listed.regular)
    except (UnreadableAmount, ArithmeticError):  # not a number, or too large to spell in 2 decimals
        return None


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


def _grouping(raw: Mapping[str, object]) -> _Grouping:
    """Categories (ids), brand (id) and tags (names) as pricing rules match them.

    Salla's documented list shows categories as ``[{id, name, ...}]``, brand as ``{id, name, url}``
    or ``{}`` or null, tags as ``[{name, url}]``. Ids are preferred where there is one: a
    category's name is translated and may be renamed, its id stays.
    """
    categories = raw.get("categories")
    tags = raw.get("tags")
    return _Grouping(
        categories=tuple(c for c in (_label_of(i, "id", "name") for i in categories) if c)
        if isinstance(categories, list) else (),
        brand=_label_of(raw.get("brand"), "id", "name") if raw.get("brand") else None,
        tags=tuple(t for t in (_label_of(i, "name", "id") for i in tags) if t) if isinstance(tags, list) else (),
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
