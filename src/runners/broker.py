"""The Dramatiq broker: Redis when ``REDIS_URL`` is set, otherwise in-process (StubBroker + worker threads).

Middleware, on both: retries with exponential backoff (only for failures worth retrying),
time limits, the current message (run keys derive from message ids), and Prometheus metrics
in the process's default registry (the web app's ``/metrics`` serves them; a worker process
can serve its own with ``--metrics-port``).

``DramatiqQueue`` is the core's ``TaskQueue`` port over a broker: ``enqueue("optimize_store",
store_id=...)`` sends to the actor of that name.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Middleware,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)
from prometheus_client import REGISTRY, Counter, Gauge, Histogram

NAMESPACE = "salla-optimizer"

# Queues: sweeps are long; events (repricing, approvals) must not wait behind them, nor behind a
# flood of webhook deliveries (Salla echoes every price we write); fan-outs and upkeep are tiny.
QUEUE_SWEEPS = "sweeps"
QUEUE_EVENTS = "events"
QUEUE_WEBHOOKS = "webhooks"
QUEUE_DEFAULT = "default"


class RetryLater(Exception):
    """Raised by an actor whose work failed in a way a later attempt may fix (timeouts, 5xx, 429, busy)."""


def _env_int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key, "")
    return int(raw) if raw.strip() else default


def _should_retry(retries: int, exception: BaseException, *, max_retries: int) -> bool:
    # Only RetryLater (and unexpected crashes, e.g. a lost database connection) are retried;
    # actors swallow permanent failures after recording them, so they never reach here.
    return retries < max_retries


def _metric(kind: type[Any], name: str, doc: str, labels: tuple[str, ...], **kw: Any) -> Any:
    """Register a metric once per process (modules may be re-imported in tests)."""
    existing = REGISTRY._names_to_collectors.get(name)
    if existing is None and kind is Counter:
        existing = REGISTRY._names_to_collectors.get(f"{name}_total")
    return existing if existing is not None else kind(name, doc, labels, **kw)


class Metrics(Middleware):
    """Prometheus metrics per actor: messages, errors, retries, durations and in-flight messages."""

    def __init__(self) -> None:
        labels = ("queue_name", "actor_name")
        self.messages = _metric(Counter, "salla_optimizer_messages", "Messages processed.", labels)
        self.errors = _metric(Counter, "salla_optimizer_message_errors", "Messages that raised.", labels)
        self.retries = _metric(Counter, "salla_optimizer_message_retries", "Messages retried.", labels)
        self.in_progress = _metric(Gauge, "salla_optimizer_messages_in_progress", "Messages being processed.",
                                   labels)
        self.duration = _metric(
            Histogram, "salla_optimizer_message_duration_seconds", "Time spent processing a message.", labels,
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600),
        )
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.MessageProxy) -> None:
        labels = (message.queue_name, message.actor_name)
        self.in_progress.labels(*labels).inc()
        if message.options.get("retries"):
            self.retries.labels(*labels).inc()
        with self._lock:
            self._started[message.message_id] = time.monotonic()

    def after_process_message(
        self, broker: dramatiq.Broker, message: dramatiq.MessageProxy, *, result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        labels = (message.queue_name, message.actor_name)
        with self._lock:
            started = self._started.pop(message.message_id, None)
        self.in_progress.labels(*labels).dec()
        self.messages.labels(*labels).inc()
        if exception is not None:
            self.errors.labels(*labels).inc()
        if started is not None:
            self.duration.labels(*labels).observe(time.monotonic() - started)

    def after_skip_message(self, broker: dramatiq.Broker, message: dramatiq.MessageProxy) -> None:
        self.after_process_message(broker, message)


def middleware_from_env(env: Mapping[str, str] | None = None) -> list[Middleware]:
    """The middleware stack, tunable through ``DRAMATIQ_*`` variables (see docs/operations.md)."""
    env = os.environ if env is None else env
    max_retries = _env_int(env, "DRAMATIQ_MAX_RETRIES", 5)
    return [
        AgeLimit(),
        TimeLimit(time_limit=_env_int(env, "DRAMATIQ_TIME_LIMIT_MS", 30 * 60 * 1000)),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(
            max_retries=max_retries,
            min_backoff=_env_int(env, "DRAMATIQ_MIN_BACKOFF_MS", 1000),
            max_backoff=_env_int(env, "DRAMATIQ_MAX_BACKOFF_MS", 5 * 60 * 1000),
            retry_when=lambda retries, exc: _should_retry(retries, exc, max_retries=max_retries),
        ),
        CurrentMessage(),
        Metrics(),
    ]


def build_broker(redis_url: str | None = None, env: Mapping[str, str] | None = None) -> dramatiq.Broker:
    """A Redis broker for ``redis_url``, else an in-process StubBroker; with the middleware stack.

    ``DRAMATIQ_HEARTBEAT_TIMEOUT_MS`` (default 60 s) is how long a silent worker keeps its
    unacknowledged messages before another worker takes them back: the recovery time after a
    worker is killed.
    """
    env = os.environ if env is None else env
    middleware = middleware_from_env(env)
    if redis_url:
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(  # type: ignore[no-untyped-call]
            url=redis_url,
            namespace=env.get("DRAMATIQ_NAMESPACE", NAMESPACE),
            middleware=middleware,
            heartbeat_timeout=_env_int(env, "DRAMATIQ_HEARTBEAT_TIMEOUT_MS", 60_000),
            maintenance_chance=_env_int(env, "DRAMATIQ_MAINTENANCE_CHANCE", 1000),
        )
    return StubBroker(middleware=middleware)


_setup_lock = threading.Lock()
_configured: dramatiq.Broker | None = None


def setup_broker(broker: dramatiq.Broker | None = None) -> dramatiq.Broker:
    """Install ``broker`` (default: built from ``REDIS_URL``) as the process's broker, once.

    Actors are declared against the global broker when ``runners.actors`` is imported, so this
    runs before that import (``runners.actors`` calls it itself).
    """
    global _configured
    with _setup_lock:
        if broker is not None:
            _configured = broker
            dramatiq.set_broker(broker)
        elif _configured is None:
            _configured = build_broker(os.environ.get("REDIS_URL") or None)
            dramatiq.set_broker(_configured)
        return _configured


def is_in_process(broker: dramatiq.Broker) -> bool:
    """True for the in-process broker (messages live in this process only)."""
    return isinstance(broker, StubBroker)


def start_worker(broker: dramatiq.Broker | None = None, *, threads: int = 2) -> dramatiq.Worker:
    """Start worker threads in this process (the embedded default, tests, ``salla-optimizer worker``)."""
    import runners.actors  # noqa: F401 - declares the actors (and so the queues) before consuming

    worker = dramatiq.Worker(broker or setup_broker(), worker_threads=threads, worker_timeout=100)
    worker.start()
    return worker


class DramatiqQueue:
    """``TaskQueue`` port: send a message to the actor named ``task``."""

    def __init__(self, broker: dramatiq.Broker | None = None) -> None:
        import runners.actors  # noqa: F401 - the actors must be declared to be looked up by name

        self.broker = broker or setup_broker()

    def enqueue(self, task: str, /, **kwargs: object) -> None:
        """Send ``task`` with keyword arguments (JSON-serializable values only)."""
        actor = self.broker.get_actor(task)
        actor.send_with_options(kwargs=kwargs)


__all__ = [
    "QUEUE_DEFAULT",
    "QUEUE_EVENTS",
    "QUEUE_SWEEPS",
    "QUEUE_WEBHOOKS",
    "DramatiqQueue",
    "Metrics",
    "RetryLater",
    "build_broker",
    "is_in_process",
    "middleware_from_env",
    "setup_broker",
    "start_worker",
]
