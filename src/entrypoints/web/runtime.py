"""The queue and the background work of a web process.

With Redis (``REDIS_URL``) the web process only enqueues: separate ``worker`` and ``scheduler``
processes consume. Without it (the embedded default) the broker is in-process, so this process
also runs the Dramatiq worker threads and the periodic scheduler for as long as the app lives.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import dramatiq

    from adapters.wiring import Services
    from pricing_core.ports import TaskQueue

log = logging.getLogger(__name__)


class EmbeddedBackground:
    """In-process worker threads, the APScheduler cron jobs (database fire claims), and recovery at start.

    The in-process queue does not survive the process: whatever a previous run of the server left
    approved, applying or running is found in the database by the recovery pass made at start
    (with the lost-queue policy: approved and running work is taken up at once) and every five
    minutes after (``recover_stuck_work``).
    """

    def __init__(self, services: Services, broker: dramatiq.Broker, queue: TaskQueue, *, threads: int = 2) -> None:
        self.services = services
        self.broker = broker
        self.queue = queue
        self.threads = threads
        self._worker: Any = None
        self._scheduler: Any = None
        self.recovery: Any = None  # the start-up recovery thread

    def start(self) -> None:
        """Start the worker threads and the scheduler."""
        from apscheduler.schedulers.background import BackgroundScheduler

        from runners.broker import start_worker
        from runners.recovery import recover_in_background
        from runners.scheduler import PeriodicScheduler, claims_for
        from runners.settings import schedules

        self._worker = start_worker(self.broker, threads=self.threads)
        claims = claims_for(None, self.services.uow_factory, self.services.clock)
        periodic = PeriodicScheduler(self.queue, claims, schedules())
        self._scheduler = periodic.install(BackgroundScheduler(timezone="UTC"))
        self._scheduler.start()
        self.recovery = recover_in_background(self.services, self.queue, after_restart=True)
        log.info("in-process worker (%d threads) and scheduler started", self.threads)

    def stop(self) -> None:
        """Stop the scheduler, then let the worker finish what it holds."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._worker is not None:
            self._worker.stop(timeout=10_000)
            self._worker = None


class _BrokerQueue:
    """``DramatiqQueue`` plus the two probes ``/health`` and the operator view use."""

    def __init__(self, broker: dramatiq.Broker) -> None:
        from runners.broker import DramatiqQueue

        self._inner = DramatiqQueue(broker)
        self.broker = broker

    def enqueue(self, task: str, /, **kwargs: object) -> None:
        """Send ``task`` to its actor."""
        self._inner.enqueue(task, **kwargs)

    def ping(self) -> bool:
        """True when the broker answers (Redis PING; the in-process broker always does)."""
        client = getattr(self.broker, "client", None)
        return bool(client.ping()) if client is not None else True

    def depth(self) -> int:
        """Messages waiting over every declared queue."""
        from runners.broker import is_in_process

        broker: Any = self.broker  # StubBroker or RedisBroker; their internals differ
        total = 0
        for name in broker.get_declared_queues():
            if is_in_process(broker):
                total += broker.queues[name].qsize()
            else:
                total += int(broker.client.llen(f"{broker.namespace}:{name}"))
        return total


def build_runtime(services: Services) -> tuple[TaskQueue, EmbeddedBackground | None]:
    """The queue for ``services`` and, with the in-process broker, the worker and scheduler to run."""
    from runners import actors
    from runners.broker import is_in_process, setup_broker

    broker = setup_broker()
    actors.configure(services)  # the actors of this process use the web app's services
    queue = _BrokerQueue(broker)
    if is_in_process(broker):
        threads = int(os.environ.get("EMBEDDED_WORKER_THREADS", "2"))
        return queue, EmbeddedBackground(services, broker, queue, threads=threads)
    return queue, None


__all__ = ["EmbeddedBackground", "build_runtime"]
