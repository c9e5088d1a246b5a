"""The PriceEchoes contract, for the in-process store and the Redis one (a throwaway redis-server)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest

from adapters.echoes_redis import RedisPriceEchoes
from adapters.memory import FakeClock, MemoryPriceEchoes
from pricing_core.ports import PriceEchoes


@pytest.fixture(params=["memory", "redis"])
def echoes(request: pytest.FixtureRequest) -> Iterator[PriceEchoes]:
    if request.param == "memory":
        yield MemoryPriceEchoes(FakeClock())
        return
    url = request.getfixturevalue("redis_url")
    # a prefix per test: the session's Redis is shared
    store = RedisPriceEchoes.from_url(url, prefix=f"test-echo:{uuid.uuid4().hex}")
    try:
        yield store
    finally:
        store.close()


def test_expected_prices_are_echoes_and_others_are_not(echoes: PriceEchoes) -> None:
    echoes.expect("100", {"1": Decimal("104.00"), "2": Decimal("99.9")}, ttl_seconds=60)
    assert echoes.is_echo("100", "1", Decimal("104"))
    assert echoes.is_echo("100", "2", Decimal("99.90"))
    assert not echoes.is_echo("100", "1", Decimal("109.20"))
    assert not echoes.is_echo("200", "1", Decimal("104.00"))
    assert not echoes.is_echo("100", "3", Decimal("104.00"))


def test_a_check_does_not_consume_the_expectation(echoes: PriceEchoes) -> None:
    echoes.expect("100", {"1": Decimal("5")}, ttl_seconds=60)
    assert echoes.is_echo("100", "1", Decimal("5")) and echoes.is_echo("100", "1", Decimal("5"))


def test_a_large_bulk_is_recorded_whole(echoes: PriceEchoes) -> None:
    prices = {str(i): Decimal(i) / 4 for i in range(2_500)}  # more than one Redis pipeline chunk
    echoes.expect("100", prices, ttl_seconds=60)
    assert all(echoes.is_echo("100", pid, price) for pid, price in prices.items())


def test_redis_keys_carry_the_ttl(redis_url: str) -> None:
    import redis

    store = RedisPriceEchoes.from_url(redis_url, prefix=f"test-echo:{uuid.uuid4().hex}")
    client = redis.Redis.from_url(redis_url)
    try:
        store.expect("100", {"1": Decimal("104")}, ttl_seconds=899.2)
        assert 0 < client.ttl(store.key("100", "1", Decimal("104.00"))) <= 900
    finally:
        store.close()
        client.close()


def test_redis_fails_open_when_the_server_is_gone() -> None:
    from support.servers import free_port

    store = RedisPriceEchoes.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.2)
    store.expect("100", {"1": Decimal("1")}, ttl_seconds=60)  # logged, not raised
    assert store.is_echo("100", "1", Decimal("1")) is False


def test_with_redis_url_separate_processes_share_expectations(redis_url: str, tmp_path) -> None:
    from adapters.config import Config
    from adapters.memory import InMemoryUnitOfWorkFactory
    from bootstrap import ProcessKind, bootstrap

    # what bootstrap gives the web process and a worker process: two pools, one Redis
    config = Config(redis_url=redis_url, var_dir=tmp_path)
    web, worker = (bootstrap(config, kind, uow_factory=InMemoryUnitOfWorkFactory(), locks=object())
                   for kind in (ProcessKind.SERVE, ProcessKind.WORKER))
    try:
        assert isinstance(web.services.echoes, RedisPriceEchoes) and web.services.echoes is not worker.services.echoes
        worker.services.echoes.expect("300", {"7": Decimal("12.5")}, ttl_seconds=60)
        assert web.services.echoes.is_echo("300", "7", Decimal("12.50"))
    finally:
        web.close()
        worker.close()
        worker.close()
