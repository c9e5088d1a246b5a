"""One sweep run's row through its life: started or resumed, kept alive, counted, completed or failed.

The run row is the sweep's durable state: its counters grow with each decided page (committed
with the page), its heartbeat (``updated_at``) moves while pages wait for advice (the recovery
loop reads it to find runs whose process died), and a completed sweep of the whole catalog
becomes the store's ``last_run_at``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from pricing_core.activity import ActivityType
from pricing_core.errors import StoreNotFound
from pricing_core.ports import StoreRepository, StoreScope, scope_of
from pricing_core.runs import OptimizationRun, RunStatus, RunType
from pricing_core.usecases.context import OptimizerPorts

# A run's heartbeat moves at least this often while its pages are only gathered (see ``beat_if_due``).
_BEAT_INTERVAL = timedelta(seconds=30)


@attrs.frozen(kw_only=True)
class RunStart:
    """How a run began: its row, and whether an earlier delivery of its message had started it.

    ``skipped_reason`` is set when the store is inactive (no run); ``finished`` when a redelivered
    message finds its run completed already (nothing left to do).
    """

    run: OptimizationRun | None
    resumed: bool = False
    finished: bool = False
    skipped_reason: str | None = None


class RunLifecycle:
    """The run row of one sweep run, and when it last showed progress."""

    def __init__(self, ports: OptimizerPorts, store_id: str, run_id: str) -> None:
        self.ports = ports
        self.store_id = store_id
        self.run_id = run_id
        # When the run row last showed progress (its heartbeat, read by the recovery loop).
        self.last_beat: datetime | None = None

    def start(self, run_type: RunType, run_key: str) -> RunStart:
        """Record the run as RUNNING: a new row, or the row an earlier delivery of the message left."""
        now = self.ports.clock.now()
        with self.ports.uow_factory(self.store_id) as uow:
            store = uow.stores.get(self.store_id)
            if store is None:
                raise StoreNotFound(f"store {self.store_id} does not exist")
            if not store.is_active:
                return RunStart(run=None, skipped_reason="store is inactive")
            runs = scope_of(uow).runs
            existing = runs.get(self.run_id)
            if existing is not None and existing.status in (RunStatus.COMPLETED, RunStatus.PARTIALLY_APPLIED):
                # A redelivered message of a run that finished: nothing left to do.
                return RunStart(run=existing, resumed=True, finished=True)
            if existing is not None:
                run = attrs.evolve(existing.resumed(), run_key=existing.run_key or run_key).beat(now)
                runs.update(run)
            else:
                # The key is kept with the run so the recovery loop can resume it after a crash.
                run = OptimizationRun(id=self.run_id, store_id=self.store_id, run_type=run_type,
                                      status=RunStatus.RUNNING, started_at=now, run_key=run_key,
                                      updated_at=now)
                runs.add(run)
            uow.commit()
        self.last_beat = now
        return RunStart(run=run, resumed=existing is not None)

    def current(self, scope: StoreScope) -> OptimizationRun:
        """The run's row as stored now (in ``scope``'s transaction)."""
        run = scope.runs.get(self.run_id)
        if run is None:
            raise RuntimeError(f"run {self.run_id} vanished")
        return run

    def beat_if_due(self, scope: StoreScope, now: datetime) -> None:
        """Move the run's heartbeat while pages are gathered but not decided yet (an advisor that wants
        the whole run makes them wait); at most once per ``_BEAT_INTERVAL``, in the page's transaction."""
        if self.last_beat is not None and now - self.last_beat < _BEAT_INTERVAL:
            return
        self.last_beat = now
        scope.runs.update(attrs.evolve(self.current(scope), updated_at=now))

    def count_page(self, scope: StoreScope, *, analyzed: int, queued: int, skipped: int) -> None:
        """Add a decided page to the run's counters and move its heartbeat, in the page's transaction."""
        run = self.current(scope)
        self.last_beat = self.ports.clock.now()
        scope.runs.update(run.beat(self.last_beat).counted(analyzed=analyzed, queued=queued, skipped=skipped))

    def complete(
        self, *, sets_last_run: bool, below_floor: Sequence[Mapping[str, str]] = ()
    ) -> OptimizationRun:
        """Mark the run completed and log it; ``sets_last_run`` (a sweep of the whole catalog) also
        makes it the store's ``last_run_at``. ``below_floor``: the products whose lowest usable
        competitor sells below their margin floor (the log entry keeps the first few, for the alert)."""
        now = self.ports.clock.now()
        with self.ports.uow_factory(self.store_id) as uow:
            scope = scope_of(uow)
            run = self.current(scope)
            run = run.completed(now)
            scope.runs.update(run)
            if sets_last_run:
                self._mark_last_run(uow.stores, run.started_at)
            scope.activity.log(
                ActivityType.OPTIMIZATION_COMPLETED,
                f"Optimization completed: {run.products_analyzed} analyzed, {run.products_updated} updated, "
                f"{run.products_queued} queued for approval"
                + (f"; partially applied: {run.writes_pending} price change(s) not taken by Salla yet, "
                   "to be tried again" if run.writes_pending else ""),
                at=now,
                metadata=_run_metadata(run) | ({"below_floor": len(below_floor),
                                                "below_floor_products": [dict(p) for p in below_floor[:5]]}
                                               if below_floor else {}),
            )
            uow.commit()
        return run

    def _mark_last_run(self, stores: StoreRepository, started_at: datetime) -> None:
        """Record the completed sweep as the store's ``last_run_at``, in the completion's transaction.

        The run's start, not its end: the schedule (``is_due``) then keeps its cadence however
        long a sweep takes, and agrees with the fallback that reads the latest run's start.
        Never moves backwards (a redelivered older run finishing late). Read and written in the
        same transaction, right next to each other, since ``upsert`` replaces the whole row.
        """
        store = stores.get(self.store_id)
        if store is not None and (store.last_run_at is None or store.last_run_at < started_at):
            stores.upsert(attrs.evolve(store, last_run_at=started_at))

    def fail(self, exc: Exception) -> OptimizationRun | None:
        """Mark the run failed with ``exc`` as the reason and log it (a run no longer RUNNING is left alone)."""
        reason = f"{type(exc).__name__}: {exc}"
        now = self.ports.clock.now()
        with self.ports.uow_factory(self.store_id) as uow:
            scope = scope_of(uow)
            run = scope.runs.get(self.run_id)
            if run is None or run.status is not RunStatus.RUNNING:
                return run  # nothing to fail: it never started, or finished before the error
            run = run.failed(now, reason)
            scope.runs.update(run)
            scope.activity.log(
                ActivityType.OPTIMIZATION_FAILED,
                f"Optimization failed: {reason}",
                at=now,
                metadata={**_run_metadata(run), "error": reason},
            )
            uow.commit()
        return run


def _run_metadata(run: OptimizationRun) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "run_type": run.run_type.value,
        "products_analyzed": run.products_analyzed,
        "products_updated": run.products_updated,
        "products_queued": run.products_queued,
        "products_skipped": run.products_skipped,
        "writes_pending": run.writes_pending,
        "duration_seconds": run.duration_seconds,
    }


__all__ = ["RunLifecycle", "RunStart"]
