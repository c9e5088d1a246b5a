"""Order webhooks read into ``OrderChanged`` (``adapters/salla/order_webhooks.py`` via ``to_domain_event``).

Both item shapes are read: the order model's (an item names its ``product``) and List Order
Items' (``sku`` only, Salla's documented example ``order_items.json``). A bad item is refused
with its reason and the others are kept; an order without an id is malformed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.salla import to_domain_event
from pricing_core.commands import ProcessWebhook
from pricing_core.events import MalformedEvent, OrderChanged

DOCS = Path(__file__).parents[2] / "contract" / "salla_docs"
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
RIYADH = timezone(timedelta(hours=3))
DATE = {"date": "2026-03-09 14:48:20.000000", "timezone_type": 3, "timezone": "Asia/Riyadh"}


def amounts(total: str, tax: str) -> dict[str, Any]:
    return {"price_without_tax": {"amount": total, "currency": "SAR"},
            "total_discount": {"amount": 0, "currency": "SAR"},
            "tax": {"percent": "15.00", "amount": {"amount": tax, "currency": "SAR"}},
            "total": {"amount": total, "currency": "SAR"}}


def order(items: list[Any] | None, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": 418149270, "reference_id": 3879219, "date": DATE,
                            "status": {"id": 1, "name": "تم التنفيذ", "slug": "completed"},
                            "customer": {"first_name": "أحمد", "email": "demo@demo.com", "mobile": 501724227},
                            **fields}
    if items is not None:
        data["items"] = items
    return data


def read(event: str, data: dict[str, Any], created_at: str | None = "Tue Mar 10 2026 11:00:00 GMT+0300") -> Any:
    raw = ProcessWebhook(event=event, merchant_id=1234509876, data=data, created_at=created_at, delivery_id="d-1")
    return to_domain_event(raw, now=NOW)


def test_the_order_model_items_name_their_product() -> None:
    item = {"id": 1, "name": "SSD", "sku": "sam-ssd-256g", "quantity": 2, "amounts": amounts("300", "45"),
            "product": {"id": 1672932878, "type": "product"}}
    event = read("order.created", order([item]))
    assert isinstance(event, OrderChanged)
    assert (event.name, event.order_id, event.status, event.refused) == ("order.created", "418149270", "completed", ())
    (line,) = event.lines or ()
    assert (line.product_id, line.sku, line.quantity, line.revenue) == ("1672932878", "sam-ssd-256g", 2,
                                                                         Decimal("345"))
    assert line.ordered_at == datetime(2026, 3, 9, 14, 48, 20, tzinfo=RIYADH).astimezone(line.ordered_at.tzinfo)
    assert line.status == "completed"
    assert "customer" not in repr(event) and "demo@demo.com" not in repr(event)  # no customer data travels


def test_the_orders_api_item_shape_names_only_the_sku() -> None:
    items = json.loads((DOCS / "order_items.json").read_text(encoding="utf-8"))["data"]
    event = read("order.updated", order(items))
    assert isinstance(event, OrderChanged) and event.refused == ()
    (line,) = event.lines or ()
    assert (line.product_id, line.sku, line.quantity, line.revenue) == (None, "sam-ssd-256g", 1, Decimal("172.5"))


def test_a_bad_item_is_refused_with_its_reason_and_the_others_are_kept() -> None:
    good = {"id": 1, "sku": "A", "quantity": "3", "amounts": amounts("30", "4.5")}  # "3": Salla's string numbers
    items = [
        good,
        {"id": 2, "sku": "B", "quantity": "two", "amounts": amounts("10", "1.5")},
        {"id": 3, "quantity": 1, "amounts": amounts("10", "1.5")},
        {"id": 4, "sku": "C", "quantity": 1},
        {"id": 5, "sku": "D", "quantity": 0, "amounts": amounts("0", "0")},
        "not an item",
    ]
    event = read("order.created", order(items))
    assert isinstance(event, OrderChanged)
    assert [(line.sku, line.quantity, line.revenue) for line in event.lines or ()] == [("A", 3, Decimal("34.5"))]
    reasons = {r.item_id: r.reason for r in event.refused}
    assert reasons == {
        "2": "quantity 'two' is not a number",
        "3": "no product id and no SKU",
        "4": "no amounts",
        "5": "quantity 0 is not a whole number above 0",
        None: "the item is not an object",
    }


def test_a_status_change_without_items_and_the_time_it_is_as_of() -> None:
    updated = {"date": "2026-03-10 10:00:00.000000", "timezone_type": 3, "timezone": "Asia/Riyadh"}
    event = read("order.status.updated", order(None, status={"slug": "canceled"}, updated_at=updated))
    assert isinstance(event, OrderChanged)
    assert (event.status, event.lines) == ("canceled", None)
    assert event.as_of == datetime(2026, 3, 10, 10, 0, tzinfo=RIYADH)
    # Without the order's updated_at, the event's own time.
    bare = read("order.cancelled", {"id": 7})
    assert isinstance(bare, OrderChanged) and bare.as_of == datetime(2026, 3, 10, 11, 0, tzinfo=RIYADH)
    assert bare.status == "" and bare.lines is None


@pytest.mark.parametrize("data", [{}, {"id": None}, {"id": ""}, {"id": {"x": 1}}, {"id": True}])
def test_an_order_without_an_id_is_malformed(data: dict[str, Any]) -> None:
    event = read("order.created", data)
    assert isinstance(event, MalformedEvent) and "no id" in event.reason and event.name == "order.created"


def test_items_without_any_date_are_malformed() -> None:
    event = read("order.created", {"id": 9, "items": []}, created_at=None)
    assert isinstance(event, MalformedEvent) and "date" in event.reason
