"""The Dramatiq broker (Redis, or in-process) and the ``TaskQueue`` adapter over it.

Middleware, on both: retries with exponential backoff (only for failures worth retrying),
time limits, the current message (run keys derive from message ids), and Prometheus metrics
in the process's default registry (the web app's ``/metrics`` serves them; a worker process
can serve its own with ``--metrics-port``). Every knob comes from ``Config`` (``DRAMATIQ_*``).

``DramatiqQueue`` is the core's ``TaskQueue`` port: ``dispatch(ApplyDecisions(...))`` sends a
message to the command's actor, queue and priority from ``runners.commands.ROUTES``. Given an
``IntentLedger``, it records the work of the commands whose loss nobody else would notice before
it sends them (``pricing_core.intents``), so the recovery loop can send again what Redis lost.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

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

from adapters.config import Config
from pricing_core.commands import Command
from pricing_core.intents import is_recorded
from pricing_core.usecases.intent_ledger import IntentLedger
from runners.commands import QUEUE_DEFAULT, QUEUE_EVENTS, QUEUE_SWEEPS, QUEUE_WEBHOOKS, route_of

if TYPE_CHECKING:
    from runners.redis_enqueue import PipelinedEnqueue

log = logging.getLogger("salla_optimizer.broker")


class RetryLater(Exception):
    """Raised by an actor whose work failed in a way a later attempt may fix (timeouts, 5xx, 429, busy)."""


def retries_for_window(window_ms: int, min_backoff_ms: int, max_backoff_ms: int) -> int:
    """How many retries span at least ``window_ms`` under the Retries middleware's backoff.

    Dramatiq waits ``min(min_backoff * 2**n, max_backoff)`` before retry ``n + 1``, with jitter that
    may halve it; the count is taken on the halved delays, so the retries outlast the window
    whatever the jitter draws.
    """
    retries, spanned = 0, 0.0
    while spanned < window_ms:
        spanned += min(min_backoff_ms * 2**retries, max_backoff_ms) / 2
        retries += 1
    return retries


def max_retries_of(config: Config) -> int:
    """``DRAMATIQ_MAX_RETRIES``, raised to cover ``DRAMATIQ_RETRY_WINDOW_SECONDS`` of backoff."""
    return max(config.dramatiq_max_retries,
               retries_for_window(config.dramatiq_retry_window_seconds * 1000, config.dramatiq_min_backoff_ms,
                                  config.dramatiq_max_backoff_ms))


def _should_retry(retries: int, exception: BaseException, *, max_retries: int) -> bool:
    # Only RetryLater (and unexpected crashes, e.g. a lost database connection) are retried;
    # actors swallow permanent failures after recording them, so they never reach here.
    return retries < max_retries


def process_metric(kind: type[Any], name: str, doc: str, labels: tuple[str, ...], **kw: Any) -> Any:
    """Register a metric once per process (modules may be re-imported in tests)."""
    existing = REGISTRY._names_to_collectors.get(name)
    if existing is None and kind is Counter:
        existing = REGISTRY._names_to_collectors.get(f"{name}_total")
    return existing if existing is not None else kind(name, doc, labels, **kw)


class Metrics(Middleware):
    """Prometheus metrics per actor: messages, errors, retries, durations and in-flight messages."""

    def __init__(self) -> None:
        labels = ("queue_name", "actor_name")
        self.messages = process_metric(Counter, "salla_optimizer_messages", "Messages processed.", labels)
        self.errors = process_metric(Counter, "salla_optimizer_message_errors", "Messages that raised.", labels)
        self.retries = process_metric(Counter, "salla_optimizer_message_retries", "Messages retried.", labels)
        self.in_progress = process_metric(Gauge, "salla_optimizer_messages_in_progress", "Messages being processed.",
                                   labels)
        self.duration = process_metric(
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


def middleware_for(config: Config) -> list[Middleware]:
    """The middleware stack, tuned by ``DRAMATIQ_*`` (see docs/operations.md)."""
    max_retries = max_retries_of(config)
    return [
        AgeLimit(),
        TimeLimit(time_limit=config.dramatiq_time_limit_ms),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(
            max_retries=max_retries,
            min_backoff=config.dramatiq_min_backoff_ms,
            max_backoff=config.dramatiq_max_backoff_ms,
            retry_when=lambda retries, exc: _should_retry(retries, exc, max_retries=max_retries),
        ),
        CurrentMessage(),
        Metrics(),
    ]


def build_broker(config: Config, redis_client: Any = None) -> dramatiq.Broker:
    """A Redis broker over ``redis_client`` (the process's one Redis pool), else an in-process StubBroker.

    ``DRAMATIQ_HEARTBEAT_TIMEOUT_MS`` (default 60 s) is how long a silent worker keeps its
    unacknowledged messages before another worker takes them back: the recovery time after a
    worker is killed. They come back at the first Redis maintenance after it, which
    ``DRAMATIQ_MAINTENANCE_CHANCE`` makes frequent (see docs/operations.md).
    """
    middleware = middleware_for(config)
    if redis_client is not None:
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(  # type: ignore[no-untyped-call]
            client=redis_client,
            namespace=config.dramatiq_namespace,
            middleware=middleware,
            heartbeat_timeout=config.dramatiq_heartbeat_timeout_ms,
            maintenance_chance=config.dramatiq_maintenance_chance,
        )
    return StubBroker(middleware=middleware)


def _pipelined(broker: dramatiq.Broker) -> PipelinedEnqueue:
    # Imported here: redis-py and hiredis are the ``redis`` extra's; the embedded default has neither.
    from runners.redis_enqueue import PipelinedEnqueue

    return PipelinedEnqueue(broker)


def is_in_process(broker: dramatiq.Broker) -> bool:
    """True for the in-process broker (messages live in this process only)."""
    return isinstance(broker, StubBroker)


class DramatiqQueue:
    """``TaskQueue`` port over a broker, plus the probes ``/health`` and the operator view use."""

    def __init__(self, broker: dramatiq.Broker, ledger: IntentLedger | None = None) -> None:
        self.broker = broker
        self.ledger = ledger
        self._redis = None if is_in_process(broker) else _pipelined(broker)

    def dispatch(self, command: Command) -> None:
        """Send ``command`` to its actor (``runners.commands.ROUTES``); JSON-serializable fields only.

        With a ledger, a recorded command's intent is stored first. If storage fails, the message
        is sent anyway (as safe as the queue, as before intents); if the queue fails, the intent
        stays and the recovery loop sends it once the queue is back.
        """
        self.broker.enqueue(self._message(command))

    def dispatch_many(self, commands: Sequence[Command]) -> None:
        """Send every command of ``commands``: on Redis in one round trip, else one by one.

        On a failure some may have been sent (the port's contract: each command is safe twice).
        """
        messages = [self._message(command) for command in commands]
        if self._redis is None:
            for message in messages:
                self.broker.enqueue(message)
        else:
            self._redis.enqueue(messages)

    async def dispatch_many_async(self, commands: Sequence[Command]) -> None:
        """``dispatch_many`` awaited from an event loop, which it does not block.

        On Redis over the loop's own connection (``runners.redis_enqueue.PipelinedEnqueue``), or
        from a thread when a command's intent must be stored first (a database write); in process,
        inline (the stub broker only appends to a local queue).
        """
        if self._redis is None:
            self.dispatch_many(commands)
        elif self.ledger is not None and any(map(is_recorded, commands)):
            await asyncio.to_thread(self.dispatch_many, commands)
        else:
            await self._redis.enqueue_async([self._message(command) for command in commands])

    def _message(self, command: Command) -> dramatiq.Message[Any]:
        if self.ledger is not None:
            command = self.ledger.prepare(command)
            try:
                self.ledger.record(command)
            except Exception:
                log.warning("the intent of %s was not recorded; sending it anyway", type(command).__name__,
                            exc_info=True)
        route = route_of(command)
        # The actor may live in another process: the message is built from the table, not looked up.
        return dramatiq.Message(
            queue_name=route.queue_name, actor_name=route.actor_name, args=(), kwargs=command.as_message(),
            options={},
        )

    def ping(self) -> bool:
        """True when the broker answers (Redis PING; the in-process broker always does)."""
        client = getattr(self.broker, "client", None)  # only RedisBroker has one
        return bool(client.ping()) if client is not None else True

    def work(self) -> dict[str, dict[str, int]]:
        """Messages per queue and state (``WORK_STATES``): waiting, taken by a worker (processing or
        reserved), waiting for a retry's backoff, dead-lettered (kept a week by Redis)."""
        broker: Any = self.broker
        names = sorted(n for n in broker.get_declared_queues() if not n.endswith((".DQ", ".XQ")))
        return _stub_work(broker, names) if is_in_process(broker) else _redis_work(broker, names)

    def depth(self) -> int:
        """Messages waiting over every declared queue."""
        broker: Any = self.broker  # StubBroker or RedisBroker; their internals differ
        total = 0
        for name in broker.get_declared_queues():
            if is_in_process(broker):
                total += broker.queues[name].qsize()
            else:
                total += int(broker.client.llen(f"{broker.namespace}:{name}"))
        return total


# The states of queued work the broker can tell apart (``DramatiqQueue.work``).
WORK_STATES = ("queued", "in_flight", "retrying", "dead")


def _redis_work(broker: Any, names: list[str]) -> dict[str, dict[str, int]]:
    """Per queue, from the Redis broker's keys: ids waiting in ``q``; every message not acked in
    ``q.msgs`` (waiting or taken); delayed retries in ``q.DQ.msgs``; dead letters in ``q.XQ``."""
    pipe = broker.client.pipeline(transaction=False)
    for name in names:
        base = f"{broker.namespace}:{name}"
        pipe.llen(base)
        pipe.hlen(f"{base}.msgs")
        pipe.hlen(f"{base}.DQ.msgs")
        pipe.zcard(f"{base}.XQ")
    values = [int(v) for v in pipe.execute()]
    work = {}
    for index, name in enumerate(names):
        waiting, unacked, delayed, dead = values[4 * index:4 * index + 4]
        work[name] = {"queued": waiting, "in_flight": max(0, unacked - waiting), "retrying": delayed, "dead": dead}
    return work


def _stub_work(broker: Any, names: list[str]) -> dict[str, dict[str, int]]:
    """Per queue, from the in-process broker's ``queue.Queue``s (unfinished = waiting + taken)."""
    work = {}
    for name in names:
        queue, delayed = broker.queues[name], broker.queues.get(f"{name}.DQ")
        waiting = queue.qsize()
        work[name] = {"queued": waiting, "in_flight": max(0, queue.unfinished_tasks - waiting),
                      "retrying": delayed.unfinished_tasks if delayed is not None else 0,
                      "dead": len(broker.dead_letters_by_queue.get(name, ()))}
    return work


def worker_prefetch(config: Config, threads: int) -> int:
    """Messages one worker process reserves per queue: ``DRAMATIQ_PREFETCH``, else one per thread."""
    return config.dramatiq_prefetch or threads


__all__ = [
    "QUEUE_DEFAULT",
    "QUEUE_EVENTS",
    "QUEUE_SWEEPS",
    "QUEUE_WEBHOOKS",
    "WORK_STATES",
    "DramatiqQueue",
    "Metrics",
    "RetryLater",
    "build_broker",
    "is_in_process",
    "max_retries_of",
    "middleware_for",
    "process_metric",
    "retries_for_window",
    "worker_prefetch",
]
