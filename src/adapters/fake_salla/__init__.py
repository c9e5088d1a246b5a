"""An in-process Salla emulator: OAuth, Merchant API, rate limits, webhooks, faults.

Serve ``create_fake_salla().app`` in process (``starlette.testclient.TestClient(fake.app)``)
or with uvicorn (``salla-optimizer fake-salla --port N``); point ``SALLA_ACCOUNTS_URL`` at the
origin and ``SALLA_API_URL`` at ``<origin>/admin/v2``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from adapters.fake_salla.app import build_app
from adapters.fake_salla.clock import ScaledClock
from adapters.fake_salla.fake import (
    FULL_SCOPE,
    SANDBOX_APP_ID,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    FakeSalla,
    InstallOrder,
)
from adapters.fake_salla.faults import Fault, StatsSnapshot
from adapters.fake_salla.ratelimit import PlanRateLimiter, RateDecision, RateWindow, allowed_by_model
from adapters.fake_salla.stores import PLAN_LIMITS, SandboxStore, SandboxStoreSpec
from adapters.fake_salla.webhooks import DEFAULT_RETRY_INTERVALS, Delivery, Strategy, WebhookHttp, sign

if TYPE_CHECKING:
    from pricing_core.ports import Clock


def create_fake_salla(
    *,
    seed: int = 7,
    client_id: str = SANDBOX_CLIENT_ID,
    client_secret: str = SANDBOX_CLIENT_SECRET,
    clock: Clock | None = None,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    webhook_strategy: Strategy = "signature",
    stores: Sequence[SandboxStoreSpec] | None = None,
    time_scale: float = 1.0,
    webhook_http: WebhookHttp | None = None,
    webhook_retry_intervals: Sequence[float] = DEFAULT_RETRY_INTERVALS,
    invalid_grant_status: int = 400,
    token_expiry_field: Literal["expires_in", "expires"] = "expires_in",
    bulk_delay: float = 0.05,
    price_events: bool = True,
    state_path: Path | None = None,
    portal_events: Sequence[str] = (),
    strict_webhook_urls: bool = False,
) -> FakeSalla:
    """Build a fake Salla, deterministic from ``seed``.

    - ``clock`` (a ``Clock``, e.g. ``adapters.memory.clock.FakeClock``) drives token expiry and
      the rate-limit windows; without one the fake runs on the wall clock sped up ``time_scale``
      times (changeable later with ``set_time_scale``).
    - ``stores`` replaces the default sandbox stores (``SandboxStoreSpec``).
    - ``webhook_url`` / ``webhook_secret`` / ``webhook_strategy`` ("signature", "token", "none")
      turn on deliveries; ``webhook_http`` posts them (default: a new ``httpx.Client``; pass a
      ``TestClient`` of your app to deliver in process); failures are retried after each of
      ``webhook_retry_intervals`` seconds.
    - ``invalid_grant_status``: 400 (fosite, default) or 401 (Salla's docs).
    - ``token_expiry_field``: the token endpoint answers ``expires_in`` (default) or ``expires``.
    - ``bulk_delay``: seconds before a queued ``bulkPrice`` update shows (0: at once).
    - ``price_events``: send ``product.price.updated`` for every product a bulk update changed
      (to whatever subscribed it: store events are delivered only when subscribed, see below).
    - ``portal_events``: store events the app subscribed in the Partner Portal ("Store Events"),
      delivered to ``webhook_url`` for every installed store. Other store events reach the app
      only through a store webhook (``POST /admin/v2/webhooks/subscribe``); app events always.
    - ``strict_webhook_urls``: refuse ``localhost``/``127.*``/``test.`` webhook URLs with 422, as
      Salla does (off by default so a local sandbox can subscribe its own server).
    - ``state_path``: keep the mutable state (tokens, installs, prices; see ``FakeSalla.snapshot``)
      in this JSON file: restored now when it exists (an unusable file is moved aside with a
      warning and the fake starts from the seed), saved at most once a second after changes
      and on ``close()``/``save_state()``. None (the default): memory only, as before.
    """
    fake = FakeSalla(
        seed=seed,
        client_id=client_id,
        client_secret=client_secret,
        clock=clock,
        time_scale=time_scale,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_strategy=webhook_strategy,
        webhook_http=webhook_http,
        webhook_retry_intervals=webhook_retry_intervals,
        stores=stores,
        invalid_grant_status=invalid_grant_status,
        token_expiry_field=token_expiry_field,
        bulk_delay=bulk_delay,
        price_events=price_events,
        state_path=state_path,
        portal_events=portal_events,
        strict_webhook_urls=strict_webhook_urls,
    )
    fake.app = build_app(fake)
    return fake


__all__ = [
    "FULL_SCOPE",
    "PLAN_LIMITS",
    "SANDBOX_APP_ID",
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "Delivery",
    "FakeSalla",
    "Fault",
    "InstallOrder",
    "PlanRateLimiter",
    "RateDecision",
    "RateWindow",
    "SandboxStore",
    "SandboxStoreSpec",
    "ScaledClock",
    "StatsSnapshot",
    "allowed_by_model",
    "create_fake_salla",
    "sign",
]
