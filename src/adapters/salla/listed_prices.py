"""Reading Salla's prices, in every spelling Salla uses: amounts, and the effective, regular and sale price.

``price`` is ``{amount, currency}`` in the API and a flat number in webhooks; ``sale_end`` is a
date, null, ``{}`` or (light format) a Unix timestamp. During a sale Salla's ``price`` is the
**sale** price (List Products' documented product 1994210129: ``price`` 79, ``sale_price`` 79,
``regular_price`` 159). The merchant's own price, the one the optimizer reprices and the one
``bulkPrice`` and ``PUT /products/variants`` write, is ``regular_price`` when above 0.
``read_listed_prices`` is the one place that reads them, for products, SKUs, the variant update
answer and ``product.price.updated`` payloads; ``listed_regular_price`` is what post-write
confirmation and echo detection compare with the price written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs

from pricing_core.money import MoneyError, quantize, to_decimal


class UnreadableAmount(ValueError):
    """A price field that is present but not a number."""


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


__all__ = ["ListedPrices", "UnreadableAmount", "listed_regular_price", "read_amount", "read_listed_prices"]
