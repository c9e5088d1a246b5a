"""The fake's webhook emitter: Salla's headers, at-least-once delivery with retries."""

from __future__ import annotations

import json

import httpx

from adapters.fake_salla import create_fake_salla
from adapters.fake_salla.webhooks import WebhookSender, delivery_headers, encode_event, sign
from adapters.salla import parse_webhook, verify_webhook


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
    delivery = fake.emit_price_updated(1234509876, next(iter(fake.store(1234509876).products)))
    assert fake.wait_webhooks() and delivery.delivered
    assert json.loads(delivery.body)["created_at"].endswith("GMT+0300")
    fake.close()
