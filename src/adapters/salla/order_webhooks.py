"""An order webhook's ``data`` read into what the sales history needs: the order's sold lines.

Salla's order events carry the order (``id``, ``date``, ``status``, ``updated_at``, ``items``).
Items come in two shapes and both are read: the order model's, where an item names its product
(``product: {id, ...}``, as Order Details' "Full Details" example shows) next to its ``sku``, and
List Order Items' (``tests/contract/salla_docs/order_items.json``), which names it by ``sku``
only. Either way an item's revenue is its ``amounts.total`` (before tax) plus ``amounts.tax.amount``,
as the orders sync reads it (``adapters/salla/orders.py``).

One unreadable item (a quantity that is no whole number, no amounts, neither product nor SKU)
is refused with its reason and the other items are still read. Customer data (``customer``,
``receiver``, ``shipping``, addresses) is never read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from adapters.salla.orders import parse_order_date
from pricing_core.errors import BadResponse
from pricing_core.events import RefusedLine
from pricing_core.money import to_decimal
from pricing_core.sales import SoldLine


class UnreadableOrder(ValueError):
    """The order itself cannot be used (no id, no date): the whole delivery is malformed."""


@attrs.frozen(kw_only=True)
class OrderPayload:
    """What an order webhook's ``data`` says about the order's sales."""

    order_id: str
    status: str
    lines: tuple[SoldLine, ...] | None  # None: the payload lists no items
    refused: tuple[RefusedLine, ...] = ()
    updated_at: datetime | None = None


def read_order_payload(data: Mapping[str, Any], *, occurred_at: datetime | None) -> OrderPayload:
    """The order in ``data``; raises ``UnreadableOrder`` when it has no id, or no date while it lists items.

    The order's date falls back to ``occurred_at`` (the event's time) when the payload has none.
    """
    order_id = data.get("id")
    if isinstance(order_id, bool) or order_id in (None, "") or isinstance(order_id, Mapping | list):
        raise UnreadableOrder("the order has no id")
    order_id = str(order_id)
    status = _status(data.get("status"))
    updated_at = _date_or_none(data.get("updated_at"))
    items = data.get("items")
    if not isinstance(items, list):
        return OrderPayload(order_id=order_id, status=status, lines=None, updated_at=updated_at)
    ordered_at = _date_or_none(data.get("date")) or occurred_at
    if ordered_at is None:
        raise UnreadableOrder(f"order {order_id} has no readable date")
    lines: list[SoldLine] = []
    refused: list[RefusedLine] = []
    for item in items:
        item_id = str(item.get("id")) if isinstance(item, Mapping) and item.get("id") is not None else None
        try:
            lines.append(read_order_item(order_id, ordered_at, status, item))
        except ValueError as exc:
            refused.append(RefusedLine(item_id=item_id, reason=str(exc)))
    return OrderPayload(order_id=order_id, status=status, lines=tuple(lines), refused=tuple(refused),
                        updated_at=updated_at)


def read_order_item(order_id: str, ordered_at: datetime, status: str, item: object) -> SoldLine:
    """One item as a sold line; raises ``ValueError`` naming what is wrong with it."""
    if not isinstance(item, Mapping):
        raise ValueError("the item is not an object")
    quantity = _quantity(item.get("quantity"))
    product = item.get("product")
    raw_id = product.get("id") if isinstance(product, Mapping) else item.get("product_id")
    usable_id = isinstance(raw_id, int | str) and not isinstance(raw_id, bool) and raw_id != ""
    product_id = str(raw_id) if usable_id else None
    sku = item.get("sku")
    sku = sku.strip() if isinstance(sku, str) else ""
    if product_id is None and not sku:
        raise ValueError("no product id and no SKU")
    return SoldLine(order_id=order_id, ordered_at=ordered_at, sku=sku, quantity=quantity,
                    revenue=_revenue(item.get("amounts")), product_id=product_id, status=status)


def _quantity(value: object) -> int:
    """A positive whole quantity (Salla writes some numbers as strings: ``"2"`` is 2)."""
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise ValueError(f"quantity {value!r} is not a number")
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValueError(f"quantity {value!r} is not a number") from None
    if not number.is_finite() or number != number.to_integral_value() or number <= 0:
        raise ValueError(f"quantity {value!r} is not a whole number above 0")
    return int(number)


def _revenue(amounts: object) -> Decimal:
    """The item's ``total`` (before tax) plus its tax, as the orders sync reads List Order Items."""
    if not isinstance(amounts, Mapping):
        raise ValueError("no amounts")
    total = _money(amounts.get("total"), "total")
    tax = amounts.get("tax")
    tax_amount = _money(tax.get("amount"), "tax") if isinstance(tax, Mapping) and "amount" in tax else Decimal(0)
    return total + tax_amount


def _money(value: object, field: str) -> Decimal:
    raw = value.get("amount") if isinstance(value, Mapping) else value
    if isinstance(raw, bool) or raw is None:
        raise ValueError(f"no {field} amount")
    try:
        amount = to_decimal(raw)
    except (ArithmeticError, ValueError):  # MoneyError is a ValueError
        raise ValueError(f"{field} {raw!r} is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"{field} {raw!r} is not an amount")
    return amount


def _status(value: object) -> str:
    """Salla's status slug: ``status.slug`` of the order model, or a bare string."""
    if isinstance(value, Mapping):
        value = value.get("slug")
    return value.strip() if isinstance(value, str) else ""


def _date_or_none(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_order_date(value)
    except BadResponse:
        return None


__all__ = ["OrderPayload", "UnreadableOrder", "read_order_item", "read_order_payload"]
