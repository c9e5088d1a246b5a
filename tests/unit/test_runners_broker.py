"""The broker factory, its middleware (retries, time limit, metrics) and the TaskQueue adapter."""

from __future__ import annotations

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Retries, TimeLimit
from prometheus_client import REGISTRY

from runners import actors
from runners.broker import DramatiqQueue, Metrics, RetryLater, build_broker, is_in_process, middleware_from_env


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_middleware_is_configurable_from_env() -> None:
    stack = middleware_from_env({"DRAMATIQ_MAX_RETRIES": "2", "DRAMATIQ_TIME_LIMIT_MS": "5000",
                                 "DRAMATIQ_MIN_BACKOFF_MS": "7"})
    retries = next(m for m in stack if isinstance(m, Retries))
    limit = next(m for m in stack if isinstance(m, TimeLimit))
    assert (retries.max_retries, retries.min_backoff, limit.time_limit) == (2, 7, 5000)
    assert retries.retry_when is not None and retries.retry_when(1, RetryLater("x"))
    assert not retries.retry_when(2, RetryLater("x"))
    assert any(isinstance(m, Metrics) for m in stack)


def test_without_redis_the_broker_is_in_process() -> None:
    broker = build_broker(None, env={})
    assert isinstance(broker, StubBroker) and is_in_process(broker)


@pytest.mark.redis
def test_with_redis_url_the_broker_is_redis(redis_url: str) -> None:
    from dramatiq.brokers.redis import RedisBroker

    broker = build_broker(redis_url, env={"DRAMATIQ_HEARTBEAT_TIMEOUT_MS": "4000", "DRAMATIQ_NAMESPACE": "t1"})
    try:
        assert isinstance(broker, RedisBroker) and not is_in_process(broker)
        assert broker.heartbeat_timeout == 4000 and broker.namespace == "t1"
        assert broker.client.ping()
    finally:
        broker.close()


def test_queue_sends_to_actors_by_name_and_metrics_count_them() -> None:
    broker = actors.use_broker(build_broker(None, env={"DRAMATIQ_MIN_BACKOFF_MS": "10",
                                                       "DRAMATIQ_MAX_BACKOFF_MS": "20",
                                                       "DRAMATIQ_MAX_RETRIES": "1"}))
    calls: list[int] = []

    def flaky(n: int) -> None:
        calls.append(n)
        if len(calls) == 1:
            raise RetryLater("first attempt fails")

    dramatiq.actor(flaky, actor_name="flaky_probe", queue_name="default", broker=broker)
    labels = {"queue_name": "default", "actor_name": "flaky_probe"}
    before = (sample("salla_optimizer_messages_total", **labels), sample("salla_optimizer_message_errors_total",
                                                                          **labels))
    DramatiqQueue(broker).enqueue("flaky_probe", n=3)
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        broker.join("default", timeout=10_000)
    finally:
        worker.stop()
    assert calls == [3, 3]                      # retried once with backoff, then succeeded
    assert sample("salla_optimizer_messages_total", **labels) - before[0] == 2
    assert sample("salla_optimizer_message_errors_total", **labels) - before[1] == 1
    assert sample("salla_optimizer_message_retries_total", **labels) >= 1
    with pytest.raises(dramatiq.ActorNotFound):
        DramatiqQueue(broker).enqueue("no_such_actor")
