"""The fake Salla's webhook emitter: signed, at-least-once, retried in a background thread."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

import attrs
import httpx

Strategy = Literal["signature", "token", "none"]

DEFAULT_RETRY_INTERVALS: tuple[float, ...] = (0.05, 0.1, 0.2)
"""Salla retries three times about five minutes apart; compressed so tests do not wait."""


def sign(body: bytes, secret: str) -> str:
    """Salla's ``X-Salla-Signature``: lowercase hex HMAC-SHA256 of the exact body bytes."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery_headers(body: bytes, *, strategy: Strategy, secret: str | None) -> dict[str, str]:
    """The headers Salla sends with a delivery under ``strategy``."""
    headers = {"Content-Type": "application/json", "User-Agent": "Salla-Webhook/2.0 (fake)"}
    if strategy == "signature" and secret:
        headers["X-Salla-Security-Strategy"] = "Signature"
        headers["X-Salla-Signature"] = sign(body, secret)
    elif strategy == "token" and secret:
        headers["X-Salla-Security-Strategy"] = "Token"
        headers["Authorization"] = secret  # verbatim, no "Bearer"
    return headers


def encode_event(payload: Mapping[str, Any]) -> bytes:
    """Serialize like Salla's PHP backend: compact, unescaped unicode and slashes."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookHttp(Protocol):
    """Whatever posts deliveries: ``httpx.Client``, or a ``TestClient`` of the receiving app."""

    def post(self, url: str, *, content: bytes, headers: dict[str, str]) -> Any: ...


@attrs.define(kw_only=True)
class Delivery:
    """One event and what became of it: every attempt's status (or error) in order.

    ``url`` is where it goes: None for the app's webhook URL, else a store webhook's URL.
    """

    event: str
    merchant_id: int
    body: bytes
    url: str | None = None
    attempts: list[str] = attrs.field(factory=list)
    delivered: bool = False
    finished: bool = False


class WebhookSender:
    """Delivers events from a daemon thread, retrying non-200/201 answers.

    Every delivery goes to the app's webhook URL (``url``) unless it names its own (a store
    webhook's URL); all are signed the same way, with the app's secret.
    """

    def __init__(
        self,
        url: str,
        *,
        secret: str | None,
        strategy: Strategy = "signature",
        http: WebhookHttp | None = None,
        retry_intervals: Sequence[float] = DEFAULT_RETRY_INTERVALS,
        timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.secret = secret
        self.strategy = strategy
        self._http = http
        self._own_http = http is None
        self._timeout = timeout
        self.retry_intervals = tuple(retry_intervals)
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._lock = threading.Lock()
        self.deliveries: list[Delivery] = []
        self._pending = 0
        self._idle = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None

    def send(self, event: str, merchant_id: int, body: bytes, *, url: str | None = None) -> Delivery:
        """Queue one delivery (to ``url``, default the app's); returns its record (filled in as attempts happen)."""
        delivery = Delivery(event=event, merchant_id=merchant_id, body=body, url=url)
        with self._lock:
            self.deliveries.append(delivery)
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fake-salla-webhooks", daemon=True)
                self._thread.start()
        self._queue.put(delivery)
        return delivery

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every queued delivery finished (delivered or gave up); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self) -> None:
        """Stop the thread after the queue drains."""
        self._queue.put(None)
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        if self._own_http and isinstance(self._http, httpx.Client):
            self._http.close()

    def _client(self) -> WebhookHttp:
        if self._http is None:
            self._http = httpx.Client(timeout=self._timeout)
        return self._http

    def _attempt(self, delivery: Delivery) -> bool:
        headers = delivery_headers(delivery.body, strategy=self.strategy, secret=self.secret)
        try:
            response = self._client().post(delivery.url or self.url, content=delivery.body, headers=headers)
        except Exception as exc:  # any failure to deliver is a failed attempt, as on Salla
            delivery.attempts.append(f"error: {type(exc).__name__}")
            return False
        delivery.attempts.append(str(response.status_code))
        # Only 200 and 201 count as delivered; anything else (even 404) is retried.
        return response.status_code in (200, 201)

    def _run(self) -> None:
        while True:
            delivery = self._queue.get()
            if delivery is None:
                return
            ok = self._attempt(delivery)
            for interval in self.retry_intervals:
                if ok:
                    break
                time.sleep(interval)
                ok = self._attempt(delivery)
            with self._idle:
                delivery.delivered = ok
                delivery.finished = True
                self._pending -= 1
                self._idle.notify_all()
