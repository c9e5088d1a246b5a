"""The one composition root: a ``Config`` and a process kind in, that process's runtime out.

Every process kind calls ``bootstrap``: ``serve`` (the web app; with no ``REDIS_URL`` also the
in-process worker and scheduler), ``worker``, ``scheduler``, the one-off CLI commands, the tests
and the benchmarks (with fakes given as overrides). Nothing else constructs adapters, the broker,
the queue, the Redis pool or the background work.

What it builds, in order: one Redis client (one pool) shared by the broker, the expected echoes
and the scheduler's fire claims; storage (SQLite under ``var/`` or PostgreSQL) and its per-store
locks; the Salla credentials (``system_settings`` first, then the environment, via
``Config.with_stored_credentials``); the Salla clients (in the sandbox, talking in process to one
fake Salla); competitors and the advisor; the broker and the ``TaskQueue`` over it; the actors,
declared on that broker with these very services; and, for ``serve`` without Redis, the
background worker threads and scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import attrs
import dramatiq

from adapters.config import SALLA_ACCOUNTS_URL, SALLA_API_URL, Config, ConfigError
from adapters.services import Services
from pricing_core.alerts import Notifier, StoreNotifier
from pricing_core.ports import (
    Clock,
    CompetitorSource,
    PriceEchoes,
    SallaAuth,
    SallaCatalog,
    UnitOfWorkFactory,
    scope_of,
)
from pricing_core.usecases.intent_ledger import IntentLedger
from runners.actors import declare_actors
from runners.background import EmbeddedBackground
from runners.broker import DramatiqQueue, build_broker, is_in_process
from runners.recovery import recover_in_background
from runners.scheduler import PeriodicScheduler, claims_for

log = logging.getLogger(__name__)

# Where the in-process sandbox answers: the clients talk to it through an ASGI transport, the
# host name only labels the requests.
SANDBOX_ORIGIN = "http://fake-salla.sandbox"
# The Redis pool's timeouts: a Redis that hangs must not stall webhook intake for long (the echo
# check fails open), and every user of the pool is on the same network path.
REDIS_SOCKET_TIMEOUT = 5.0
REDIS_CONNECT_TIMEOUT = 2.0


class ProcessKind(StrEnum):
    """What a process is for; decides the background work and what the broker must be."""

    SERVE = "serve"
    WORKER = "worker"
    SCHEDULER = "scheduler"
    CLI = "cli"
    TEST = "test"


@attrs.frozen(kw_only=True)
class Runtime:
    """One process's wiring: the services bundle, the broker, and its background work (if any)."""

    kind: ProcessKind
    services: Services
    broker: dramatiq.Broker
    background: EmbeddedBackground | None = None
    redis: Any = None

    @property
    def config(self) -> Config:
        """The process's configuration."""
        return self.services.config

    def scheduler(self) -> PeriodicScheduler:
        """The periodic scheduler of this deployment (claims in Redis, or in the database)."""
        s = self.services
        return PeriodicScheduler(s.queue, claims_for(self.redis, s.uow_factory, s.clock), s.config.schedules)

    def close(self) -> None:
        """Release everything the services hold (pools, clients, the sandbox's state)."""
        self.services.close()


def bootstrap(config: Config, kind: ProcessKind = ProcessKind.CLI, **overrides: Any) -> Runtime:
    """Build the runtime of a ``kind`` process from ``config``.

    Any ``Services`` field given in ``overrides`` (a test's fakes) is used as is, and ``redis`` or
    ``broker`` may be given too. ``worker`` and ``scheduler`` need ``REDIS_URL``: their messages must
    reach other processes (``ConfigError`` otherwise).
    """
    fields = {f.name for f in attrs.fields(Services)}
    unknown = set(overrides) - fields - {"redis", "broker"}
    if unknown:
        raise TypeError(f"unknown override(s): {sorted(unknown)}")
    if kind in (ProcessKind.WORKER, ProcessKind.SCHEDULER) and not config.redis_url and "broker" not in overrides:
        raise ConfigError(f"REDIS_URL: {kind.value} needs it (without it, `serve` runs an in-process "
                          f"{'worker' if kind is ProcessKind.WORKER else 'scheduler'})")
    closers: list[Callable[[], object]] = []
    redis_client = overrides.pop("redis", None)
    if redis_client is None and config.redis_url:
        redis_client = _redis(config.redis_url)
        closers.append(redis_client.close)

    values: dict[str, Any] = dict(overrides)
    if "uow_factory" not in values or "locks" not in values:
        from adapters.storage import build_storage

        uow_factory, locks = build_storage(config)
        closers.append(uow_factory.engine.dispose)
        values.setdefault("uow_factory", uow_factory)
        values.setdefault("locks", locks)
    config = config.with_stored_credentials(_stored_setting(values["uow_factory"]))
    if "clock" not in values:
        from adapters.clock import SystemClock

        values["clock"] = SystemClock()
    if "salla_auth" not in values or "salla_catalog" not in values:
        auth, catalog, fake, http_close = _build_salla(config, kind, values.get("fake_salla"))
        values.setdefault("salla_auth", auth)
        values.setdefault("salla_catalog", catalog)
        values.setdefault("salla_webhooks", catalog)  # the Merchant API client serves both ports
        values.setdefault("salla_orders", catalog)  # and the orders one
        values.setdefault("fake_salla", fake)
        closers.append(http_close)
    if values.get("fake_salla") is not None:
        closers.insert(0, values["fake_salla"].save_state)  # the sandbox's last changes, before anything else
    if "competitors" not in values:
        values["competitors"] = _build_competitors(config, values["uow_factory"])
    if "advisor" not in values:
        from adapters.agents import build_advisor

        values["advisor"] = build_advisor(config)
    if "echoes" not in values:
        values["echoes"] = _build_echoes(redis_client, values["clock"])
    if "notifier" not in values:
        values["notifier"] = _build_notifier(config)
    if "store_notifier" not in values:
        values["store_notifier"] = _build_store_notifier(config)

    broker = overrides.pop("broker", None) or build_broker(config, redis_client)
    values.setdefault("queue", DramatiqQueue(broker, IntentLedger(values["uow_factory"], values["clock"])))
    values.pop("broker", None)
    services = Services(config=config, closers=tuple(closers), **{k: v for k, v in values.items()
                                                                  if k not in ("config", "closers")})
    declare_actors(broker, services)
    background = None
    if kind is ProcessKind.SERVE and is_in_process(broker):
        scheduler = PeriodicScheduler(services.queue, claims_for(None, services.uow_factory, services.clock),
                                      config.schedules)
        background = EmbeddedBackground(broker, scheduler, threads=config.embedded_worker_threads,
                                        recover=lambda: recover_in_background(services, after_restart=True))
    return Runtime(kind=kind, services=services, broker=broker, background=background, redis=redis_client)


def build_services(config: Config, **overrides: Any) -> Services:
    """The services bundle alone, for tests, benchmarks and notebooks (``bootstrap`` as a ``test`` process)."""
    return bootstrap(config, ProcessKind.TEST, **overrides).services


def _redis(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=REDIS_SOCKET_TIMEOUT,
                                socket_connect_timeout=REDIS_CONNECT_TIMEOUT, health_check_interval=30)


def _stored_setting(uow_factory: UnitOfWorkFactory) -> Callable[[str], str | None]:
    """A reader of ``system_settings`` that tolerates a schema not migrated yet (PostgreSQL before ``migrate``)."""
    from adapters.storage import lookup_setting

    def lookup(key: str) -> str | None:
        try:
            return lookup_setting(uow_factory, key)
        except Exception:
            log.warning("could not read %s from system_settings; using the environment", key, exc_info=True)
            return None

    return lookup


def sandbox_state_path(config: Config) -> Path:
    """Where the embedded sandbox keeps its state: ``<var_dir>/sandbox-state.json``."""
    return config.var_dir / "sandbox-state.json"


def build_sandbox(config: Config, **options: Any) -> Any:
    """The process's in-process fake Salla for the embedded default (deterministic from the seed).

    Its mutable state (issued tokens, installs, applied prices) lives in
    ``sandbox_state_path(config)`` beside the SQLite database, so a restarted ``serve`` still
    honours the tokens stored in the database; ``options["state_path"]`` overrides (None: memory only).
    """
    from adapters.fake_salla import create_fake_salla

    options.setdefault("state_path", sandbox_state_path(config))
    return create_fake_salla(seed=config.sandbox_seed, **options)


def _build_salla(
    config: Config, kind: ProcessKind, fake: Any
) -> tuple[SallaAuth, SallaCatalog, Any, Callable[[], object]]:
    from adapters.fake_salla import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
    from adapters.salla import build_salla

    if config.uses_sandbox:
        from starlette.testclient import TestClient

        if fake is None:
            config.var_dir.mkdir(parents=True, exist_ok=True)
            # ``serve`` mounts the sandbox and receives its webhooks like Salla's, signed with the
            # secret the endpoint verifies; other processes only talk to it.
            webhooks: dict[str, Any] = {}
            if kind is ProcessKind.SERVE:
                webhooks = {"webhook_url": config.public_url.rstrip("/") + "/webhooks/salla",
                            "webhook_secret": config.salla_webhook_secret}
            fake = build_sandbox(config, **webhooks)
        # TestClient is an httpx.Client over the fake's ASGI app: real HTTP semantics, no socket.
        # Server exceptions propagate: the fake's injected timeouts surface as httpx.ReadTimeout.
        http = TestClient(fake.app, base_url=SANDBOX_ORIGIN)
        auth, catalog = build_salla(accounts_url=SANDBOX_ORIGIN, api_url=f"{SANDBOX_ORIGIN}/admin/v2",
                                    client_id=config.salla_client_id or SANDBOX_CLIENT_ID,
                                    client_secret=config.salla_client_secret or SANDBOX_CLIENT_SECRET, http=http)
        return auth, catalog, fake, http.close
    if not config.salla_client_id or not config.salla_client_secret:
        raise ConfigError("SALLA_CLIENT_ID: SALLA_CLIENT_ID and SALLA_CLIENT_SECRET are needed "
                          "(environment or `salla-optimizer settings import-env`)")
    import httpx

    from adapters.salla import DEFAULT_TIMEOUT

    client = httpx.Client(timeout=DEFAULT_TIMEOUT, headers={"Accept-Language": "en"})
    auth, catalog = build_salla(
        accounts_url=(config.salla_accounts_url or SALLA_ACCOUNTS_URL).rstrip("/"),
        api_url=(config.salla_api_url or SALLA_API_URL).rstrip("/"),
        client_id=config.salla_client_id, client_secret=config.salla_client_secret, http=client,
    )
    return auth, catalog, None, client.close


def _build_echoes(redis_client: Any, clock: Clock) -> PriceEchoes:
    """Redis when configured (web and worker processes must see the same expectations), otherwise an
    in-process store (the embedded default runs web and workers in one process)."""
    if redis_client is not None:
        from adapters.echoes_redis import RedisPriceEchoes

        return RedisPriceEchoes(redis_client)
    from adapters.memory.echoes import MemoryPriceEchoes

    return MemoryPriceEchoes(clock)


def _build_notifier(config: Config) -> Notifier | None:
    """Alerts through apprise to ``ALERT_URLS``; None when no URL is set (nothing is sent)."""
    if not config.alert_urls:
        return None
    from adapters.alerts import AppriseNotifier

    return AppriseNotifier(config.alert_urls, public_url=config.public_url, timeout=config.alert_timeout_seconds)


def _build_store_notifier(config: Config) -> StoreNotifier:
    """Alerts through apprise to each store's own targets, guarded against internal addresses
    (``ALERT_ALLOW_PRIVATE_TARGETS`` lifts the address check)."""
    from adapters.alerts import AppriseNotifier
    from adapters.alerts.targets import TargetGuard

    return AppriseNotifier((), public_url=config.public_url, timeout=config.alert_timeout_seconds,
                           guard=TargetGuard(allow_private=config.alert_allow_private_targets))


def own_store_lookup(uow_factory: UnitOfWorkFactory) -> Callable[[str], Any]:
    """Store id -> the store's own identity: its Salla store URL (``Store.domain``) and its settings'
    ``own_store_names`` (see ``OwnStore.of_store``), so its own listings are marked ``is_own_store``.

    Read fresh on every call: the competitor source calls it once per ``offers_for`` (one page of
    one store), so it costs one short read-only transaction per page, never one per product, and
    a renamed store or edited settings apply from the next page on.
    """
    from adapters.competitors import OwnStore

    def lookup(store_id: str) -> OwnStore:
        with uow_factory(store_id) as uow:
            store = uow.stores.get(store_id)
            names = scope_of(uow).settings.get().own_store_names if store is not None else ()
        return OwnStore.of_store(store.domain if store is not None else None, names)

    return lookup


def _build_competitors(config: Config, uow_factory: UnitOfWorkFactory) -> CompetitorSource:
    """``build_competitor_source(config)``, unless ``COMPETITOR_SOURCE=sandbox`` asks for the deterministic
    sandbox market even though Salla is configured (a fake Salla over HTTP: integration tests, benchmarks).
    Either way each store's own listings are marked through ``own_store_lookup``."""
    from adapters.competitors import CompositeCompetitorSource, SandboxCompetitorSource, build_competitor_source

    own_store = own_store_lookup(uow_factory)
    if config.competitor_source == "sandbox":
        return CompositeCompetitorSource([SandboxCompetitorSource(seed=config.sandbox_seed)], own_store=own_store)
    return build_competitor_source(config, own_store=own_store)


__all__ = [
    "SANDBOX_ORIGIN",
    "ProcessKind",
    "Runtime",
    "bootstrap",
    "build_sandbox",
    "build_services",
    "own_store_lookup",
    "sandbox_state_path",
]
