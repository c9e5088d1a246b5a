"""The composition root: turn a ``Config`` into the services the runners and entrypoints use.

Nothing else constructs adapters. Tests call ``build_services(config, **overrides)`` with fakes
for any port. The task queue is not built here: it belongs to the runners (adapters must not
import them); entrypoints build it with ``runners.broker.DramatiqQueue``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from adapters.config import SALLA_ACCOUNTS_URL, SALLA_API_URL, Config
from pricing_core.ports import (
    Clock,
    CompetitorSource,
    PriceEchoes,
    PricingAdvisor,
    SallaAuth,
    SallaCatalog,
    SallaWebhooks,
    StoreLocks,
    UnitOfWorkFactory,
    scope_of,
)
from pricing_core.usecases.context import DEFAULT_ECHO_TTL_SECONDS

if TYPE_CHECKING:
    from adapters.competitors import OwnStore
    from adapters.fake_salla import FakeSalla

log = logging.getLogger(__name__)

# Where the in-process sandbox answers: the clients talk to it through an ASGI transport, the
# host name only labels the requests.
SANDBOX_ORIGIN = "http://fake-salla.sandbox"


@attrs.frozen(kw_only=True)
class Services:
    """Everything a use case may need, built once per process.

    ``fake_salla`` is the in-process sandbox (``config.uses_sandbox``) or None.
    """

    config: Config
    uow_factory: UnitOfWorkFactory
    locks: StoreLocks
    clock: Clock
    salla_auth: SallaAuth
    salla_catalog: SallaCatalog
    competitors: CompetitorSource
    advisor: PricingAdvisor | None
    fake_salla: FakeSalla | None = None
    # Expected echoes of the prices we write (see ``PriceEchoes``): the web route drops their
    # ``product.price.updated`` without queueing. Redis with ``REDIS_URL`` (shared by the web app
    # and the workers), else one in-process store that the embedded server's web app and worker
    # threads share through this very ``Services``. None: nothing recorded, nothing dropped early.
    echoes: PriceEchoes | None = None
    echo_ttl_seconds: float = DEFAULT_ECHO_TTL_SECONDS
    # Salla's Webhooks API (store-event subscriptions). The real Merchant API client implements
    # it next to ``SallaCatalog``; None when the catalog given in the overrides does not.
    salla_webhooks: SallaWebhooks | None = None

    def close(self) -> None:
        """Release what the services hold (database pools, HTTP clients); save the sandbox's state."""
        # The sandbox's last changes (a token just rotated, prices just applied) would otherwise
        # wait for its debounce timer, a daemon thread that dies with the process.
        save_state = getattr(self.fake_salla, "save_state", None)
        if callable(save_state):
            try:
                save_state()
            except Exception:  # same as below: the way out must not fail on it
                log.warning("saving the sandbox state failed", exc_info=True)
        for resource in (getattr(self.uow_factory, "engine", None),):
            dispose = getattr(resource, "dispose", None)
            if callable(dispose):
                dispose()
        for client in (self.salla_auth, self.salla_catalog):
            http = getattr(client, "_http", None)
            close = getattr(getattr(http, "_client", http), "close", None)
            if callable(close):
                try:
                    close()
                except Exception:  # closing on the way out must not mask the real outcome
                    log.debug("closing %r failed", client, exc_info=True)


def salla_credentials(
    config: Config, uow_factory: UnitOfWorkFactory, env: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """Salla client id and secret: ``system_settings`` first, then the environment/config, else sandbox ones."""
    from adapters.fake_salla import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

    env = os.environ if env is None else env
    client_id = _lookup(uow_factory, "SALLA_CLIENT_ID", env) or config.salla_client_id
    secret = _lookup(uow_factory, "SALLA_CLIENT_SECRET", env) or config.salla_client_secret
    if config.uses_sandbox:
        return client_id or SANDBOX_CLIENT_ID, secret or SANDBOX_CLIENT_SECRET
    if not client_id or not secret:
        raise ValueError("SALLA_CLIENT_ID and SALLA_CLIENT_SECRET are needed (system_settings or environment)")
    return client_id, secret


def _lookup(uow_factory: UnitOfWorkFactory, key: str, env: Mapping[str, str]) -> str | None:
    from adapters.storage import lookup_setting

    try:
        return lookup_setting(uow_factory, key, env)
    except Exception:  # schema not migrated yet (PostgreSQL before `migrate`): fall back to env
        log.warning("could not read %s from system_settings; using the environment", key, exc_info=True)
        return env.get(key) or None


def build_sandbox(config: Config, **options: Any) -> FakeSalla:
    """The process's in-process fake Salla for the embedded default (deterministic from the seed).

    Its mutable state (issued tokens, installs, applied prices) lives in
    ``sandbox_state_path(config)`` beside the SQLite database, so a restarted ``serve`` still
    honours the tokens stored in the database; ``options["state_path"]`` overrides (None: memory only).
    """
    from adapters.fake_salla import create_fake_salla

    options.setdefault("state_path", sandbox_state_path(config))
    return create_fake_salla(seed=config.sandbox_seed, **options)


def sandbox_state_path(config: Config) -> Path:
    """Where the embedded sandbox keeps its state: ``<var_dir>/sandbox-state.json``."""
    return config.var_dir / "sandbox-state.json"


def build_services(config: Config, **overrides: Any) -> Services:
    """Build every service for ``config``; any ``Services`` field given in ``overrides`` is used as is.

    - storage: ``adapters.storage.build_storage`` (SQLite file by default, PostgreSQL with
      ``DATABASE_URL``) with its cross-process per-store locks;
    - Salla: the httpx clients; in the sandbox they talk in process (ASGI) to one fake Salla
      built for the whole process (``overrides["fake_salla"]`` to share one);
    - competitors and advisor: ``build_competitor_source`` (or the sandbox market with
      ``COMPETITOR_SOURCE=sandbox``) and ``build_advisor``.
    """
    unknown = set(overrides) - {f.name for f in attrs.fields(Services)}
    if unknown:
        raise TypeError(f"unknown service override(s): {sorted(unknown)}")
    values: dict[str, Any] = {"config": config, **overrides}

    if "uow_factory" not in values or "locks" not in values:
        from adapters.storage import build_storage

        uow_factory, locks = build_storage(config)
        values.setdefault("uow_factory", uow_factory)
        values.setdefault("locks", locks)
    if "clock" not in values:
        from adapters.clock import SystemClock

        values["clock"] = SystemClock()

    if "salla_auth" not in values or "salla_catalog" not in values:
        auth, catalog, fake = _build_salla(config, values)
        values.setdefault("salla_auth", auth)
        values.setdefault("salla_catalog", catalog)
        values.setdefault("fake_salla", fake)
    values.setdefault("fake_salla", None)
    if "salla_webhooks" not in values:
        catalog = values["salla_catalog"]
        webhooks_api = catalog if callable(getattr(catalog, "subscribe_webhook", None)) else None
        values["salla_webhooks"] = webhooks_api

    if "competitors" not in values:
        values["competitors"] = _build_competitors(config, values["uow_factory"])
    if "advisor" not in values:
        from adapters.agents import build_advisor

        values["advisor"] = build_advisor(config)
    if "echoes" not in values:
        values["echoes"] = build_echoes(config, values["clock"])
    if "echo_ttl_seconds" not in values:
        values["echo_ttl_seconds"] = echo_ttl_from_env()
    return Services(**values)


def build_echoes(config: Config, clock: Clock) -> PriceEchoes:
    """Redis when ``REDIS_URL`` is set (web and worker processes must see the same expectations),
    otherwise an in-process store (the embedded default runs web and workers in one process)."""
    if config.redis_url:
        from adapters.echoes_redis import RedisPriceEchoes

        return RedisPriceEchoes.from_url(config.redis_url)
    from adapters.memory.echoes import MemoryPriceEchoes

    return MemoryPriceEchoes(clock)


def echo_ttl_from_env(env: Mapping[str, str] | None = None) -> float:
    """``PRICE_ECHO_TTL_SECONDS`` (default 15 minutes: Salla's bulk queue may take several minutes)."""
    env = os.environ if env is None else env
    raw = env.get("PRICE_ECHO_TTL_SECONDS", "").strip()
    if not raw:
        return DEFAULT_ECHO_TTL_SECONDS
    try:
        ttl = float(raw)
    except ValueError as exc:
        raise ValueError(f"PRICE_ECHO_TTL_SECONDS must be a number of seconds, got {raw!r}") from exc
    if not ttl > 0:
        raise ValueError(f"PRICE_ECHO_TTL_SECONDS must be positive, got {raw!r}")
    return ttl


def own_store_lookup(uow_factory: UnitOfWorkFactory) -> Callable[[str], OwnStore]:
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


def _build_competitors(
    config: Config, uow_factory: UnitOfWorkFactory, env: Mapping[str, str] | None = None
) -> CompetitorSource:
    """``build_competitor_source(config)``, unless ``COMPETITOR_SOURCE=sandbox`` asks for the deterministic
    sandbox market even though Salla is configured (a fake Salla over HTTP: integration tests, benchmarks).
    Either way each store's own listings are marked through ``own_store_lookup``."""
    from adapters.competitors import CompositeCompetitorSource, SandboxCompetitorSource, build_competitor_source

    env = os.environ if env is None else env
    own_store = own_store_lookup(uow_factory)
    if env.get("COMPETITOR_SOURCE", "").strip().lower() == "sandbox":
        return CompositeCompetitorSource([SandboxCompetitorSource(seed=config.sandbox_seed)], own_store=own_store)
    return build_competitor_source(config, own_store=own_store)


def _build_salla(config: Config, values: Mapping[str, Any]) -> tuple[SallaAuth, SallaCatalog, FakeSalla | None]:
    from adapters.salla import build_salla

    client_id, secret = salla_credentials(config, values["uow_factory"])
    if config.uses_sandbox:
        from starlette.testclient import TestClient

        fake = values.get("fake_salla") or build_sandbox(config)
        # TestClient is an httpx.Client over the fake's ASGI app: real HTTP semantics, no socket.
        # Server exceptions propagate: the fake's injected timeouts surface as httpx.ReadTimeout.
        http = TestClient(fake.app, base_url=SANDBOX_ORIGIN)
        auth, catalog = build_salla(accounts_url=SANDBOX_ORIGIN, api_url=f"{SANDBOX_ORIGIN}/admin/v2",
                                    client_id=client_id, client_secret=secret, http=http)
        return auth, catalog, fake
    auth, catalog = build_salla(
        accounts_url=(config.salla_accounts_url or SALLA_ACCOUNTS_URL).rstrip("/"),
        api_url=(config.salla_api_url or SALLA_API_URL).rstrip("/"),
        client_id=client_id,
        client_secret=secret,
    )
    return auth, catalog, None


__all__ = [
    "SANDBOX_ORIGIN",
    "Services",
    "build_echoes",
    "build_sandbox",
    "build_services",
    "echo_ttl_from_env",
    "own_store_lookup",
    "salla_credentials",
    "sandbox_state_path",
]
