"""Recover work left in flight by a process that stopped (``kill -9``, a lost machine, a lost queue).

Broker-independent: it reads what the database says is in flight, not what a queue still holds,
so it heals the embedded server (whose in-process queue dies with it) as well as a worker
topology whose messages were lost. Run on the start of every process that does work and
periodically; every action is logged in the store's activity log and returned in a report.

Across stores it finds (``store_pass.py``, one store at a time under its locks):

- decisions stuck APPLYING (sent, or maybe sent, to Salla) longer than ``applying_after``:
  compared with Salla's current price (the same check a resumed sweep makes): Salla shows the
  decided price -> APPLIED with price history; Salla still shows the price the decision was made
  from -> back to PENDING with a note, so the merchant decides again and nothing is written a
  second time behind their back; Salla shows a third price, or the product is gone -> FAILED with
  the reason;
- APPROVED decisions whose application never happened after ``approved_after``: their
  application (``ApplyDecisions``) is dispatched again (idempotent: only APPROVED decisions move, under the
  store's apply lock);
- runs RUNNING whose last progress (the heartbeat a sweep moves on every page) is older than
  ``running_after``: resumed by dispatching the sweep again with its run key (it continues where
  it stopped; an event repricing through its recorded intent), or closed as failed
  ("interrupted: the process stopped") when they cannot be resumed (event runs without an intent,
  runs without a key, runs already resumed ``max_resumes`` times, runs a later sweep has
  overtaken).

Then, across stores and the scheduler's ticks (``lost_work.py``): recorded work (intents, see
``pricing_core.intents``) that no worker took for ``queued_after`` is sent again, or given up
after ``max_resumes`` sendings.

The policy is ``policy.py``; what a pass did, ``report.py``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pricing_core.activity import ActivityType
from pricing_core.decision import DecisionStatus
from pricing_core.ports import TaskQueue
from pricing_core.usecases.context import ApplyPorts
from pricing_core.usecases.recovery.lost_work import recover_lost_work
from pricing_core.usecases.recovery.policy import RecoveryPolicy
from pricing_core.usecases.recovery.report import RecoveryReport, StoreRecovery, WorkRecovery, summary
from pricing_core.usecases.recovery.store_pass import INTERRUPTED, RETURNED_NOTE, Candidates, StorePass
from pricing_core.usecases.refresh_tokens import DEFAULT_THRESHOLD_HOURS


def recover_stuck_work(
    ports: ApplyPorts,
    queue: TaskQueue,
    *,
    policy: RecoveryPolicy | None = None,
    threshold_hours: float = DEFAULT_THRESHOLD_HOURS,
) -> RecoveryReport:
    """One recovery pass over every store with work stalled past the policy's timeouts, then over
    the lost queued work.

    A failure in one store (Salla unreachable, a database error) is recorded in its entry of the
    report and the pass goes on with the next store. Logs one ``system_recovery`` entry per
    store that moved something, and a system-wide one with the totals when anything moved.
    """
    policy = policy or RecoveryPolicy()
    now = ports.clock.now()
    with ports.uow_factory() as uow:
        applying = uow.stores.stalled_decisions([DecisionStatus.APPLYING], now - policy.applying_after,
                                                limit=policy.limit)
        approved = uow.stores.stalled_decisions([DecisionStatus.APPROVED], now - policy.approved_after,
                                                limit=policy.limit)
        runs = uow.stores.stalled_runs(now - policy.running_after, limit=policy.limit)
    work: dict[str, dict[str, list[Any]]] = defaultdict(lambda: {"applying": [], "approved": [], "runs": []})
    for record in applying:
        work[record.store_id]["applying"].append(record)
    for record in approved:
        work[record.store_id]["approved"].append(record)
    for run in runs:
        work[run.store_id]["runs"].append(run)

    results: list[StoreRecovery] = []
    for store_id in sorted(work):
        found = work[store_id]
        candidates = Candidates(applying=tuple(found["applying"]), approved=tuple(found["approved"]),
                                runs=tuple(found["runs"]))
        try:
            results.append(StorePass(ports, queue, policy, store_id, candidates, now, threshold_hours).run())
        except Exception as exc:  # one store's failure must not keep the others stuck
            results.append(StoreRecovery(store_id=store_id, error=f"{type(exc).__name__}: {exc}"))
    # After the stores: an intent whose run was resumed or closed above is not sent a second time.
    try:
        lost = recover_lost_work(ports.uow_factory, queue, ports.clock, policy, now)
    except Exception as exc:  # the database is down: the next pass tries again
        lost = WorkRecovery(error=f"{type(exc).__name__}: {exc}")
    report = RecoveryReport(at=now, stores=tuple(results), work=lost)
    if report.acted or report.errors:
        with ports.uow_factory() as uow:
            uow.system_activity.log(
                ActivityType.SYSTEM_RECOVERY,
                "System Action: Recovery of interrupted work: " + summary(report.counts()),
                at=ports.clock.now(),
                metadata={**report.counts(), "errors": report.errors,
                          "left": {s.store_id: s.left for s in results if s.left},
                          "resent_commands": dict(lost.kinds)},
            )
            uow.commit()
    return report


__all__ = [
    "INTERRUPTED",
    "RETURNED_NOTE",
    "RecoveryPolicy",
    "RecoveryReport",
    "StoreRecovery",
    "WorkRecovery",
    "recover_stuck_work",
]
