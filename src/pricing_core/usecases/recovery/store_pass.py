"""Recovery of one store's stalled work: decisions APPLYING or APPROVED too long, runs with no heartbeat.

Each store is handled under its locks, taken without waiting long: the ``sweep`` lock (a running
sweep holds it for its whole run, and the database releases it when the holder dies, so holding
it proves that the store's RUNNING run and its auto-applied decisions belong to nobody alive) and
the ``apply`` lock (held by every other sender of prices). A store that is busy is skipped and
tried again on the next pass; the merchant's approvals are re-enqueued even then (their sender
takes the apply lock itself).

A run whose work was recorded as an intent (a manual sweep, an event repricing; see
``pricing_core.intents``) is resumed through it, and its intent is forgotten when the run is
closed instead, so the lost-work pass does not send it again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta

import attrs

from pricing_core.activity import ActivityType
from pricing_core.commands import ApplyDecisions, Command, SweepStore, SweepStoreNow
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.errors import SallaError, TokenRevoked
from pricing_core.intents import Intent, IntentStatus, intent_key_of_run
from pricing_core.ports import TaskQueue, UnitOfWork, scope_of
from pricing_core.runs import OptimizationRun, RunStatus, RunType
from pricing_core.stores import Store
from pricing_core.usecases.apply_prices import OPTIMIZER, reconcile_with_salla, record_apply_outcome, settle_unsent
from pricing_core.usecases.context import APPLY_LOCK, SWEEP_LOCK, ApplyPorts
from pricing_core.usecases.recovery.policy import RecoveryPolicy
from pricing_core.usecases.recovery.report import StoreRecovery, summary
from pricing_core.usecases.refresh_tokens import ensure_fresh_tokens

# The reason a run closed by recovery carries (the merchant and the operator see it).
INTERRUPTED = "interrupted: the process stopped"
# The note on a decision put back to pending: Salla never showed its price.
RETURNED_NOTE = (
    "not confirmed: this change was being sent to Salla when the service stopped, and Salla still shows "
    "the old price; approve it again to send it"
)
_RECONCILE_CHUNK = 60       # products per Salla read while reconciling (Salla's page size)
_ENQUEUE_CHUNK = 500        # decision ids per re-enqueued apply_decisions message
_ACTIVITY_SAMPLE = 50
_LATER_RUNS = 20


@attrs.frozen(kw_only=True)
class Candidates:
    """One store's stalled work as the cross-store listing saw it (re-read under the locks)."""

    applying: tuple[DecisionRecord, ...] = ()
    approved: tuple[DecisionRecord, ...] = ()
    runs: tuple[OptimizationRun, ...] = ()

    @property
    def needs_sweep_lock(self) -> bool:
        """True when some of it belongs to a sweep (its runs, its auto-applied decisions)."""
        return bool(self.runs) or any(_sweep_owned(r) for r in self.applying + self.approved)


def _sweep_owned(record: DecisionRecord) -> bool:
    """Auto-applied by a sweep (sent by the sweep itself, under its sweep lock, not the apply lock)."""
    return record.decided_by == OPTIMIZER and record.run_id is not None


class StorePass:
    """Recovery of one store: reconcile under its locks, then enqueue outside them, then log."""

    def __init__(
        self,
        ports: ApplyPorts,
        queue: TaskQueue,
        policy: RecoveryPolicy,
        store_id: str,
        candidates: Candidates,
        now: datetime,
        threshold_hours: float,
    ) -> None:
        self.ports, self.queue, self.policy = ports, queue, policy
        self.store_id = store_id
        self.candidates = candidates
        self.now = now
        self.threshold_hours = threshold_hours
        self.applied: list[str] = []
        self.returned: list[str] = []
        self.failed: dict[str, str] = {}
        self.to_apply: list[str] = []
        self.resume: list[OptimizationRun] = []
        self.via_intent: dict[str, Command] = {}   # run id -> the recorded command that resumes it
        self.closed: dict[str, str] = {}
        self.left: list[str] = []
        self.errors: list[str] = []

    def run(self) -> StoreRecovery:
        with self.ports.uow_factory(self.store_id) as uow:
            store = uow.stores.get(self.store_id)
        if store is None:  # uninstalled and deleted meanwhile: its rows went with it
            return StoreRecovery(store_id=self.store_id, left="the store no longer exists")
        sweep_lock: AbstractContextManager[bool] = (
            self.ports.locks.hold(self.store_id, SWEEP_LOCK, timeout=0) if self.candidates.needs_sweep_lock
            else nullcontext(False)
        )
        with sweep_lock as sweep_free, \
                self.ports.locks.hold(self.store_id, APPLY_LOCK, timeout=self.policy.apply_lock_wait) as apply_free:
            if self.candidates.needs_sweep_lock and not sweep_free:
                self.left.append("a sweep of the store is running")
            if not apply_free:
                self.left.append("another apply of the store is running")
            if store.is_active:
                self._recover(sweep_free, apply_free)
            else:
                self._abandon(store, sweep_free, apply_free)
        # Outside the locks: the enqueued work takes them itself.
        self._enqueue()
        result = StoreRecovery(
            store_id=self.store_id, applied=tuple(self.applied), returned=tuple(self.returned),
            failed=dict(self.failed), reenqueued=tuple(self.to_apply), resumed=tuple(r.id for r in self.resume),
            closed=dict(self.closed), left="; ".join(self.left) or None, error="; ".join(self.errors) or None,
        )
        if result.acted:
            self._log(result)
        return result

    # -- an active store

    def _recover(self, sweep_free: bool, apply_free: bool) -> None:
        if apply_free:
            applying = [r for r in self.candidates.applying if sweep_free or not _sweep_owned(r)]
            self._reconcile(applying)
        resumed_runs: set[str] = set()
        if sweep_free:
            resumed_runs = self._runs()
        approved = self._still(self.candidates.approved, DecisionStatus.APPROVED, self.policy.approved_after)
        for record in approved:
            if not _sweep_owned(record):
                self.to_apply.append(record.id)  # its sender (apply_decisions) takes the apply lock itself
            elif sweep_free and record.run_id not in resumed_runs and self._run_is_over(record.run_id):
                # Approved by a sweep that is over (failed, or closed just now): nobody else sends it.
                self.to_apply.append(record.id)
        self._touch_approved()

    def _reconcile(self, candidates: Sequence[DecisionRecord]) -> None:
        """Sort APPLYING decisions by what Salla shows now, a chunk at a time."""
        if not candidates:
            return
        try:
            token = ensure_fresh_tokens(self.ports, self.store_id, threshold_hours=self.threshold_hours).access_token
        except TokenRevoked as exc:
            self._fail_applying(candidates, f"not confirmed: {exc}; the price may or may not have reached Salla")
            return
        except SallaError as exc:
            self.errors.append(f"tokens: {exc}")
            return
        for start in range(0, len(candidates), _RECONCILE_CHUNK):
            chunk = self._still(candidates[start:start + _RECONCILE_CHUNK], DecisionStatus.APPLYING,
                                self.policy.applying_after)
            if not chunk:
                continue
            try:
                landed, diverged, _requests = reconcile_with_salla(self.ports, token, chunk)
            except SallaError as exc:  # unreachable now: the next pass tries again
                self.errors.append(f"reading prices from Salla: {type(exc).__name__}: {exc}")
                return
            found = [r for r in chunk if r.id in landed]
            for run_id, records in _by_run(found).items():
                record_apply_outcome(self.ports, self.store_id, records, {}, run_id=run_id,
                                     note="found applied in Salla by the recovery after an interruption")
            if diverged:
                record_apply_outcome(self.ports, self.store_id, [], diverged, run_id=None,
                                     failed_records=[r for r in chunk if r.id in diverged],
                                     note="the price in Salla changed since the decision")
            unsent = [r for r in chunk if r.id not in landed and r.id not in diverged]
            if unsent:
                with self.ports.uow_factory(self.store_id) as uow:
                    scope = scope_of(uow)
                    scope.decisions.set_status([r.id for r in unsent], DecisionStatus.PENDING,
                                               at=self.ports.clock.now(), error=RETURNED_NOTE,
                                               expected=(DecisionStatus.APPLYING,))
                    settle_unsent(scope, unsent)
                    uow.commit()
            self.applied.extend(r.id for r in found)
            self.failed.update(diverged)
            self.returned.extend(r.id for r in unsent)

    def _still(
        self, records: Sequence[DecisionRecord], status: DecisionStatus, after: timedelta
    ) -> list[DecisionRecord]:
        """The records as they are now, among those still in ``status`` and still stalled (re-read under the locks)."""
        cutoff = self.now - after
        with self.ports.uow_factory(self.store_id) as uow:
            decisions = scope_of(uow).decisions
            current = [decisions.get(r.id) for r in records]
        return [r for r in current if r is not None and r.status is status and r.updated_at < cutoff]

    def _runs(self) -> set[str]:
        """Resume or close the stalled runs (the sweep lock is held: none of them is alive). Returns resumed ids."""
        cutoff = self.now - self.policy.running_after
        resumed: set[str] = set()
        with self.ports.uow_factory(self.store_id) as uow:
            scope = scope_of(uow)
            recent = scope.runs.recent(_LATER_RUNS)
            for candidate in self.candidates.runs:
                run = scope.runs.get(candidate.id)
                if run is None or run.status is not RunStatus.RUNNING or run.last_progress_at >= cutoff:
                    continue  # finished, or moved on, since it was listed
                key = intent_key_of_run(run)
                intent = uow.intents.get(key) if key is not None else None
                if intent is not None and intent.status is not IntentStatus.QUEUED:
                    intent = None
                reason = self._why_not_resume(run, recent, intent)
                if reason is None:
                    now = self.ports.clock.now()
                    scope.runs.update(attrs.evolve(run.beat(now), recoveries=run.recoveries + 1))
                    if intent is not None:  # sent again below: the lost-work pass must not send it too
                        uow.intents.resent(intent.key, now)
                        self.via_intent[run.id] = intent.command
                    self.resume.append(run)
                    resumed.add(run.id)
                else:
                    self._close(uow, run, reason)
            uow.commit()
        return resumed

    def _why_not_resume(
        self, run: OptimizationRun, recent: Sequence[OptimizationRun], intent: Intent | None
    ) -> str | None:
        if run.run_type is RunType.EVENT and intent is None:
            return f"{INTERRUPTED}; an event repricing is not resumed (the next sweep prices its products)"
        if not run.run_key:
            return f"{INTERRUPTED}; it cannot be resumed (no run key recorded)"
        if run.recoveries >= self.policy.max_resumes:
            return f"{INTERRUPTED}; resumed {run.recoveries} time(s) already, not again"
        if any(r.id != run.id and r.run_type is not RunType.EVENT and r.started_at > run.started_at for r in recent):
            return f"{INTERRUPTED}; a later sweep of the store has started since"
        return None

    def _close(self, uow: UnitOfWork, run: OptimizationRun, reason: str) -> None:
        """Close ``run`` as failed, and forget the intent that started it (it is not to be sent again)."""
        now = self.ports.clock.now()
        scope = scope_of(uow)
        scope.runs.update(run.failed(now, reason))
        scope.activity.log(ActivityType.OPTIMIZATION_FAILED, f"Optimization failed: {reason}", at=now,
                           metadata={"run_id": run.id, "run_type": run.run_type.value, "error": reason,
                                     "products_analyzed": run.products_analyzed,
                                     "products_updated": run.products_updated, "by": "recovery"})
        key = intent_key_of_run(run)
        if key is not None:
            uow.intents.done(key, taken_at=now)
        self.closed[run.id] = reason

    def _run_is_over(self, run_id: str | None) -> bool:
        if run_id is None or run_id in self.closed:
            return True
        with self.ports.uow_factory(self.store_id) as uow:
            run = scope_of(uow).runs.get(run_id)
        return run is None or run.status is not RunStatus.RUNNING

    def _touch_approved(self) -> None:
        """Move the re-enqueued approvals' ``updated_at``, so the next pass waits ``approved_after`` again."""
        if not self.to_apply:
            return
        with self.ports.uow_factory(self.store_id) as uow:
            scope_of(uow).decisions.set_status(self.to_apply, DecisionStatus.APPROVED, at=self.ports.clock.now(),
                                               expected=(DecisionStatus.APPROVED,))
            uow.commit()

    # -- an inactive store: Salla cannot be asked, nothing can be sent

    def _abandon(self, store: Store, sweep_free: bool, apply_free: bool) -> None:
        why = f"the store is inactive ({store.deactivation_reason or 'deactivated'})"
        if apply_free:
            applying = [r for r in self.candidates.applying if sweep_free or not _sweep_owned(r)]
            self._fail_applying(applying, f"not confirmed: {why}; the price may or may not have reached Salla")
            approved = self._still([r for r in self.candidates.approved if sweep_free or not _sweep_owned(r)],
                                   DecisionStatus.APPROVED, self.policy.approved_after)
            if approved:
                self._fail(approved, DecisionStatus.APPROVED, f"not applied: {why}")
        if sweep_free:
            cutoff = self.now - self.policy.running_after
            with self.ports.uow_factory(self.store_id) as uow:
                scope = scope_of(uow)
                for candidate in self.candidates.runs:
                    run = scope.runs.get(candidate.id)
                    if run is not None and run.status is RunStatus.RUNNING and run.last_progress_at < cutoff:
                        self._close(uow, run, f"{INTERRUPTED}; {why}")
                uow.commit()

    def _fail_applying(self, candidates: Sequence[DecisionRecord], reason: str) -> None:
        records = self._still(candidates, DecisionStatus.APPLYING, self.policy.applying_after)
        if records:
            self._fail(records, DecisionStatus.APPLYING, reason)

    def _fail(self, records: Sequence[DecisionRecord], status: DecisionStatus, reason: str) -> None:
        with self.ports.uow_factory(self.store_id) as uow:
            scope_of(uow).decisions.set_status([r.id for r in records], DecisionStatus.FAILED,
                                               at=self.ports.clock.now(), error=reason, expected=(status,))
            uow.commit()
        self.failed.update({r.id: reason for r in records})

    # -- after the locks

    def _enqueue(self) -> None:
        """Send the approvals and the resumed runs; a queue failure is recorded (the next pass sends them)."""
        sent: list[str] = []
        resumed: list[OptimizationRun] = []
        try:
            for start in range(0, len(self.to_apply), _ENQUEUE_CHUNK):
                chunk = self.to_apply[start:start + _ENQUEUE_CHUNK]
                self.queue.dispatch(ApplyDecisions(store_id=self.store_id, decision_ids=chunk))
                sent.extend(chunk)
            for run in self.resume:
                if run.id in self.via_intent:
                    self.queue.dispatch(self.via_intent[run.id])
                elif run.run_type is RunType.MANUAL:
                    self.queue.dispatch(SweepStoreNow(store_id=self.store_id, run_key=run.run_key))
                else:
                    self.queue.dispatch(SweepStore(store_id=self.store_id, run_type=run.run_type.value,
                                                   run_key=run.run_key))
                resumed.append(run)
        except Exception as exc:  # the queue is down: what was touched comes back after the timeouts
            self.errors.append(f"enqueue: {type(exc).__name__}: {exc}")
        self.to_apply, self.resume = sent, resumed

    def _log(self, result: StoreRecovery) -> None:
        counts = result.counts()
        with self.ports.uow_factory(self.store_id) as uow:
            scope_of(uow).activity.log(
                ActivityType.SYSTEM_RECOVERY,
                "Recovery after an interruption: " + summary(counts),
                at=self.ports.clock.now(),
                metadata={
                    "counts": counts,
                    "applied": list(result.applied[:_ACTIVITY_SAMPLE]),
                    "returned_to_pending": list(result.returned[:_ACTIVITY_SAMPLE]),
                    "failed": dict(list(result.failed.items())[:_ACTIVITY_SAMPLE]),
                    "reenqueued": list(result.reenqueued[:_ACTIVITY_SAMPLE]),
                    "runs_resumed": list(result.resumed),
                    "runs_closed": dict(result.closed),
                    "left": result.left,
                    "error": result.error,
                },
            )
            uow.commit()


def _by_run(records: Sequence[DecisionRecord]) -> dict[str | None, list[DecisionRecord]]:
    """Sweep-owned records by their run (its counter of applied prices grows); the merchant's under None."""
    groups: dict[str | None, list[DecisionRecord]] = defaultdict(list)
    for record in records:
        groups[record.run_id if _sweep_owned(record) else None].append(record)
    return dict(groups)


__all__ = ["INTERRUPTED", "RETURNED_NOTE", "Candidates", "StorePass"]
