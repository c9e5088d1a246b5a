"""``Services``: the one explicit bundle of ports that use cases, actors and routes are given.

Built by the composition root (``bootstrap.bootstrap``) once per process, or by a test with
fakes. Every port a use case may touch is a named, typed field: nothing is probed with
``getattr`` and nothing is built lazily behind a global.
"""

from __future__ import annotations

import logging
from typing import Any

import attrs

from adapters.config import Config
from pricing_core.alerts import Notifier, StoreNotifier
from pricing_core.change_impact import ImpactPolicy
from pricing_core.ports import (
    Clock,
    CompetitorSource,
    PriceEchoes,
    PricingAdvisor,
    SallaAuth,
    SallaCatalog,
    SallaOrders,
    SallaWebhooks,
    StoreLocks,
    TaskQueue,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)


@attrs.frozen(kw_only=True)
class Services:
    """Everything a use case may need, built once per process.

    ``echoes`` is where the apply path records the prices it writes so their webhook echo is
    dropped at intake (Redis with ``REDIS_URL``, shared by the web app and the workers; else one
    in-process store). ``fake_salla`` is the in-process sandbox (``config.uses_sandbox``) or None.
    ``closers`` release what the services hold (the sandbox's state, database pools, HTTP clients), in order.
    """

    config: Config
    uow_factory: UnitOfWorkFactory
    locks: StoreLocks
    clock: Clock
    salla_auth: SallaAuth
    salla_catalog: SallaCatalog
    competitors: CompetitorSource
    advisor: PricingAdvisor | None
    queue: TaskQueue
    echoes: PriceEchoes | None = None
    # Salla's Webhooks API (store-event subscriptions); the real Merchant API client implements
    # it beside ``SallaCatalog``. None when a test's catalog fake does not.
    salla_webhooks: SallaWebhooks | None = None
    # Salla's Orders API (the store's sales); the Merchant API client implements it too.
    salla_orders: SallaOrders | None = None
    # Where alerts go (apprise, ``ALERT_URLS``); None: no target configured, nothing is sent.
    notifier: Notifier | None = None
    # Where a store's own alerts go (its targets from the settings page, guarded); None: not at all.
    store_notifier: StoreNotifier | None = None
    fake_salla: Any = None
    closers: tuple[Any, ...] = ()

    @property
    def echo_ttl_seconds(self) -> float:
        """How long an expected echo is remembered (``PRICE_ECHO_TTL_SECONDS``)."""
        return self.config.price_echo_ttl_seconds

    @property
    def token_threshold_hours(self) -> float:
        """Refresh tokens expiring within this many hours (``TOKEN_REFRESH_THRESHOLD_HOURS``)."""
        return float(self.config.token_refresh_threshold_hours)

    @property
    def impact_policy(self) -> ImpactPolicy:
        """Watching applied changes (``IMPACT_WINDOW_DAYS``, ``IMPACT_PROFIT_DROP_PCT``, ``IMPACT_MIN_UNITS``)."""
        c = self.config
        return ImpactPolicy(window_days=c.impact_window_days, profit_drop_pct=str(c.impact_profit_drop_pct),
                            min_units_before=c.impact_min_units)

    def close(self) -> None:
        """Release what the services hold; the way out never fails on one of them."""
        for close in self.closers:
            try:
                close()
            except Exception:  # closing on the way out must not mask the real outcome
                log.warning("closing %r failed", close, exc_info=True)


__all__ = ["Services"]
