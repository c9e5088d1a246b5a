"""Concurrent token refreshes over each storage and its locks: exactly one call to Salla.

The refresh use case, eight threads, the in-memory storage (in-process locks), SQLite (file locks)
and PostgreSQL (advisory locks), and the fake Salla's accounts service, which revokes the whole
chain when a refresh token is reused.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from adapters.config import Config
from adapters.memory import InMemoryUnitOfWorkFactory, ThreadStoreLocks
from adapters.memory.clock import FakeClock
from adapters.memory.salla import FakeSallaAuth
from adapters.storage import build_storage
from adapters.storage.crypto import generate_key
from pricing_core.activity import ActivityType
from pricing_core.ports import StoreLocks, UnitOfWorkFactory, scope_of
from pricing_core.stores import Store
from pricing_core.tokens import RefreshOutcome
from pricing_core.usecases.refresh_tokens import RefreshResult, refresh_store_tokens

THREADS = 8


@attrs.frozen
class Ports:
    uow_factory: UnitOfWorkFactory
    locks: StoreLocks
    clock: FakeClock
    salla_auth: FakeSallaAuth


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ports(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ports]:
    clock = FakeClock()
    if request.param == "memory":
        yield Ports(InMemoryUnitOfWorkFactory(), ThreadStoreLocks(), clock, FakeSallaAuth(clock.now))
        return
    if request.param == "sqlite":
        config = Config(var_dir=tmp_path / "var")
    else:
        config = Config(
            database_url=request.getfixturevalue("fresh_postgres_url"), token_encryption_keys=(generate_key(),)
        )
    factory, locks = build_storage(config, migrate_schema=True)
    yield Ports(factory, locks, clock, FakeSallaAuth(clock.now))
    factory.engine.dispose()


def test_storage_eight_concurrent_refreshes_make_one_salla_call(ports: Ports) -> None:
    store_id = f"store-{time.monotonic_ns()}"  # the PostgreSQL database is shared by the module
    installed = ports.salla_auth.issue(store_id)
    with ports.uow_factory() as uow:
        uow.stores.upsert(Store(store_id=store_id, store_name="Refresh race"))
        uow.commit()
    with ports.uow_factory(store_id) as uow:
        scope_of(uow).tokens.save(installed)
        uow.commit()
    ports.salla_auth.refresh_delay = lambda: time.sleep(0.05)  # widen the race window
    start = threading.Barrier(THREADS)
    results: list[RefreshResult] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(refresh_store_tokens(ports, store_id, seen=installed, lock_timeout=None))
        except BaseException as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert ports.salla_auth.refresh_calls == 1
    assert sorted(r.outcome for r in results) == [RefreshOutcome.REFRESHED] + [RefreshOutcome.SKIPPED] * (THREADS - 1)
    with ports.uow_factory(store_id) as uow:
        store = uow.stores.get(store_id)
        final = scope_of(uow).tokens.get()
        log = scope_of(uow).activity.list()
    assert store is not None and store.is_active
    assert final is not None and final.refresh_token != installed.refresh_token
    assert {r.tokens.access_token for r in results if r.tokens is not None} == {final.access_token}
    assert len(results) == THREADS
    assert [e.activity_type for e in log] == [ActivityType.SYSTEM_TOKEN_REFRESH]
    assert ports.salla_auth.merchant_for(final.access_token) == store_id  # the chain is alive
