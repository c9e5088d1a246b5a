"""The broker factory, its middleware (retries, time limit, metrics) and the TaskQueue adapter."""

from __future__ import annotations

import random

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import compute_backoff
from dramatiq.middleware import Retries, TimeLimit
from prometheus_client import REGISTRY

from adapters.config import Config
from pricing_core.commands import Command, SweepStoreNow
from runners.broker import (
    DramatiqQueue,
    Metrics,
    RetryLater,
    build_broker,
    is_in_process,
    max_retries_of,
    middleware_for,
    retries_for_window,
    worker_prefetch,
)
from runners.commands import ROUTES, route_of


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_middleware_is_configurable_from_env() -> None:
    stack = middleware_for(Config.from_env({"DRAMATIQ_MAX_RETRIES": "2", "DRAMATIQ_TIME_LIMIT_MS": "5000",
                                            "DRAMATIQ_MIN_BACKOFF_MS": "7", "DRAMATIQ_RETRY_WINDOW_SECONDS": "0"}))
    retries = next(m for m in stack if isinstance(m, Retries))
    limit = next(m for m in stack if isinstance(m, TimeLimit))
    assert (retries.max_retries, retries.min_backoff, limit.time_limit) == (2, 7, 5000)
    assert retries.retry_when is not None and retries.retry_when(1, RetryLater("x"))
    assert not retries.retry_when(2, RetryLater("x"))
    assert any(isinstance(m, Metrics) for m in stack)


@pytest.mark.parametrize("window_s, min_ms, max_ms", [(900, 1000, 300_000), (60, 100, 5000), (1, 1000, 1000)])
def test_the_retries_outlast_the_window_whatever_the_jitter(window_s: int, min_ms: int, max_ms: int) -> None:
    """Dramatiq's own backoff (with its jitter), summed over the retries the window asks for."""
    retries = retries_for_window(window_s * 1000, min_ms, max_ms)
    rng = random.Random(17)
    for _ in range(200):
        random.seed(rng.random())
        waited = sum(compute_backoff(n, factor=min_ms, max_backoff=max_ms)[1] for n in range(retries))
        assert waited >= window_s * 1000
    assert retries_for_window(0, min_ms, max_ms) == 0


def test_a_database_outage_of_minutes_does_not_dead_letter_by_default() -> None:
    retries = max_retries_of(Config())
    assert retries >= 10          # 5 retries spanned ~31-62 s (issue 17); the default window is 15 min
    stack = middleware_for(Config())
    policy = next(m for m in stack if isinstance(m, Retries))
    assert policy.retry_when is not None
    assert policy.retry_when(retries - 1, RetryLater("db down")) and not policy.retry_when(retries, RetryLater("x"))
    assert max_retries_of(Config(dramatiq_max_retries=50)) == 50


def test_worker_prefetch_is_bounded_by_its_threads() -> None:
    assert worker_prefetch(Config(), 2) == 2
    assert worker_prefetch(Config(dramatiq_prefetch=5), 2) == 5


def test_without_redis_the_broker_is_in_process() -> None:
    broker = build_broker(Config())
    assert isinstance(broker, StubBroker) and is_in_process(broker)


@pytest.mark.redis
def test_with_redis_url_the_broker_is_redis(redis_url: str) -> None:
    import redis
    from dramatiq.brokers.redis import RedisBroker

    config = Config.from_env({"REDIS_URL": redis_url, "DRAMATIQ_HEARTBEAT_TIMEOUT_MS": "4000",
                              "DRAMATIQ_NAMESPACE": "t1"})
    broker = build_broker(config, redis.Redis.from_url(redis_url))
    try:
        assert isinstance(broker, RedisBroker) and not is_in_process(broker)
        assert broker.heartbeat_timeout == 4000 and broker.namespace == "t1"
        assert broker.client.ping()
    finally:
        broker.close()


def test_queue_sends_commands_to_their_actors_and_metrics_count_them() -> None:
    broker = build_broker(Config(dramatiq_min_backoff_ms=10, dramatiq_max_backoff_ms=20, dramatiq_max_retries=1))
    calls: list[str] = []
    route = route_of(SweepStoreNow)

    def flaky(store_id: str, run_key: str | None = None) -> None:
        calls.append(store_id)
        if len(calls) == 1:
            raise RetryLater("first attempt fails")

    dramatiq.actor(flaky, actor_name=route.actor_name, queue_name=route.queue_name, broker=broker)
    labels = {"queue_name": route.queue_name, "actor_name": route.actor_name}
    before = (sample("salla_optimizer_messages_total", **labels), sample("salla_optimizer_message_errors_total",
                                                                          **labels))
    DramatiqQueue(broker).dispatch(SweepStoreNow(store_id="3"))
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        broker.join(route.queue_name, timeout=10_000)
    finally:
        worker.stop()
    assert calls == ["3", "3"]                  # retried once with backoff, then succeeded
    assert sample("salla_optimizer_messages_total", **labels) - before[0] == 2
    assert sample("salla_optimizer_message_errors_total", **labels) - before[1] == 1
    assert sample("salla_optimizer_message_retries_total", **labels) >= 1
    with pytest.raises(KeyError):  # a command with no route is refused before it reaches a broker
        DramatiqQueue(broker).dispatch(UnroutedCommand())


class UnroutedCommand(Command):
    """A command the table does not know."""


def test_every_command_has_one_actor_and_handler() -> None:
    from pricing_core.commands import ALL_COMMANDS
    from runners.handlers import HANDLERS

    assert set(ROUTES) == set(ALL_COMMANDS) == set(HANDLERS)
    names = [route.actor_name for route in ROUTES.values()]
    assert len(names) == len(set(names))
