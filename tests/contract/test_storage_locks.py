"""The ``StoreLocks`` contract on every implementation: in process (beside the in-memory storage),
and from ``build_storage`` SQLite (file locks) and PostgreSQL (advisory locks).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.config import Config
from adapters.memory import InMemoryUnitOfWorkFactory, ThreadStoreLocks
from adapters.storage import build_storage
from adapters.storage.crypto import generate_key
from pricing_core.ports import StoreLocks, UnitOfWorkFactory, scope_of
from pricing_core.stores import Store
from pricing_core.tokens import TokenSet

THREADS = 8


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[UnitOfWorkFactory, StoreLocks]]:
    if request.param == "memory":
        yield InMemoryUnitOfWorkFactory(), ThreadStoreLocks()
        return
    if request.param == "sqlite":
        config = Config(var_dir=tmp_path / "var")
    else:
        config = Config(
            database_url=request.getfixturevalue("fresh_postgres_url"), token_encryption_keys=(generate_key(),)
        )
    factory, locks = build_storage(config, migrate_schema=True)
    yield factory, locks
    factory.engine.dispose()


def _run_all(target: object, count: int = THREADS) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]  # type: ignore[arg-type]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)


def test_storage_lock_admits_one_holder_at_a_time(storage: tuple[UnitOfWorkFactory, StoreLocks]) -> None:
    _, locks = storage
    guard = threading.Lock()
    holders, peak, entries = [0], [0], []
    start = threading.Barrier(THREADS)

    def contend() -> None:
        start.wait()
        with locks.hold("1001", "token_refresh") as acquired:
            with guard:
                holders[0] += 1
                peak[0] = max(peak[0], holders[0])
                entries.append(acquired)
            time.sleep(0.02)
            with guard:
                holders[0] -= 1

    _run_all(contend)
    assert entries == [True] * THREADS
    assert peak[0] == 1


def test_storage_lock_timeouts_and_independence(storage: tuple[UnitOfWorkFactory, StoreLocks]) -> None:
    _, locks = storage
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with locks.hold("1001", "token_refresh") as acquired:
            assert acquired
            held.set()
            release.wait(30)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(30)
        with locks.hold("1001", "token_refresh", timeout=0) as acquired:
            assert acquired is False
        began = time.monotonic()
        with locks.hold("1001", "token_refresh", timeout=0.2) as acquired:
            assert acquired is False
        assert time.monotonic() - began >= 0.2
        with locks.hold("1002", "token_refresh", timeout=0) as acquired:
            assert acquired is True  # another store is not blocked
        with locks.hold("1001", "optimize", timeout=0) as acquired:
            assert acquired is True  # nor another purpose
    finally:
        release.set()
        thread.join(30)
    with locks.hold("1001", "token_refresh", timeout=0) as acquired:
        assert acquired is True


def test_storage_lock_serializes_a_token_refresh(storage: tuple[UnitOfWorkFactory, StoreLocks]) -> None:
    """The refresh pattern over this storage: 8 threads, one call to the (single-use) refresh endpoint."""
    factory, locks = storage
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with factory() as uow:
        uow.stores.upsert(Store(store_id="7"))
        uow.commit()
    with factory("7") as uow:
        scope_of(uow).tokens.save(TokenSet(access_token="a0", refresh_token="r0", expires_at=now))
        uow.commit()
    calls: list[str] = []
    used: set[str] = set()
    seen: list[str] = []
    guard = threading.Lock()

    def salla_refresh(refresh_token: str) -> TokenSet:
        with guard:
            calls.append(refresh_token)
            if refresh_token in used:
                raise AssertionError("refresh token reused: Salla would revoke the whole chain")
            used.add(refresh_token)
            n = len(calls)
        time.sleep(0.05)  # the network
        return TokenSet(access_token=f"a{n}", refresh_token=f"r{n}", expires_at=now + timedelta(days=14))

    start = threading.Barrier(THREADS)

    def refresh() -> None:
        start.wait()
        with locks.hold("7", "token_refresh"):
            with factory("7") as uow:
                current = scope_of(uow).tokens.get()
                assert current is not None
                if current.expires_at <= now:  # nobody refreshed while we waited
                    assert current.refresh_token is not None
                    current = salla_refresh(current.refresh_token)
                    scope_of(uow).tokens.save(current)
                    uow.commit()
            with guard:
                seen.append(current.access_token)

    _run_all(refresh)
    assert calls == ["r0"]
    assert seen == ["a1"] * THREADS
