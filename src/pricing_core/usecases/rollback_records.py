"""What a rollback keeps in storage: its markers, and the record of what it did.

A marker is the restore decision of one rolled-back decision (``pricing_core.rollback``): found
by the id of the decision it rolls back and its attempt. The record of an outcome is written in
the same transaction as the markers' final moves: the price history of what was restored (source
``rollback``) and one activity-log entry per rollback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from pricing_core.activity import ActivityType
from pricing_core.catalog import PricePoint
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.ports import DecisionRepository, StoreScope, UnitOfWorkFactory, scope_of
from pricing_core.rollback import ROLLBACK, RollbackItem, RollbackOutcome, rollback_decision_id, rollback_key

# Statuses of a marker that a rollback judges again (returned by the recovery loop, left waiting
# by a passing Salla failure, or in flight when a process stopped).
OPEN_MARKER = (DecisionStatus.PENDING, DecisionStatus.APPROVED, DecisionStatus.APPLYING)
_CHUNK = 500
_ACTIVITY_SAMPLE = 50


def latest_markers(decisions: DecisionRepository, decision_ids: Sequence[str]) -> dict[str, DecisionRecord]:
    """The latest restore decision (marker) of each of ``decision_ids`` that has one.

    A later attempt exists only when the one before ended without writing, so the chain is
    followed from the first attempt while it ended that way (usually one read).
    """
    first = {rollback_key(i): i for i in decision_ids}
    found: dict[str, DecisionRecord] = {}
    keys = list(first)
    for start in range(0, len(keys), _CHUNK):
        for key in decisions.existing_keys(keys[start:start + _CHUNK]):
            decision_id = first[key]
            marker, attempt = decisions.get(rollback_decision_id(decision_id)), 1
            while marker is not None and marker.status not in (*OPEN_MARKER, DecisionStatus.APPLIED):
                later = decisions.get(rollback_decision_id(decision_id, attempt + 1))
                if later is None:
                    break
                marker, attempt = later, attempt + 1
            if marker is not None:
                found[decision_id] = marker
    return found


def rollback_status(
    uow_factory: UnitOfWorkFactory, store_id: str, decision_ids: Sequence[str]
) -> dict[str, DecisionRecord]:
    """The latest restore decision of each of ``decision_ids`` (the run page shows which were rolled back)."""
    with uow_factory(str(store_id)) as uow:
        return latest_markers(scope_of(uow).decisions, decision_ids)


def record_outcome(
    scope: StoreScope,
    *,
    restored: Sequence[DecisionRecord],
    failed: Mapping[str, str],
    waiting: Mapping[str, str],
    now: datetime,
) -> None:
    """In ``scope``'s transaction: ``restored`` markers APPLIED with their price history, ``failed``
    ones (id -> reason) FAILED, ``waiting`` ones (APPLYING, id -> reason) back to PENDING."""
    if restored:
        pending = [m.id for m in restored if m.status is DecisionStatus.PENDING]
        if pending:  # the lifecycle reaches APPLIED through APPROVED
            scope.decisions.set_status(pending, DecisionStatus.APPROVED, at=now, expected=(DecisionStatus.PENDING,))
        scope.decisions.set_status([m.id for m in restored], DecisionStatus.APPLIED, at=now,
                                   expected=(DecisionStatus.APPROVED, DecisionStatus.APPLYING))
        scope.price_history.add_many([
            PricePoint(product_id=m.decision.product_id, price=m.decision.suggested_price, changed_at=now,
                       source=ROLLBACK) for m in restored])
    for reason, ids in _by_reason(failed).items():
        scope.decisions.set_status(ids, DecisionStatus.FAILED, at=now, error=reason, expected=OPEN_MARKER)
    for reason, ids in _by_reason(waiting).items():
        scope.decisions.set_status(ids, DecisionStatus.PENDING, at=now, error=reason,
                                   expected=(DecisionStatus.APPLYING,))


def log_rollback(
    scope: StoreScope,
    *,
    run_id: str,
    by: str,
    confirmed: bool,
    items: Iterable[RollbackItem],
    marker_ids: Mapping[str, str],
    now: datetime,
) -> None:
    """One activity-log entry for a rollback: the counts, and a sample of what was restored and left."""
    items = list(items)
    restored = [i for i in items if i.outcome is RollbackOutcome.RESTORED]
    left = [i for i in items if i.outcome in (RollbackOutcome.LEFT, RollbackOutcome.NEEDS_CONFIRMATION)]
    already = sum(1 for i in items if i.outcome is RollbackOutcome.ALREADY_RESTORED)
    confirm = sum(1 for i in left if i.outcome is RollbackOutcome.NEEDS_CONFIRMATION)
    text = f"Rolled back run {run_id}: {len(restored)} price(s) restored, {len(left)} left"
    if confirm:
        text += f" ({confirm} waiting for your confirmation)"
    if already:
        text += f", {already} restored before"
    scope.activity.log(ActivityType.PRICE_ROLLED_BACK, text, at=now, metadata={
        "run_id": run_id,
        "by": by,
        "restored": len(restored),
        "left": len(left),
        "already_restored": already,
        "needs_confirmation": confirm,
        "confirmed_guard_breaks": confirmed,
        "changes": [{"product_id": i.product_id, "old": i.run_price, "new": i.previous_price,
                     "rolled_back_decision_id": i.decision_id, "decision_id": marker_ids.get(i.decision_id),
                     "guard_breaks": list(i.guard_breaks)} for i in restored[:_ACTIVITY_SAMPLE]],
        "left_items": [{"product_id": i.product_id, "reason": i.reason} for i in left[:_ACTIVITY_SAMPLE]],
    })


def _by_reason(reasons: Mapping[str, str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for decision_id, reason in reasons.items():
        grouped.setdefault(reason, []).append(decision_id)
    return grouped


__all__ = ["OPEN_MARKER", "latest_markers", "log_rollback", "record_outcome", "rollback_status"]
