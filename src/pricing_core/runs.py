"""Optimization runs: one row per sweep of one store."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from pricing_core.errors import InvalidTransition


class RunType(StrEnum):
    """Why a sweep ran."""

    SCHEDULED = "scheduled"        # optimize_all_stores batch
    SMART = "smart"                # check_and_optimize_stores, store was due
    MANUAL = "manual"              # merchant's "Run now" or the CLI
    EVENT = "event"                # event-driven repricing of a few products


class RunStatus(StrEnum):
    """Where a run stands."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


@attrs.frozen(kw_only=True)
class OptimizationRun:
    """One sweep: what it looked at, what it changed, how long it took, and why it failed if it did.

    It owns its lifecycle and its counters: ``resumed`` (a redelivered or recovered run goes on),
    ``completed`` and ``failed`` (RUNNING only; a finished run cannot finish again), and
    ``counted`` (the one way a counter grows). Invalid moves raise ``InvalidTransition``.

    ``run_key`` is the key the run id derives from (``usecases.context.run_id_for``): a run can be
    resumed by sending its key again. ``updated_at`` is the run's heartbeat, moved on every page of
    progress, so a long healthy sweep is told apart from one whose process died; ``recoveries``
    counts how often the recovery loop resumed it (bounded, so a run that kills its process every
    time is closed instead of resumed forever).
    """

    id: str
    store_id: str
    run_type: RunType
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None = None
    duration_seconds: float | None = None
    products_analyzed: int = 0
    products_updated: int = 0
    products_queued: int = 0
    products_skipped: int = 0
    error: str | None = None
    run_key: str | None = None
    updated_at: datetime | None = None
    recoveries: int = 0

    @property
    def last_progress_at(self) -> datetime:
        """When the run last showed a sign of life: its heartbeat, or its start when it has none."""
        return self.updated_at or self.started_at

    def resumed(self) -> OptimizationRun:
        """The run going on after an interruption (RUNNING again; a completed run is not resumed)."""
        if self.status is RunStatus.COMPLETED:
            raise InvalidTransition(f"run {self.id} is completed; it cannot be resumed")
        return attrs.evolve(self, status=RunStatus.RUNNING, error=None, finished_at=None, duration_seconds=None)

    def completed(self, at: datetime) -> OptimizationRun:
        """The run finished without error at ``at``."""
        return self._finished(RunStatus.COMPLETED, at, None)

    def failed(self, at: datetime, error: str) -> OptimizationRun:
        """The run stopped at ``at`` because of ``error``."""
        return self._finished(RunStatus.FAILED, at, error)

    def _finished(self, status: RunStatus, at: datetime, error: str | None) -> OptimizationRun:
        if self.status is not RunStatus.RUNNING:
            raise InvalidTransition(f"run {self.id} is {self.status.value}; only a running run can become "
                                    f"{status.value}")
        return attrs.evolve(self, status=status, finished_at=at, error=error, updated_at=at,
                            duration_seconds=max(0.0, (at - self.started_at).total_seconds()))

    def beat(self, at: datetime) -> OptimizationRun:
        """The run showing progress at ``at`` (its heartbeat, read by the recovery loop)."""
        return attrs.evolve(self, updated_at=at)

    def counted(self, *, analyzed: int = 0, updated: int = 0, queued: int = 0, skipped: int = 0) -> OptimizationRun:
        """The run with its counters grown (the only place they change)."""
        if min(analyzed, updated, queued, skipped) < 0:
            raise ValueError("run counters only grow")
        return attrs.evolve(self, products_analyzed=self.products_analyzed + analyzed,
                            products_updated=self.products_updated + updated,
                            products_queued=self.products_queued + queued,
                            products_skipped=self.products_skipped + skipped)


__all__ = ["OptimizationRun", "RunStatus", "RunType"]
