"""The background work of the embedded default: in-process worker threads and the periodic scheduler.

With Redis (``REDIS_URL``) a web process only dispatches: separate ``worker`` and ``scheduler``
processes consume. Without it the broker is in-process, so the ``serve`` process also runs the
Dramatiq worker threads and the scheduler for as long as the app lives (``bootstrap`` builds this).
"""

from __future__ import annotations

import logging
from typing import Any

import dramatiq

from runners.scheduler import FireClaims, PeriodicScheduler

log = logging.getLogger(__name__)


class EmbeddedBackground:
    """In-process worker threads and the APScheduler cron jobs (database fire claims)."""

    def __init__(self, broker: dramatiq.Broker, scheduler: PeriodicScheduler, *, threads: int = 2) -> None:
        self.broker = broker
        self.periodic = scheduler
        self.threads = threads
        self._worker: dramatiq.Worker | None = None
        self._scheduler: Any = None

    def start(self) -> None:
        """Start the worker threads and the scheduler."""
        from apscheduler.schedulers.background import BackgroundScheduler

        self._worker = dramatiq.Worker(self.broker, worker_threads=self.threads, worker_timeout=100)
        self._worker.start()
        self._scheduler = self.periodic.install(BackgroundScheduler(timezone="UTC"))
        self._scheduler.start()
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
