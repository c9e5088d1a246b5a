"""The fake Salla's orders: the simulated order records, and their JSON as Salla documents it.

The records are made by ``market.py``'s simulator. Their JSON is List Orders items, List
Order Items, and the order of an ``order.created`` webhook (``event_json``).

Shapes follow the documented examples (``tests/contract/salla_docs/list_orders.json`` and
``order_items.json``; the contract suite checks them): a listed order carries its id, reference,
total, date and status and only the *names and quantities* of its items; the items, with their
SKU and amounts, come from ``GET /orders/items?order_id=...``. Simulated customers are not
rendered: pricing needs none of them, and the documented list example carries none.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from adapters.fake_salla.catalog_json import money_object
from adapters.fake_salla.clock import RIYADH

VAT = Decimal("0.15")
COMPLETED = {"id": 1298199463, "name": "تم التنفيذ", "slug": "completed",
             "customized": {"id": 1633436842, "name": "تم التنفيذ"}}


@attrs.frozen(kw_only=True)
class OrderLine:
    """One line of a simulated order: what was bought, how many, at what unit price."""

    product_id: int
    variant_id: int | None
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


@attrs.frozen(kw_only=True)
class FakeOrder:
    """A simulated order of a sandbox store (rendered as Salla documents orders by the admin API)."""

    id: int
    reference_id: int
    merchant_id: int
    created_at: datetime
    currency: str
    lines: tuple[OrderLine, ...]

    @property
    def total(self) -> Decimal:
        """The order's amount: the sum of its lines."""
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal(0))


def sorted_orders(orders: Iterable[FakeOrder]) -> list[FakeOrder]:
    """Orders newest first, as Salla lists them."""
    return sorted(orders, key=lambda o: (o.created_at, o.id), reverse=True)


def _salla_date(order: FakeOrder) -> dict[str, Any]:
    local = order.created_at.astimezone(RIYADH)
    return {"date": local.strftime("%Y-%m-%d %H:%M:%S.000000"), "timezone_type": 3, "timezone": "Asia/Riyadh"}


def riyadh_day(order: FakeOrder) -> date:
    """The order's date in Salla's time zone (what ``from_date``/``to_date`` filter on)."""
    return order.created_at.astimezone(RIYADH).date()


def line_amounts(line: OrderLine, *, with_tax: bool) -> tuple[Decimal, Decimal, Decimal]:
    """(unit price without tax, line total without tax, line tax) for a line.

    A price that includes VAT (Salla's ``with_tax``) is split into its pre-tax part and the tax,
    as the documented example does (45.22 + 6.78 for a product listed at 52).
    """
    cent = Decimal("0.01")
    if with_tax:
        unit = (line.unit_price / (1 + VAT)).quantize(cent)
        gross = line.unit_price * line.quantity
    else:
        unit = line.unit_price
        gross = (line.unit_price * (1 + VAT)).quantize(cent) * line.quantity
    total = unit * line.quantity
    return unit, total, gross - total


def list_json(order: FakeOrder) -> dict[str, Any]:
    """A ``GET /orders`` item."""
    return {
        "id": order.id,
        "reference_id": order.reference_id,
        "total": money_object(order.total, order.currency),
        "date": _salla_date(order),
        "status": COMPLETED,
        "can_cancel": False,
        "can_reorder": True,
        "payment_method": "mada",
        "is_pending_payment": False,
        "pending_payment_ends_at": 0,
        "features": {"digitalable": False, "shippable": True, "has_suspicious_alert": False},
        "items": [{"name": line.name, "quantity": line.quantity} for line in order.lines],
    }


def items_json(order: FakeOrder, taxed: dict[int, bool]) -> list[dict[str, Any]]:
    """``GET /orders/items?order_id=...`` data; ``taxed``: product id -> prices include VAT."""
    result = []
    for number, line in enumerate(order.lines):
        unit, total, tax = line_amounts(line, with_tax=taxed.get(line.product_id, True))
        currency = order.currency
        result.append({
            "id": order.id * 10 + number,
            "name": line.name,
            "sku": line.sku,
            "quantity": line.quantity,
            "currency": currency,
            "weight": 0.5,
            "weight_label": "٥٠٠ جم",
            "amounts": {
                "price_without_tax": money_object(unit, currency),
                "total_discount": money_object(Decimal(0), currency),
                "tax": {"percent": "15.00", "amount": money_object(tax, currency)},
                "total": money_object(total, currency),
            },
            "notes": "",
            "options": [],
            "images": [],
            "codes": [],
            "files": [],
            "reservations": [],
        })
    return result


def event_json(order: FakeOrder, taxed: dict[int, bool]) -> dict[str, Any]:
    """The ``data`` of an ``order.created`` / ``order.updated`` webhook: the order model.

    The order's id, reference, date, ``updated_at``, status and amounts as Order Details shows
    them, and its items as List Order Items does, each also naming its product
    (``product: {id, ...}``, as the order model's items do in Order Details' "Full Details"
    example). No customer, receiver or address: pricing reads none of them.
    """
    items = items_json(order, taxed)
    for item, line in zip(items, order.lines, strict=True):
        item["product"] = {"id": line.product_id, "type": "product", "name": line.name, "sku": line.sku}
    return {
        "id": order.id,
        "reference_id": order.reference_id,
        "date": _salla_date(order),
        "updated_at": _salla_date(order),
        "status": COMPLETED,
        "payment_method": "mada",
        "currency": order.currency,
        "amounts": {"total": money_object(order.total, order.currency)},
        "items": items,
    }
