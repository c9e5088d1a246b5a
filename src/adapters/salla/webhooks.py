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
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

import attrs

from pricing_core.errors import WebhookRejected
from pricing_core.event_time import parse_event_time
from pricing_core.events import APP_STORE_AUTHORIZE
from pricing_core.tokens import TokenPayloadError, TokenSet, token_set_from_payload

Strategy = Literal["auto", "signature", "token"]

# Payload keys whose values are secrets (``app.store.authorize`` carries the store's tokens).
SECRET_PAYLOAD_KEYS = frozenset({"access_token", "refresh_token"})


def redacted_payload_repr(data: Mapping[str, Any]) -> str:
    """``repr`` of a delivery's payload with its tokens masked: a repr can end up in a log."""
    if not isinstance(data, Mapping):
        return repr(data)
    return repr({k: ("***" if k in SECRET_PAYLOAD_KEYS and v else v) for k, v in data.items()})


# Salla's app events give a naive "Y-m-d H:i:s"; Salla runs on Riyadh time (its store events
# carry GMT+0300 explicitly), so naive times are read as UTC+3.


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
    """Salla's ``created_at`` in any of its spellings; None when absent or in a spelling we do not know.

    ``"2022-12-31 12:31:25"`` (app events, Riyadh time), ``"Sun Dec 14 2025 11:41:40 GMT+0300"``
    (store events, optionally followed by a zone name in brackets), ISO 8601, or Unix seconds.
    Raises ``ValueError`` for a value that is a time in no calendar we can hold (``1e300``,
    year 1 in Riyadh): read as "unknown" it would silently reorder deliveries.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            if not math.isfinite(value):
                raise ValueError("not finite")
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise ValueError(f"created_at {_shown(value)} is not a Unix time") from exc
    if not isinstance(value, str) or not value.strip():
        return None
    parsed = parse_event_time(value)  # the core's reading of Salla's two date spellings
    if parsed is None:
        return None
    try:
        parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"created_at {_shown(value)} is outside the years we can hold") from exc
    return parsed


class RejectedDelivery(WebhookRejected):
    """A verified delivery refused for what it says, with what could be read of it (to record the refusal).

    ``status`` 400: not a Salla envelope in JSON as RFC 8259 defines it (not JSON, ``NaN`` or
    ``Infinity``, a number beyond a double, text that is not Unicode, no event name, no store id).
    422: a readable envelope whose known field holds a value out of range (``created_at`` that is
    no time, an ``app.store.authorize`` without usable tokens).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        delivery_id: str,
        event: str | None = None,
        merchant_id: str | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.delivery_id = delivery_id
        self.event = event
        self.merchant_id = merchant_id


# Salla's event names are dotted words ("app.store.authorize", "product.price.updated"); the inbox
# keeps them in a 128-character column, and storage cannot hold NUL or lone surrogates.
_EVENT_NAME = re.compile(r"[A-Za-z0-9_]+(?:[.:-][A-Za-z0-9_]+)*")
MAX_EVENT_NAME = 100
# Salla's store ids are 64-bit integers (19 digits); storage keeps 64 characters.
MAX_MERCHANT_DIGITS = 20
# A lone surrogate can only come from a \uD800-\uDFFF escape or from surrogate bytes (json.loads
# lets both through); without either in the body the walk over every string is skipped.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _may_hold_surrogate(raw_body: bytes) -> bool:
    # Substring tests first: they are memchr-fast, the regex is not (a delivery is parsed on the
    # request path). 0xED also starts valid UTF-8 (U+D000-U+D7FF); the walk sorts that out.
    return (b"\\u" in raw_body and _SURROGATE_ESCAPE.search(raw_body) is not None) or b"\xed" in raw_body


def parse_webhook(raw_body: bytes, *, now: datetime | None = None) -> WebhookEvent:
    """Parse a (verified) delivery; raises ``RejectedDelivery`` (400 or 422) for bad input.

    With ``now``, the tokens of an ``app.store.authorize`` are read too, so a delivery whose
    tokens cannot be stored is refused here (422) rather than failing later.
    """
    delivery_id = hashlib.sha256(raw_body).hexdigest()

    def rejected(status: int, message: str, event: str | None = None, merchant: str | None = None) -> RejectedDelivery:
        return RejectedDelivery(message, status=status, delivery_id=delivery_id, event=event, merchant_id=merchant)

    try:
        # As json.loads reads bytes (UTF-8/16/32, surrogates passed through to be found below).
        payload = _DECODER.decode(raw_body.decode(json.detect_encoding(raw_body), "surrogatepass"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise rejected(400, f"webhook body is not JSON: {str(exc)[:200]}") from exc
    except RecursionError as exc:  # nesting deeper than the parser's recursion limit
        raise rejected(400, "webhook body is nested too deeply") from exc
    if not isinstance(payload, Mapping):
        raise rejected(400, "webhook body is not a JSON object")
    event = payload.get("event")
    if not isinstance(event, str) or not event.strip():
        raise rejected(400, "webhook without an event name")
    event = event.strip()
    if len(event) > MAX_EVENT_NAME or not _EVENT_NAME.fullmatch(event):
        raise rejected(400, f"webhook event name is not a Salla event name: {_shown(event)}")
    merchant = payload.get("merchant")
    # ASCII digits only: ``str.isdigit`` also accepts "٣" or "²", which would name a different store.
    if (
        isinstance(merchant, bool)
        or not isinstance(merchant, int | str)
        or not (text := str(merchant).strip()).isascii()
        or not text.isdigit()
        or len(text) > MAX_MERCHANT_DIGITS
    ):
        raise rejected(400, f"webhook without a numeric merchant id: {_shown(merchant)}", event)
    merchant_id = str(int(text))  # "0042" is store 42, not a store of its own
    if _may_hold_surrogate(raw_body) and _holds_lone_surrogate(payload):
        raise rejected(400, "webhook body has text that is not Unicode (a lone surrogate)", event, merchant_id)
    data = payload.get("data", {})
    if data is None or data == []:
        data = {}  # PHP's empty array
    if not isinstance(data, Mapping):
        raise rejected(400, "webhook data is not an object", event, merchant_id)
    try:
        created_at = parse_created_at(payload.get("created_at"))
    except ValueError as exc:
        raise rejected(422, str(exc), event, merchant_id) from exc
    if now is not None and event == APP_STORE_AUTHORIZE:
        try:
            token_set_from_payload(data, now)
        except TokenPayloadError as exc:
            raise rejected(422, f"app.store.authorize with {exc}", event, merchant_id) from exc
    return WebhookEvent(
        event=event,
        merchant_id=merchant_id,
        created_at=created_at,
        data=data,
        delivery_id=delivery_id,
    )


def _refuse_constant(name: str) -> object:
    # json.loads accepts NaN, Infinity and -Infinity, which RFC 8259 does not.
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    # 1e400 parses as inf: a number no JSON implementation Salla uses could have meant.
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is beyond what a double holds")
    return value


# One decoder for every delivery (json.loads with hooks would build a new one per call).
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def _holds_lone_surrogate(payload: object) -> bool:
    """True when a key or string anywhere in ``payload`` cannot be written as UTF-8."""
    stack = [payload]
    while stack:  # iterative: a deeply nested body must not exhaust the recursion limit
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _shown(value: object) -> str:
    """A short, ASCII-only rendering of a bad value for an error message (safe to store and log)."""
    text = ascii(value)
    return text if len(text) <= 60 else text[:57] + "..."


def token_set_from_authorize(event: WebhookEvent, now: datetime) -> TokenSet:
    """The tokens carried by ``app.store.authorize`` (its ``expires`` is a Unix timestamp)."""
    if event.event != APP_STORE_AUTHORIZE:
        raise ValueError(f"not an app.store.authorize event: {event.event}")
    try:
        return token_set_from_payload(event.data, now)
    except TokenPayloadError as exc:
        raise WebhookRejected(f"app.store.authorize with {exc}", status=422) from exc
