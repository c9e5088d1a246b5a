"""POST /webhooks/salla drops Salla's echoes of prices we wrote, without queueing them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.support.web_harness import Harness, make_harness, signed

from adapters.config import Config
from adapters.memory import MemoryPriceEchoes
from pricing_core.commands import ProcessWebhook

STORE = "1234509876"


def price_updated(product_id: int, price: Any, *, nonce: str = "") -> dict[str, Any]:
    # Salla's store events carry flat numbers (see the fake's ``price_event_data``).
    return {"event": "product.price.updated", "merchant": int(STORE), "created_at": "2026-03-01T12:00:00+03:00",
            "data": {"id": product_id, "sku": f"SKU-{product_id}{nonce}", "price": price, "currency": "SAR"}}


@pytest.fixture
def web() -> Harness:
    harness = make_harness(echoes=True)
    assert harness.services.echoes is not None
    harness.services.echoes.expect(STORE, {"501": Decimal("104.00")}, ttl_seconds=900)
    return harness


def post(web: Harness, payload: dict[str, Any]):
    body, headers = signed(payload)
    return web.client.post("/webhooks/salla", content=body, headers=headers)


@pytest.mark.parametrize("price", [104, "104.00", 104.0, {"amount": 104, "currency": "SAR"}],
                         ids=["int", "string", "float", "amount-object"])
def test_an_echo_of_our_own_price_is_acknowledged_and_not_queued(web: Harness, price: Any) -> None:
    response = post(web, price_updated(501, price))
    assert response.status_code == 200 and response.json()["status"] == "echo"
    assert web.queue.commands == []


def test_during_a_sale_the_regular_price_is_what_makes_an_echo(web: Harness) -> None:
    """Salla's documented payload: ``price`` is the sale price, ``regular_price`` the merchant's (what we wrote)."""
    on_sale = price_updated(501, 89)
    on_sale["data"] |= {"regular_price": 104, "sale_price": {"amount": 89, "expired_at": "2099-12-31"}}
    assert post(web, on_sale).json()["status"] == "echo"
    # ``price`` equal to what we wrote is no echo when the regular price moved (raised, then put on sale)
    moved = price_updated(501, 104, nonce="-moved")
    moved["data"] |= {"regular_price": 130, "sale_price": {"amount": 104, "expired_at": "2099-12-31"}}
    assert post(web, moved).json()["status"] == "accepted"
    (message,) = web.queue.of(ProcessWebhook)
    assert message.data["regular_price"] == 130


def test_a_repeated_echo_is_dropped_as_well(web: Harness) -> None:
    for nonce in ("", "-again"):
        assert post(web, price_updated(501, 104, nonce=nonce)).json()["status"] == "echo"
    assert web.queue.commands == []


def test_the_merchants_own_change_is_still_queued(web: Harness) -> None:
    response = post(web, price_updated(501, "109.20"))
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    (message,) = [c.as_message() for c in web.queue.of(ProcessWebhook)]
    assert message["event"] == "product.price.updated" and message["data"]["price"] == "109.20"


@pytest.mark.parametrize("payload", [
    price_updated(502, 104),                                        # another product
    {**price_updated(501, 104), "merchant": 999},                   # another store
    price_updated(501, None),                                       # no price: the worker decides
    price_updated(501, "not a price"),
    {**price_updated(501, 104), "event": "product.updated"},        # only price events are echoes
], ids=["other-product", "other-store", "no-price", "bad-price", "other-event"])
def test_anything_that_is_not_an_expected_echo_is_queued(web: Harness, payload: dict[str, Any]) -> None:
    assert post(web, payload).json()["status"] == "accepted"
    assert len(web.queue.commands) == 1


def test_an_expired_expectation_no_longer_drops_the_delivery(web: Harness) -> None:
    web.services.clock.advance(seconds=901)
    assert post(web, price_updated(501, 104)).json()["status"] == "accepted"
    assert len(web.queue.of(ProcessWebhook)) == 1


def test_echoes_are_counted_in_the_intake_metrics(web: Harness) -> None:
    post(web, price_updated(501, 104))
    metrics = web.client.get("/metrics", headers={"Authorization": "Bearer admin-test-token"}).text
    assert 'salla_optimizer_webhook_deliveries_total{outcome="echo"} 1.0' in metrics


def test_without_an_echoes_port_every_price_event_is_queued() -> None:
    web = make_harness()
    assert post(web, price_updated(501, 104)).json()["status"] == "accepted"
    assert len(web.queue.commands) == 1


def test_the_embedded_default_shares_one_store_between_the_web_app_and_its_workers(tmp_path: Path) -> None:
    from bootstrap import ProcessKind, bootstrap
    from entrypoints.web.app import create_app

    runtime = bootstrap(Config(var_dir=tmp_path, session_secret="s", price_echo_ttl_seconds=120), ProcessKind.SERVE)
    app = create_app(runtime.services, background=runtime.background)
    try:
        echoes = app.state.web.echoes
        assert isinstance(echoes, MemoryPriceEchoes)
        # the in-process worker's actors are bound to the very services the web app uses
        assert runtime.services.echoes is echoes and runtime.services.echo_ttl_seconds == 120
        assert runtime.background is not None and runtime.background.broker is runtime.broker
    finally:
        runtime.close()
