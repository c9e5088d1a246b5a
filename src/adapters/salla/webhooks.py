"""Verifying and parsing Salla webhook deliveries.

Verification works on the raw body bytes: Salla signs exactly what it sent, and HMAC over
re-serialized JSON breaks on key order, spacing or escaped unicode. Both strategies compare in
constant time. A delivery's id is the SHA-256 of its raw body, because Salla sends no delivery
id and redelivers the identical bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

import attrs

from pricing_core.errors import WebhookRejected
from pricing_core.tokens import TokenPayloadError, TokenSet, token_set_from_payload
from pricing_core.usecases.webhooks import redacted_payload_repr

Strategy = Literal["auto", "signature", "token"]

# Salla's app events give a naive "Y-m-d H:i:s"; Salla runs on Riyadh time (its store events
# carry GMT+0300 explicitly), so naive times are read as UTC+3.
SALLA_TZ = timezone(timedelta(hours=3))


@attrs.frozen(kw_only=True)
class WebhookEvent:
    """One verified delivery: ``event`` name, store, time, payload and a stable delivery id."""

    event: str
    merchant_id: str
    created_at: datetime | None
    data: Mapping[str, Any] = attrs.field(repr=redacted_payload_repr)  # tokens masked
    delivery_id: str


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # Works for plain dicts (any case) and for case-insensitive header maps.
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, candidate in headers.items():
            if key.lower() == lowered:
                return candidate
    return value


def expected_signature(raw_body: bytes, secret: str) -> str:
    """Lowercase hex HMAC-SHA256 of the raw body, keyed with the webhook secret."""
    return hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_webhook(
    raw_body: bytes, headers: Mapping[str, str], *, secret: str, strategy: Strategy = "auto"
) -> None:
    """Check a delivery's signature or token; raises ``WebhookRejected`` (status 401) when it fails.

    ``auto`` follows ``X-Salla-Security-Strategy`` (a signature header wins), but never accepts
    an unsigned delivery: the ``none`` strategy is refused whenever a secret is configured.
    """
    if not secret:
        raise WebhookRejected("no webhook secret configured", status=401)
    signature = _header(headers, "X-Salla-Signature")
    declared = (_header(headers, "X-Salla-Security-Strategy") or "").strip().lower()
    chosen = strategy
    if strategy == "auto":
        chosen = "signature" if signature is not None or declared != "token" else "token"
    if chosen == "signature":
        if not signature:
            raise WebhookRejected("missing X-Salla-Signature", status=401)
        expected = expected_signature(raw_body, secret)
        if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
            raise WebhookRejected("bad webhook signature", status=401)
        return
    token = _header(headers, "Authorization")
    if not token:
        raise WebhookRejected("missing Authorization token", status=401)
    # Salla sends the secret verbatim; tolerate a "Bearer " prefix added by a proxy.
    presented = token.strip()
    if presented.lower().startswith("bearer "):
        presented = presented[7:].strip()
    if not hmac.compare_digest(presented.encode(), secret.encode()):
        raise WebhookRejected("bad webhook token", status=401)


def parse_created_at(value: object) -> datetime | None:
    """Salla's ``created_at`` in any of its spellings, or None when unreadable.

    ``"2022-12-31 12:31:25"`` (app events, Riyadh time), ``"Sun Dec 14 2025 11:41:40 GMT+0300"``
    (store events, optionally followed by a zone name in brackets), ISO 8601, or Unix seconds.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().split(" (")[0]
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=SALLA_TZ)
        except ValueError:
            pass
    try:
        return datetime.strptime(text, "%a %b %d %Y %H:%M:%S GMT%z")
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SALLA_TZ)


def parse_webhook(raw_body: bytes) -> WebhookEvent:
    """Parse a (verified) delivery; raises ``WebhookRejected`` with status 400 when malformed."""
    try:
        payload = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected(f"webhook body is not JSON: {exc}", status=400) from exc
    except RecursionError as exc:  # nesting deeper than the parser's recursion limit
        raise WebhookRejected("webhook body is nested too deeply", status=400) from exc
    if not isinstance(payload, Mapping):
        raise WebhookRejected("webhook body is not a JSON object", status=400)
    event = payload.get("event")
    if not isinstance(event, str) or not event.strip():
        raise WebhookRejected("webhook without an event name", status=400)
    merchant = payload.get("merchant")
    # ASCII digits only: ``str.isdigit`` also accepts "٣" or "²", which would name a different store.
    if (
        isinstance(merchant, bool)
        or not isinstance(merchant, int | str)
        or not (text := str(merchant).strip()).isascii()
        or not text.isdigit()
    ):
        raise WebhookRejected(f"webhook without a numeric merchant id: {merchant!r}", status=400)
    data = payload.get("data", {})
    if data is None or data == []:
        data = {}  # PHP's empty array
    if not isinstance(data, Mapping):
        raise WebhookRejected("webhook data is not an object", status=400)
    return WebhookEvent(
        event=event.strip(),
        merchant_id=str(merchant).strip(),
        created_at=parse_created_at(payload.get("created_at")),
        data=data,
        delivery_id=hashlib.sha256(raw_body).hexdigest(),
    )


def token_set_from_authorize(event: WebhookEvent, now: datetime) -> TokenSet:
    """The tokens carried by ``app.store.authorize`` (its ``expires`` is a Unix timestamp)."""
    if event.event != "app.store.authorize":
        raise ValueError(f"not an app.store.authorize event: {event.event}")
    try:
        return token_set_from_payload(event.data, now)
    except TokenPayloadError as exc:
        raise WebhookRejected(f"app.store.authorize with {exc}", status=400) from exc
