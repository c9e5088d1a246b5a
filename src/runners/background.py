"""The background work of the embedded default: in-process worker threads and the periodic scheduler.

With Redis (``REDIS_URL``) a web process only dispatches: separate ``worker`` and ``scheduler``
processes consume. Without it the broker is in-process, so the ``serve`` process also runs the
Dramatiq worker threads and the scheduler for as long as the app lives (``bootstrap`` builds this).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dramatiq

from runners.scheduler import FireClaims, PeriodicScheduler

log = logging.getLogger(__name__)


class EmbeddedBackground:
    """In-process worker threads, the APScheduler cron jobs (database fire claims), and recovery at start.

    The in-process queue does not survive the process: whatever a previous run of the server left
    approved, applying or running is found in the database by the recovery pass made at start
    (with the lost-queue policy: approved and running work is taken up at once) and every five
    minutes after (``RecoverStuckWork``). ``recover`` is that start-up pass (given by ``bootstrap``).
    """

    def __init__(
        self, broker: dramatiq.Broker, scheduler: PeriodicScheduler, *, threads: int = 2,
        recover: Callable[[], Any] | None = None,
    ) -> None:
        self.broker = broker
        self.periodic = scheduler
        self.threads = threads
        self.recover = recover
        self.recovery: Any = None  # the start-up recovery thread
        self._worker: dramatiq.Worker | None = None
        self._scheduler: Any = None

    def start(self) -> None:
        """Start the worker threads and the scheduler."""
        from apscheduler.schedulers.background import BackgroundScheduler

        self._worker = dramatiq.Worker(self.broker, worker_threads=self.threads, worker_timeout=100)
        self._worker.start()
        self._scheduler = self.periodic.install(BackgroundScheduler(timezone="UTC"))
        self._scheduler.start()
        if self.recover is not None:
            self.recovery = self.recover()
        log.info("in-process worker (%d threads) and scheduler started", self.threads)

    def stop(self) -> None:
        """Stop the scheduler, then let the worker finish what it holds."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._worker is not None:
            self._worker.stop(timeout=10_000)
            self._worker = None


__all__ = ["EmbeddedBackground", "FireClaims"]
