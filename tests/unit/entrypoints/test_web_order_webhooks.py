"""``POST /webhooks/salla`` with a signed order event: acknowledged, queued like other store events, and
folded into the daily sales by the worker's use case, once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tests.support.web_harness import Harness, make_harness, signed

from adapters.salla import to_domain_event
from pricing_core.catalog import Product
from pricing_core.commands import ProcessWebhook
from pricing_core.ports import scope_of
from pricing_core.stores import Store
from pricing_core.usecases.webhooks import handle_webhook_event

MERCHANT = "1234509876"

ORDER = {
    "event": "order.created", "merchant": int(MERCHANT), "created_at": "Sun Mar 01 2026 12:00:00 GMT+0300",
    "data": {
        "id": 418149270, "reference_id": 3879219,
        "date": {"date": "2026-03-01 11:58:00.000000", "timezone_type": 3, "timezone": "Asia/Riyadh"},
        "status": {"id": 1298199463, "name": "تم التنفيذ", "slug": "completed"},
        "customer": {"first_name": "أحمد", "email": "demo@demo.com"},
        "items": [
            {"id": 1, "name": "SSD", "sku": "sam-ssd-256g", "quantity": 2, "product": {"id": 1672932878},
             "amounts": {"total": {"amount": 300, "currency": "SAR"},
                         "tax": {"percent": "15.00", "amount": {"amount": 45, "currency": "SAR"}}}},
            {"id": 2, "name": "?", "sku": "sam-ssd-256g", "quantity": "many",
             "amounts": {"total": {"amount": 1, "currency": "SAR"}}},
        ],
    },
}


@pytest.fixture
def web() -> Harness:
    harness = make_harness()
    with harness.uow_factory(MERCHANT) as uow:
        uow.stores.upsert(Store(store_id=MERCHANT, store_name="Orders", installed_at=harness.services.clock.now()))
        scope_of(uow).products.upsert_many([Product(id="1672932878", sku="sam-ssd-256g", price=Decimal("172.5"))],
                                           seen_at=harness.services.clock.now())
        uow.commit()
    return harness


def test_a_signed_order_event_is_queued_and_counted_once(web: Harness) -> None:
    outcomes: list[str] = []

    def process_webhook(command: ProcessWebhook) -> None:  # the worker
        event = to_domain_event(command, now=web.services.clock.now())
        outcomes.append(handle_webhook_event(web.uow_factory, web.queue, web.services.clock, event,
                                             user_info=web.services.salla_auth.user_info).value)

    web.queue.handlers[ProcessWebhook] = process_webhook
    body, headers = signed(ORDER)
    response = web.client.post("/webhooks/salla", content=body, headers=headers)
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    (message,) = [c.as_message() for c in web.queue.of(ProcessWebhook)]
    assert message["event"] == "order.created" and message["merchant_id"] == MERCHANT
    web.app.state.web.recent_deliveries = type(web.app.state.web.recent_deliveries)()  # a restarted server
    web.client.post("/webhooks/salla", content=body, headers=headers)  # Salla repeats it

    assert outcomes == ["processed", "duplicate"]
    with web.uow_factory(MERCHANT) as uow:
        days = scope_of(uow).sales.history()
        logged = [e for e in scope_of(uow).activity.list() if e.metadata.get("order_id") == "418149270"]
    assert [(d.product_id, d.day, d.units, d.revenue) for d in days] == [
        ("1672932878", date(2026, 3, 1), 2, Decimal("345"))
    ]
    (entry,) = logged  # the unreadable line, left out with its reason
    assert entry.metadata["refused"] == [{"item": "2", "reason": "quantity 'many' is not a number"}]
