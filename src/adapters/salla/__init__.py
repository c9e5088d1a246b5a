"""Salla over httpx: the OAuth client, the Merchant API client, pacing, webhook verification and events.

Both clients take an injected ``httpx.Client`` (any ``HttpClient``): a real one in production, or
``starlette.testclient.TestClient(fake.app)`` to run against the fake Salla in process.
"""

from __future__ import annotations

import time

import httpx

from adapters.salla.events import to_domain_event
from adapters.salla.http import HttpClient
from adapters.salla.merchant_api import SallaApplyReport, SallaMerchantClient
from adapters.salla.oauth import SallaOAuthClient
from adapters.salla.pacing import RateLimitPacer, Sleep
from adapters.salla.webhooks import (
    RejectedDelivery,
    WebhookEvent,
    parse_webhook,
    token_set_from_authorize,
    verify_webhook,
)
from pricing_core.ports import Clock

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def build_salla(
    *,
    accounts_url: str,
    api_url: str,
    client_id: str,
    client_secret: str,
    http: HttpClient | None = None,
    sleep: Sleep = time.sleep,
    clock: Clock | None = None,
) -> tuple[SallaOAuthClient, SallaMerchantClient]:
    """The two Salla clients sharing one ``httpx.Client`` (a new one with sane timeouts if None).

    ``sleep`` is what pacing, backoff and confirmation wait with, and ``clock`` what the pacer
    compares with Salla's ``X-RateLimit-Reset``; benchmarks that speed up the fake's clock pass
    that clock and a sleep scaled to it.
    """
    client: HttpClient = (
        http if http is not None else httpx.Client(timeout=DEFAULT_TIMEOUT, headers={"Accept-Language": "en"})
    )
    oauth = SallaOAuthClient(
        client, accounts_url=accounts_url, client_id=client_id, client_secret=client_secret, clock=clock
    )
    merchant = SallaMerchantClient(client, api_url=api_url, sleep=sleep, clock=clock)
    return oauth, merchant


__all__ = [
    "HttpClient",
    "RateLimitPacer",
    "RejectedDelivery",
    "SallaApplyReport",
    "SallaMerchantClient",
    "SallaOAuthClient",
    "WebhookEvent",
    "build_salla",
    "parse_webhook",
    "to_domain_event",
    "token_set_from_authorize",
    "verify_webhook",
]
