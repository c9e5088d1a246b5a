"""Webhook verification (both strategies, constant time) and parsing into typed events."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from adapters.salla import WebhookEvent, parse_webhook, token_set_from_authorize, verify_webhook
from adapters.salla.webhooks import parse_created_at
from pricing_core.errors import WebhookRejected

FIXTURES = Path(__file__).parents[2] / "contract" / "salla_fixtures"
SECRET = "s3cret"


def _body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _sig(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_signature_over_the_raw_bytes() -> None:
    body = _body("webhook_app_store_authorize.json")
    verify_webhook(body, {"X-Salla-Signature": _sig(body), "X-Salla-Security-Strategy": "Signature"}, secret=SECRET)
    verify_webhook(body, {"x-salla-signature": _sig(body).upper()}, secret=SECRET, strategy="signature")
    # the same JSON re-serialized is different bytes: its signature does not verify this body
    reserialized = json.dumps(json.loads(body)).encode()
    with pytest.raises(WebhookRejected) as info:
        verify_webhook(body, {"X-Salla-Signature": _sig(reserialized)}, secret=SECRET)
    assert info.value.status == 401


def test_token_strategy() -> None:
    body = _body("webhook_app_installed.json")
    verify_webhook(body, {"X-Salla-Security-Strategy": "Token", "Authorization": SECRET}, secret=SECRET)
    verify_webhook(body, {"Authorization": f"Bearer {SECRET}"}, secret=SECRET, strategy="token")
    with pytest.raises(WebhookRejected):
        verify_webhook(body, {"X-Salla-Security-Strategy": "Token", "Authorization": "other"}, secret=SECRET)


def test_unsigned_deliveries_are_refused() -> None:
    body = _body("webhook_app_installed.json")
    for headers in ({}, {"X-Salla-Security-Strategy": "none"}, {"X-Salla-Security-Strategy": "Token"}):
        with pytest.raises(WebhookRejected) as info:
            verify_webhook(body, headers, secret=SECRET)
        assert info.value.status == 401
    with pytest.raises(WebhookRejected):
        verify_webhook(body, {"X-Salla-Signature": _sig(body, "")}, secret="")
    # a configured signature strategy does not accept a token
    with pytest.raises(WebhookRejected):
        verify_webhook(body, {"Authorization": SECRET}, secret=SECRET, strategy="signature")


def test_parse_documented_events() -> None:
    body = _body("webhook_app_store_authorize.json")
    event = parse_webhook(body)
    assert isinstance(event, WebhookEvent)
    assert (event.event, event.merchant_id) == ("app.store.authorize", "1234509876")
    assert event.created_at == datetime(2022, 12, 31, 9, 31, 25, tzinfo=UTC)
    assert event.delivery_id == hashlib.sha256(body).hexdigest()
    tokens = token_set_from_authorize(event, datetime(2022, 12, 31, 9, 31, 25, tzinfo=UTC))
    assert tokens.expires_at == datetime.fromtimestamp(1672488685, tz=UTC)  # expires is a Unix timestamp here
    assert tokens.refresh_token and tokens.scope.endswith("offline_access")
    price = parse_webhook(_body("webhook_product_price_updated.json"))
    assert price.data["price"] == 150 and price.data["cost"] == 60
    assert price.created_at == datetime(2025, 12, 14, 11, 41, 40, tzinfo=timezone(timedelta(hours=3)))
    with pytest.raises(ValueError):
        token_set_from_authorize(price, datetime.now(UTC))


def test_created_at_spellings() -> None:
    riyadh = timezone(timedelta(hours=3))
    assert parse_created_at("Sun Dec 14 2025 11:41:40 GMT+0300 (Arabian Standard Time)") == datetime(
        2025, 12, 14, 11, 41, 40, tzinfo=riyadh
    )
    assert parse_created_at("2025-12-14T08:41:40Z") == datetime(2025, 12, 14, 8, 41, 40, tzinfo=UTC)
    assert parse_created_at(1672488685) == datetime.fromtimestamp(1672488685, tz=UTC)
    assert parse_created_at("yesterday") is None and parse_created_at(None) is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"merchant": 1, "data": {}}',
        b'{"event": "app.installed", "data": {}}',
        b'{"event": "app.installed", "merchant": "abc"}',
        b'{"event": "app.installed", "merchant": true}',
        b'{"event": "app.installed", "merchant": 1, "data": "x"}',
    ],
)
def test_malformed_bodies_are_400(body: bytes) -> None:
    with pytest.raises(WebhookRejected) as info:
        parse_webhook(body)
    assert info.value.status == 400


def test_php_empty_array_data_and_string_merchant() -> None:
    event = parse_webhook(b'{"event":"app.uninstalled","merchant":"1234509876","data":[]}')
    assert event.merchant_id == "1234509876" and event.data == {} and event.created_at is None


@pytest.mark.parametrize("value", [1e300, -1e300, float("nan"), float("inf"), 10**25, "0001-01-01 00:00:00"])
def test_a_created_at_that_is_no_time_is_an_error_not_unknown(value: object) -> None:
    with pytest.raises(ValueError, match="created_at"):
        parse_created_at(value)


def test_a_refusal_carries_what_could_be_read_and_its_status() -> None:
    from adapters.salla import RejectedDelivery

    body = b'{"event":"app.store.authorize","merchant":42,"data":{"access_token":"a","expires_in":1e18}}'
    assert parse_webhook(body).event == "app.store.authorize"      # without ``now`` the tokens are not read
    with pytest.raises(RejectedDelivery) as info:
        parse_webhook(body, now=datetime(2026, 3, 1, tzinfo=UTC))
    refused = info.value
    assert (refused.status, refused.event, refused.merchant_id) == (422, "app.store.authorize", "42")
    assert refused.delivery_id == hashlib.sha256(body).hexdigest()
    with pytest.raises(RejectedDelivery) as info:
        parse_webhook(b'{"event":"app.installed","merchant":42,"data":{"n":"\\udc80"}}')
    assert (info.value.status, info.value.event, info.value.merchant_id) == (400, "app.installed", "42")
    with pytest.raises(RejectedDelivery) as info:
        parse_webhook(b'{"event":"\\udc80","merchant":42}')
    assert info.value.event is None and info.value.merchant_id is None and info.value.status == 400
    assert "\\udc80" in str(info.value) and str(info.value).isascii()   # shown escaped: safe to store


def test_valid_surrogate_pairs_and_escaped_backslashes_are_text() -> None:
    event = parse_webhook(b'{"event":"app.installed","merchant":1,"data":{"a":"\\ud83d\\ude00","b":"\\\\udc80"}}')
    assert event.data == {"a": "\U0001f600", "b": "\\udc80"}


def test_a_merchant_id_with_leading_zeros_names_the_same_store() -> None:
    assert parse_webhook(b'{"event":"app.installed","merchant":"0042","data":{}}').merchant_id == "42"
    assert parse_webhook(b'{"event":"app.installed","merchant":42,"data":{}}').merchant_id == "42"
