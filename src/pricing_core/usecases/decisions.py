"""Approve or reject pending pricing decisions, one at a time or in bulk.

Only a PENDING decision moves. Approving marks it APPROVED and dispatches ``ApplyDecisions`` for
the runners, which write the prices to Salla; rejecting marks it REJECTED. Every move is logged.
A decision of another store is indistinguishable from a missing one (``DecisionNotFound``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from pricing_core.activity import ActivityType
from pricing_core.commands import ApplyDecisions
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.errors import DecisionNotFound, InvalidTransition
from pricing_core.ports import Clock, TaskQueue, UnitOfWorkFactory, scope_of


@attrs.frozen(kw_only=True)
class ReviewResult:
    """What a review did: ``moved`` decisions changed status; ``skipped`` maps id -> status it was in."""

    status: DecisionStatus
    moved: tuple[str, ...]
    skipped: Mapping[str, DecisionStatus] = attrs.field(factory=dict)


def _review(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    store_id: str,
    decision_ids: Sequence[str],
    target: DecisionStatus,
    by: str,
    strict: bool,
) -> ReviewResult:
    activity = (
        ActivityType.DECISION_APPROVED
        if target is DecisionStatus.APPROVED
        else ActivityType.DECISION_REJECTED
    )
    verb = "approved" if target is DecisionStatus.APPROVED else "rejected"
    # Dedupe while keeping the caller's order (a bulk form may repeat an id).
    ids = list(dict.fromkeys(str(i) for i in decision_ids))
    with uow_factory(store_id) as uow:
        scope = scope_of(uow)
        records: list[DecisionRecord] = []
        for decision_id in ids:
            record = scope.decisions.get(decision_id)
            if record is None:
                raise DecisionNotFound(f"decision {decision_id} not found")
            records.append(record)
        pending = [r for r in records if r.status is DecisionStatus.PENDING]
        skipped: dict[str, DecisionStatus] = {r.id: r.status for r in records if r.status is not DecisionStatus.PENDING}
        if strict and skipped:
            decision_id, status = next(iter(skipped.items()))
            raise InvalidTransition(
                f"decision {decision_id} is {status.value}, only pending decisions can be {verb}"
            )
        now = clock.now()
        if pending:
            # Compare-and-set: a sweep superseding, or another reviewer, may have moved one since it was read.
            scope.decisions.set_status([r.id for r in pending], target, at=now, by=by,
                                       expected=(DecisionStatus.PENDING,))
            after = {r.id: scope.decisions.get(r.id) for r in pending}
            lost = {i: now_record.status for i, now_record in after.items()
                    if now_record is not None and now_record.status is not target}
            skipped.update(lost)
            pending = [r for r in pending if r.id not in lost]
        for record in pending:
            d = record.decision
            scope.activity.log(
                activity,
                f"Price change for {d.name or d.product_id} {verb} by {by}: "
                f"{d.old_price} -> {d.suggested_price} {d.currency}",
                at=now,
                metadata={
                    "decision_id": record.id,
                    "product_id": d.product_id,
                    "old_price": d.old_price,
                    "suggested_price": d.suggested_price,
                    "risk": d.risk.value,
                    "by": by,
                },
            )
        uow.commit()
    return ReviewResult(status=target, moved=tuple(r.id for r in pending), skipped=skipped)


def approve_decisions(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    clock: Clock,
    *,
    store_id: str,
    decision_ids: Sequence[str],
    by: str = "merchant",
) -> ReviewResult:
    """Approve the pending ones among ``decision_ids`` and enqueue their application.

    Decisions that are no longer pending are skipped (reported in ``skipped``); an unknown id
    raises ``DecisionNotFound`` and nothing moves.
    """
    result = _review(
        uow_factory,
        clock,
        store_id=store_id,
        decision_ids=decision_ids,
        target=DecisionStatus.APPROVED,
        by=by,
        strict=False,
    )
    if result.moved:
        queue.dispatch(ApplyDecisions(store_id=store_id, decision_ids=result.moved))
    return result


def reject_decisions(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    store_id: str,
    decision_ids: Sequence[str],
    by: str = "merchant",
) -> ReviewResult:
    """Reject the pending ones among ``decision_ids`` (others skipped; unknown ids raise)."""
    return _review(
        uow_factory,
        clock,
        store_id=store_id,
        decision_ids=decision_ids,
        target=DecisionStatus.REJECTED,
        by=by,
        strict=False,
    )


def approve_decision(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    clock: Clock,
    *,
    store_id: str,
    decision_id: str,
    by: str = "merchant",
) -> ReviewResult:
    """Approve one decision; ``InvalidTransition`` if it is not pending, ``DecisionNotFound`` if unknown."""
    result = _review(
        uow_factory,
        clock,
        store_id=store_id,
        decision_ids=[decision_id],
        target=DecisionStatus.APPROVED,
        by=by,
        strict=True,
    )
    queue.dispatch(ApplyDecisions(store_id=store_id, decision_ids=result.moved))
    return result


def reject_decision(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    store_id: str,
    decision_id: str,
    by: str = "merchant",
) -> ReviewResult:
    """Reject one decision; ``InvalidTransition`` if it is not pending, ``DecisionNotFound`` if unknown."""
    return _review(
        uow_factory,
        clock,
        store_id=store_id,
        decision_ids=[decision_id],
        target=DecisionStatus.REJECTED,
        by=by,
        strict=True,
    )


__all__ = [
    "ReviewResult",
    "approve_decision",
    "approve_decisions",
    "reject_decision",
    "reject_decisions",
]
