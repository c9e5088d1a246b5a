"""The fake's webhook emitter: Salla's headers, at-least-once delivery with retries."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from starlette.testclient import TestClient

from adapters.fake_salla import create_fake_salla
from adapters.fake_salla.webhooks import WebhookSender, delivery_headers, encode_event, sign
from adapters.memory.clock import FakeClock
from adapters.salla import parse_webhook, to_domain_event, verify_webhook
from pricing_core.commands import ProcessWebhook
from pricing_core.events import OrderChanged


def _sender(handler, **kwargs) -> WebhookSender:  # type: ignore[no-untyped-def]
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return WebhookSender("http://app.test/webhooks/salla", secret="k", http=http,
                         retry_intervals=(0.0, 0.0, 0.0), **kwargs)


def test_headers_per_strategy() -> None:
    body = encode_event({"event": "app.installed", "merchant": 1, "data": {"name": "متجر"}})
    assert "متجر".encode() in body  # unescaped unicode, like Salla's PHP
    signed = delivery_headers(body, strategy="signature", secret="k")
    assert signed["X-Salla-Security-Strategy"] == "Signature" and signed["X-Salla-Signature"] == sign(body, "k")
    token = delivery_headers(body, strategy="token", secret="k")
    assert token["Authorization"] == "k" and "X-Salla-Signature" not in token
    assert "Authorization" not in delivery_headers(body, strategy="none", secret="k")


def test_failed_attempts_are_retried_until_200() -> None:
    answers = iter([500, 404, 201])
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(next(answers))

    sender = _sender(handler)
    delivery = sender.send("app.installed", 1, b'{"event":"app.installed","merchant":1,"data":{}}')
    assert sender.wait_idle()
    assert delivery.attempts == ["500", "404", "201"] and delivery.delivered
    assert len({r.content for r in seen}) == 1  # the identical bytes each time
    verify_webhook(seen[0].content, seen[0].headers, secret="k")
    sender.close()


def test_gives_up_after_three_retries_on_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    sender = _sender(handler)
    delivery = sender.send("app.installed", 1, b"{}")
    assert sender.wait_idle()
    assert delivery.attempts == ["error: ConnectError"] * 4 and delivery.finished and not delivery.delivered
    sender.close()


def test_install_events_from_the_fake() -> None:
    received: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200)

    http = httpx.Client(transport=httpx.MockTransport(record))
    fake = create_fake_salla(webhook_url="http://app.test/webhooks/salla", webhook_secret="k",
                             webhook_strategy="token", webhook_http=http)
    orders = set()
    for _ in range(8):
        received.clear()
        tokens = fake.deliver_install(1234509876)
        assert fake.wait_webhooks()
        events = [parse_webhook(r.content) for r in received]
        orders.add(tuple(e.event for e in events))
        authorize = next(e for e in events if e.event == "app.store.authorize")
        assert authorize.data["access_token"] == tokens["access_token"]
        assert authorize.data["expires"] == tokens["expires"] > 1_000_000_000
        assert all(r.headers["Authorization"] == "k" for r in received)
    assert orders == {("app.installed", "app.store.authorize"), ("app.store.authorize", "app.installed")}
    product = next(iter(fake.store(1234509876).products))
    assert fake.emit_price_updated(1234509876, product) is None  # a store event nobody subscribed
    with TestClient(fake.app) as client:
        subscribed = client.post("/admin/v2/webhooks/subscribe", headers=_bearer(tokens),
                                 json={"event": "product.price.updated", "url": "http://app.test/webhooks/salla"})
    assert subscribed.status_code == 200
    delivery = fake.emit_price_updated(1234509876, product)
    assert delivery is not None and fake.wait_webhooks() and delivery.delivered
    assert json.loads(delivery.body)["created_at"].endswith("GMT+0300")
    fake.close()


# -- store events reach the app only when subscribed --------------------------------------------

MERCHANT = 1234509876
HOOK_URL = "http://app.test/webhooks/salla"


def _bearer(tokens: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _recording_fake(**options):  # type: ignore[no-untyped-def]
    received: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200)

    fake = create_fake_salla(webhook_url=HOOK_URL, webhook_secret="k", bulk_delay=0,
                             webhook_http=httpx.Client(transport=httpx.MockTransport(record)), **options)
    return fake, received


def _price_events(received: list[httpx.Request]) -> list[tuple[str, int]]:
    return [(str(r.url), json.loads(r.content)["data"]["id"]) for r in received
            if json.loads(r.content)["event"] == "product.price.updated"]


def test_price_events_are_delivered_only_once_subscribed_and_to_the_subscribed_url() -> None:
    fake, received = _recording_fake()
    tokens = fake.issue_tokens(MERCHANT)
    pid = next(iter(fake.store(MERCHANT).products))
    with TestClient(fake.app) as client:
        bulk = {"products": [{"id": pid, "price": 42}]}
        assert client.post("/admin/v2/products/prices/bulkPrice", json=bulk, headers=_bearer(tokens)).status_code == 201
        assert fake.wait_webhooks() and _price_events(received) == []  # bulk update, no subscription: silence
        hook = client.post("/admin/v2/webhooks/subscribe", headers=_bearer(tokens), json={
            "name": "prices", "event": "product.price.updated", "url": "http://other.example/hooks", "version": 2})
        assert hook.status_code == 200
        assert hook.json()["data"] | {"id": 0} == {"id": 0, "name": "prices", "event": "product.price.updated",
                                                    "type": "manual", "url": "http://other.example/hooks",
                                                    "version": 2, "rule": None, "headers": {}}
        bulk = {"products": [{"id": pid, "price": 43}]}
        assert client.post("/admin/v2/products/prices/bulkPrice", json=bulk, headers=_bearer(tokens)).status_code == 201
        assert fake.wait_webhooks()
        assert _price_events(received) == [("http://other.example/hooks", pid)]
        # App events need no subscription and go to the app's URL.
        fake.uninstall_store(MERCHANT)
        assert fake.wait_webhooks() and str(received[-1].url) == HOOK_URL
        assert json.loads(received[-1].content)["event"] == "app.uninstalled"
    # Uninstalling removed the store's webhooks: nothing is delivered after a reinstall either.
    fake.issue_tokens(MERCHANT)
    assert fake.store_webhooks.of_store(MERCHANT) == []
    assert fake.emit_price_updated(MERCHANT, pid) is None
    fake.close()


def test_subscribing_twice_lists_one_webhook_and_unsubscribe_stops_the_events() -> None:
    fake, received = _recording_fake()
    tokens = fake.issue_tokens(MERCHANT)
    pid = next(iter(fake.store(MERCHANT).products))
    body = {"name": "prices", "event": "product.price.updated", "url": HOOK_URL}
    with TestClient(fake.app) as client:
        first = client.post("/admin/v2/webhooks/subscribe", json=body, headers=_bearer(tokens)).json()["data"]
        again = client.post("/admin/v2/webhooks/subscribe", json=body, headers=_bearer(tokens)).json()["data"]
        assert first["id"] == again["id"]
        listed = client.get("/admin/v2/webhooks", headers=_bearer(tokens)).json()
        assert [w["id"] for w in listed["data"]] == [first["id"]]
        assert listed["pagination"]["total"] == 1 and listed["pagination"]["totalPages"] == 1
        fake.emit_price_updated(MERCHANT, pid)
        assert fake.wait_webhooks() and len(_price_events(received)) == 1  # once, not twice
        gone = client.delete("/admin/v2/webhooks/unsubscribe", params={"id": first["id"]}, headers=_bearer(tokens))
        assert gone.status_code == 202
        assert client.get("/admin/v2/webhooks", headers=_bearer(tokens)).json()["data"] == []
    assert fake.emit_price_updated(MERCHANT, pid) is None
    fake.close()


def test_portal_store_events_go_to_the_app_url_for_installed_stores() -> None:
    fake, received = _recording_fake(portal_events=("product.price.updated",))
    pid = next(iter(fake.store(MERCHANT).products))
    delivery = fake.emit_price_updated(MERCHANT, pid)
    assert delivery is not None and delivery.url is None and fake.wait_webhooks()
    assert _price_events(received) == [(HOOK_URL, pid)]
    assert fake.emit_event(MERCHANT, "order.created", {"id": 1}) is None  # not in the portal's list
    fake.uninstall_store(MERCHANT)
    assert fake.emit_price_updated(MERCHANT, pid) is None  # not installed: no store events
    fake.close()


def test_webhooks_api_checks_scope_event_and_url() -> None:
    fake, _ = _recording_fake(strict_webhook_urls=True)
    no_scope = fake.issue_tokens(MERCHANT, scope="offline_access products.read_write")
    read_only = fake.issue_tokens(MERCHANT, scope="offline_access webhooks.read")
    full = fake.issue_tokens(MERCHANT)
    with TestClient(fake.app) as client:
        denied = client.get("/admin/v2/webhooks", headers=_bearer(no_scope))
        assert denied.status_code == 401 and "webhooks.read" in denied.json()["error"]["message"]
        assert client.get("/admin/v2/webhooks", headers=_bearer(read_only)).status_code == 200
        refused = client.post("/admin/v2/webhooks/subscribe", headers=_bearer(read_only),
                              json={"event": "product.price.updated", "url": HOOK_URL})
        assert refused.status_code == 401 and refused.json()["error"]["message"].endswith("webhooks.read_write")
        invalid = client.post("/admin/v2/webhooks/subscribe", headers=_bearer(full),
                              json={"event": "app.installed", "url": "http://localhost:8000/webhooks/salla"})
        assert invalid.status_code == 422
        assert set(invalid.json()["error"]["fields"]) == {"event", "url"}
    assert fake.store_webhooks.of_store(MERCHANT) == []
    fake.close()


def test_new_market_orders_are_sent_as_order_created_where_subscribed() -> None:
    clock = FakeClock()
    fake, received = _recording_fake(clock=clock, market_history_days=2)
    history = fake.orders(MERCHANT)  # starts the market: its history predates any subscription
    fake.advance(hours=12)
    assert fake.wait_webhooks() and received == []  # nothing subscribed: silence
    fake.store_webhooks.subscribe(MERCHANT, event="order.created", url=HOOK_URL)
    fake.advance(days=1)
    assert fake.wait_webhooks()
    new = [o for o in fake.orders(MERCHANT) if o not in history and o.created_at > clock.now() - timedelta(days=1)]
    bodies = [json.loads(r.content) for r in received]
    assert new and [b["data"]["id"] for b in bodies] == [o.id for o in new]
    assert {b["event"] for b in bodies} == {"order.created"}
    for body, order in zip(bodies, new, strict=True):
        event = to_domain_event(ProcessWebhook(event=body["event"], merchant_id=body["merchant"], data=body["data"],
                                               created_at=body["created_at"], delivery_id="d"), now=clock.now())
        assert isinstance(event, OrderChanged) and event.refused == () and event.status == "completed"
        assert [(line.product_id, line.sku, line.quantity) for line in event.lines or ()] == [
            (str(line.product_id), line.sku, line.quantity) for line in order.lines
        ]
        assert "customer" not in body["data"]
    fake.close()
