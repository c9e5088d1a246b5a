"""What became of the price writes: recorded on the decisions, their runs, the price history and the activity log.

A write lands (APPLIED, a price history point), is refused (FAILED with the reason), or was not
taken by Salla for a passing reason (back to APPROVED, its error starting with ``RETRYING``, and
counted in its run's ``writes_pending`` until an attempt settles it). ``apply_prices`` and the
recovery loop (``usecases/recovery.py``) record outcomes with these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pricing_core.activity import ActivityType
from pricing_core.catalog import PricePoint
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.ports import StoreScope, scope_of
from pricing_core.usecases.context import ApplyPorts

# Activity entries list at most this many products each (the decisions keep the full record).
_ACTIVITY_SAMPLE = 50
# Who applied a decision that the optimizer approved by itself.
OPTIMIZER = "optimizer"
# The error of a decision waiting for another attempt starts with this (the dashboard shows it).
RETRYING = "retrying:"


def was_retrying(record: DecisionRecord) -> bool:
    """True for a decision an earlier attempt left waiting (counted in its run's ``writes_pending``)."""
    return (record.error or "").startswith(RETRYING)


def retry_later(
    ports: ApplyPorts, store_id: str, records: Sequence[DecisionRecord], reasons: Mapping[str, str],
    *, run_id: str | None,
) -> None:
    """Put decisions Salla did not take for a passing reason back to APPROVED, with the reason.

    Each run counts its newly waiting writes in ``writes_pending`` (a decision already waiting
    is counted once); the merchant's activity log says they will be tried again.
    """
    now = ports.clock.now()
    with ports.uow_factory(store_id) as uow:
        scope = scope_of(uow)
        for reason in sorted(set(reasons.values())):
            ids = [i for i, why in reasons.items() if why == reason]
            scope.decisions.set_status(ids, DecisionStatus.APPROVED, at=now, error=reason,
                                       expected=(DecisionStatus.APPLYING,))
        for owner, count in _count_by_run(r for r in records if not was_retrying(r)).items():
            run = scope.runs.get(owner)
            if run is not None:
                scope.runs.update(run.counted(pending=count))
        scope.activity.log(
            ActivityType.PRICE_APPLY_FAILED,
            f"{len(records)} price change(s) not taken by Salla for now; they will be tried again",
            at=now,
            metadata={
                "count": len(records),
                "run_id": run_id,
                "retrying": True,
                "failures": [
                    {"product_id": r.decision.product_id, "price": r.decision.suggested_price,
                     "reason": reasons[r.id], "decision_id": r.id}
                    for r in records[:_ACTIVITY_SAMPLE]
                ],
            },
        )
        uow.commit()


def settle_unsent(scope: StoreScope, records: Sequence[DecisionRecord]) -> None:
    """Settle, in ``scope``'s transaction, the pending writes among ``records`` that leave the
    apply path unsent (handed back to the merchant by the recovery loop): their runs stop
    waiting for them."""
    for owner, count in _count_by_run(r for r in records if was_retrying(r)).items():
        run = scope.runs.get(owner)
        if run is not None:
            scope.runs.update(run.writes_settled(failed=count))


def _count_by_run(records: Iterable[DecisionRecord]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in records:
        if record.run_id is not None:
            counts[record.run_id] = counts.get(record.run_id, 0) + 1
    return counts


def record_apply_outcome(
    ports: ApplyPorts,
    store_id: str,
    applied: Sequence[DecisionRecord],
    failed: Mapping[str, str],
    *,
    run_id: str | None,
    note: str | None = None,
    failed_records: Sequence[DecisionRecord] = (),
) -> None:
    """Mark APPLIED / FAILED, record price history, bump the run's counter and log, in one transaction."""
    now = ports.clock.now()
    with ports.uow_factory(store_id) as uow:
        scope = scope_of(uow)
        if applied:
            scope.decisions.set_status([r.id for r in applied], DecisionStatus.APPLIED, at=now)
            scope.price_history.add_many([
                PricePoint(product_id=r.decision.product_id, price=r.decision.suggested_price,
                           changed_at=now, source=r.decided_by or OPTIMIZER)
                for r in applied
            ])
            scope.activity.log(
                ActivityType.PRICE_APPLIED,
                f"Applied {len(applied)} price change(s) in Salla" + (f" ({note})" if note else ""),
                at=now,
                metadata={
                    "count": len(applied),
                    "run_id": run_id,
                    "changes": [
                        {"product_id": r.decision.product_id, "old": r.decision.old_price,
                         "new": r.decision.suggested_price, "decision_id": r.id}
                        for r in applied[:_ACTIVITY_SAMPLE]
                    ],
                },
            )
        for reason in sorted(set(failed.values())):
            ids = [i for i, why in failed.items() if why == reason]
            scope.decisions.set_status(ids, DecisionStatus.FAILED, at=now, error=reason)
        if failed_records:
            scope.activity.log(
                ActivityType.PRICE_APPLY_FAILED,
                f"{len(failed_records)} price change(s) not applied: {note}" if note
                else f"Salla refused {len(failed_records)} price change(s)",
                at=now,
                metadata={
                    "count": len(failed_records),
                    "run_id": run_id,
                    "failures": [
                        {"product_id": r.decision.product_id, "price": r.decision.suggested_price,
                         "reason": failed[r.id], "decision_id": r.id}
                        for r in failed_records[:_ACTIVITY_SAMPLE]
                    ],
                },
            )
        first_tries = [r for r in applied if not was_retrying(r)]
        if run_id is not None and first_tries:
            run = scope.runs.get(run_id)
            if run is not None:
                scope.runs.update(run.counted(updated=len(first_tries)))
        # Writes an earlier attempt left waiting are settled on their own run (applied ones count
        # as updated there), which completes a partially applied run with its last one.
        landed = _count_by_run(r for r in applied if was_retrying(r))
        lost = _count_by_run(r for r in failed_records if was_retrying(r))
        for owner in sorted(landed.keys() | lost.keys()):
            run = scope.runs.get(owner)
            if run is not None:
                scope.runs.update(run.writes_settled(applied=landed.get(owner, 0), failed=lost.get(owner, 0)))
        uow.commit()


__all__ = [
    "OPTIMIZER",
    "RETRYING",
    "record_apply_outcome",
    "retry_later",
    "settle_unsent",
    "was_retrying",
]
