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
    # The sweep finished but some of its price writes did not land yet (Salla answered 5xx/429):
    # they wait, approved, for another attempt; ``writes_pending`` counts them.
    PARTIALLY_APPLIED = "partially_applied"
    FAILED = "failed"

    @property
    def is_finished(self) -> bool:
        """True once the sweep itself is over (completed, partially applied or failed)."""
        return self is not RunStatus.RUNNING


@attrs.frozen(kw_only=True)
class OptimizationRun:
    """One sweep: what it looked at, what it changed, how long it took, and why it failed if it did.

    It owns its lifecycle and its counters: ``resumed`` (a redelivered or recovered run goes on),
    ``completed`` and ``failed`` (RUNNING only; a finished run cannot finish again), and
    ``counted`` (the one way a counter grows). Invalid moves raise ``InvalidTransition``.

    ``writes_pending`` counts the run's price writes that Salla did not take for a transient
    reason (5xx, 429, timeout) and that wait, approved, for another attempt. A run that finishes
    with some pending is PARTIALLY_APPLIED, never COMPLETED; ``writes_settled`` moves it to
    COMPLETED once the last of them is settled (applied, or failed for good).

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
    writes_pending: int = 0

    @property
    def last_progress_at(self) -> datetime:
        """When the run last showed a sign of life: its heartbeat, or its start when it has none."""
        return self.updated_at or self.started_at

    def resumed(self) -> OptimizationRun:
        """The run going on after an interruption (RUNNING again; a completed run is not resumed)."""
        if self.status in (RunStatus.COMPLETED, RunStatus.PARTIALLY_APPLIED):
            raise InvalidTransition(f"run {self.id} is {self.status.value}; it cannot be resumed")
        return attrs.evolve(self, status=RunStatus.RUNNING, error=None, finished_at=None, duration_seconds=None)

    def completed(self, at: datetime) -> OptimizationRun:
        """The run finished without error at ``at``: COMPLETED, or PARTIALLY_APPLIED while writes are pending."""
        status = RunStatus.PARTIALLY_APPLIED if self.writes_pending else RunStatus.COMPLETED
        return self._finished(status, at, None)

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

    def counted(self, *, analyzed: int = 0, updated: int = 0, queued: int = 0, skipped: int = 0,
                pending: int = 0) -> OptimizationRun:
        """The run with its counters grown (the only place they grow; ``writes_settled`` shrinks the pending)."""
        if min(analyzed, updated, queued, skipped, pending) < 0:
            raise ValueError("run counters only grow")
        return attrs.evolve(self, products_analyzed=self.products_analyzed + analyzed,
                            products_updated=self.products_updated + updated,
                            products_queued=self.products_queued + queued,
                            products_skipped=self.products_skipped + skipped,
                            writes_pending=self.writes_pending + pending)

    def writes_settled(self, *, applied: int = 0, failed: int = 0) -> OptimizationRun:
        """The run after ``applied + failed`` of its pending writes were settled by a later attempt.

        ``applied`` ones count as updated. A PARTIALLY_APPLIED run whose last pending write is
        settled becomes COMPLETED (a RUNNING one completes in its own time).
        """
        if min(applied, failed) < 0:
            raise ValueError("settled counts are not negative")
        pending = max(0, self.writes_pending - applied - failed)
        status = self.status
        if status is RunStatus.PARTIALLY_APPLIED and pending == 0:
            status = RunStatus.COMPLETED
        return attrs.evolve(self, writes_pending=pending, status=status,
                            products_updated=self.products_updated + applied)


__all__ = ["OptimizationRun", "RunStatus", "RunType"]
