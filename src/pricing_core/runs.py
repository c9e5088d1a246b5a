"""Optimization runs: one row per sweep of one store."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs


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


__all__ = ["OptimizationRun", "RunStatus", "RunType"]
