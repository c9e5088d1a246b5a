"""Approving and rejecting decisions, single and bulk (in-memory ports)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from adapters.memory import FakeClock, InMemoryUnitOfWorkFactory, RecordingQueue
from pricing_core.activity import ActivityType
from pricing_core.commands import ApplyDecisions
from pricing_core.decision import Action, DecisionRecord, DecisionStatus, PricingDecision, RiskLevel
from pricing_core.errors import DecisionNotFound, InvalidTransition
from pricing_core.stores import Store
from pricing_core.usecases.decisions import (
    approve_decision,
    approve_decisions,
    reject_decision,
    reject_decisions,
)

STORE = "100"


def record(decision_id: str, at: datetime, status: DecisionStatus = DecisionStatus.PENDING,
           store_id: str = STORE) -> DecisionRecord:
    decision = PricingDecision(
        product_id=f"p-{decision_id}", sku=None, name=f"Product {decision_id}",
        old_price=Decimal("100.00"), suggested_price=Decimal("90.00"), cost_price=Decimal("50.00"),
        currency="SAR", strategy="match", reference_price=Decimal("90.00"), floor_price=Decimal("67.28"),
        risk=RiskLevel.MEDIUM, action=Action.NEEDS_APPROVAL, change_pct=Decimal("-10"),
        margin_pct_after=Decimal("36.1"), offers_considered=2, offers_used=2,
        explanation=("reference 90.00",), decided_at=at, fingerprint=f"fp-{decision_id}",
    )
    return DecisionRecord(
        id=decision_id, store_id=store_id, run_id="run-1", idempotency_key=f"run-1:{decision_id}",
        decision=decision, status=status, created_at=at, updated_at=at,
    )


@pytest.fixture
def ports() -> tuple[InMemoryUnitOfWorkFactory, RecordingQueue, FakeClock]:
    uow_factory, clock = InMemoryUnitOfWorkFactory(), FakeClock()
    for store_id in (STORE, "200"):
        with uow_factory(store_id) as uow:
            uow.stores.upsert(Store(store_id=store_id, store_name=f"S{store_id}"))
            assert uow.store is not None
            uow.store.decisions.add_many([
                record(f"{store_id}-a", clock.now(), store_id=store_id),
                record(f"{store_id}-b", clock.now(), store_id=store_id),
                record(f"{store_id}-done", clock.now(), DecisionStatus.APPLIED, store_id=store_id),
            ])
            uow.commit()
    return uow_factory, RecordingQueue(), clock


def status_of(uow_factory: InMemoryUnitOfWorkFactory, store_id: str, decision_id: str) -> DecisionStatus:
    with uow_factory(store_id) as uow:
        assert uow.store is not None
        found = uow.store.decisions.get(decision_id)
        assert found is not None
        return found.status


def test_approve_one_marks_approved_logs_and_enqueues_apply(ports) -> None:
    uow_factory, queue, clock = ports
    result = approve_decision(uow_factory, queue, clock, store_id=STORE, decision_id="100-a", by="owner")

    assert result.moved == ("100-a",)
    assert status_of(uow_factory, STORE, "100-a") is DecisionStatus.APPROVED
    assert status_of(uow_factory, STORE, "100-b") is DecisionStatus.PENDING
    assert queue.of(ApplyDecisions) == [ApplyDecisions(store_id=STORE, decision_ids=("100-a",))]
    with uow_factory(STORE) as uow:
        assert uow.store is not None
        (entry,) = uow.store.activity.list(activity_type=ActivityType.DECISION_APPROVED)
        assert entry.metadata["decision_id"] == "100-a" and entry.metadata["by"] == "owner"
        assert uow.store.decisions.get("100-a").decided_by == "owner"  # type: ignore[union-attr]


def test_reject_one_marks_rejected_without_enqueueing(ports) -> None:
    uow_factory, queue, clock = ports
    reject_decision(uow_factory, clock, store_id=STORE, decision_id="100-b")
    assert status_of(uow_factory, STORE, "100-b") is DecisionStatus.REJECTED
    assert queue.commands == []
    with uow_factory(STORE) as uow:
        assert uow.store is not None
        assert len(uow.store.activity.list(activity_type=ActivityType.DECISION_REJECTED)) == 1


@pytest.mark.parametrize("status", [DecisionStatus.APPLIED, DecisionStatus.REJECTED, DecisionStatus.APPROVED])
def test_single_review_of_a_non_pending_decision_is_an_invalid_transition(ports, status) -> None:
    uow_factory, queue, clock = ports
    with uow_factory(STORE) as uow:
        assert uow.store is not None
        # along the lifecycle: an applied decision was approved first
        for step in ((DecisionStatus.APPROVED, status) if status is DecisionStatus.APPLIED else (status,)):
            uow.store.decisions.set_status(["100-a"], step, at=clock.now())
        uow.commit()
    with pytest.raises(InvalidTransition):
        approve_decision(uow_factory, queue, clock, store_id=STORE, decision_id="100-a")
    with pytest.raises(InvalidTransition):
        reject_decision(uow_factory, clock, store_id=STORE, decision_id="100-a")
    assert status_of(uow_factory, STORE, "100-a") is status
    assert queue.commands == []


def test_another_stores_decision_is_not_found_and_untouched(ports) -> None:
    uow_factory, queue, clock = ports
    with pytest.raises(DecisionNotFound):
        approve_decision(uow_factory, queue, clock, store_id=STORE, decision_id="200-a")
    with pytest.raises(DecisionNotFound):
        reject_decisions(uow_factory, clock, store_id=STORE, decision_ids=["100-a", "200-a"])
    assert status_of(uow_factory, "200", "200-a") is DecisionStatus.PENDING
    assert status_of(uow_factory, STORE, "100-a") is DecisionStatus.PENDING  # all or nothing


def test_bulk_approve_moves_only_pending_and_enqueues_one_apply(ports) -> None:
    uow_factory, queue, clock = ports
    result = approve_decisions(
        uow_factory, queue, clock, store_id=STORE, decision_ids=["100-a", "100-done", "100-b", "100-a"]
    )
    assert result.moved == ("100-a", "100-b")
    assert dict(result.skipped) == {"100-done": DecisionStatus.APPLIED}
    assert queue.of(ApplyDecisions) == [ApplyDecisions(store_id=STORE, decision_ids=("100-a", "100-b",))]
    assert status_of(uow_factory, STORE, "100-done") is DecisionStatus.APPLIED
    with uow_factory(STORE) as uow:
        assert uow.store is not None
        assert len(uow.store.activity.list(activity_type=ActivityType.DECISION_APPROVED)) == 2


def test_bulk_with_nothing_pending_enqueues_nothing(ports) -> None:
    uow_factory, queue, clock = ports
    result = approve_decisions(uow_factory, queue, clock, store_id=STORE, decision_ids=["100-done"])
    assert result.moved == () and queue.commands == []


def test_bulk_reject(ports) -> None:
    uow_factory, _queue, clock = ports
    result = reject_decisions(uow_factory, clock, store_id=STORE, decision_ids=["100-a", "100-b"])
    assert result.moved == ("100-a", "100-b")
    assert {status_of(uow_factory, STORE, i) for i in ("100-a", "100-b")} == {DecisionStatus.REJECTED}




class SupersededMeanwhile(InMemoryUnitOfWorkFactory):
    """Stages a race at the port: just before a review writes, decision ``100-a`` is superseded
    (as a sweep in another transaction would have done after the review read it)."""

    def __call__(self, store_id: str | None = None):  # type: ignore[no-untyped-def, override]
        uow = super().__call__(store_id)
        if uow.store is not None:
            decisions = uow.store.decisions
            write = decisions.set_status

            def set_status(ids, status, **kwargs):  # type: ignore[no-untyped-def]
                write(["100-a"], DecisionStatus.SUPERSEDED, at=kwargs["at"])
                return write(ids, status, **kwargs)

            decisions.set_status = set_status  # type: ignore[method-assign]
        return uow


def test_a_decision_moved_by_someone_else_meanwhile_is_not_overwritten(ports) -> None:
    """Compare-and-set: a decision superseded after the review read it stays superseded, and is not applied.

    The storage contract suite checks that ``expected=`` is a real compare-and-set on every backend.
    """
    uow_factory, queue, clock = ports
    uow_factory.__class__ = SupersededMeanwhile  # the fixture's data, with the race staged
    result = approve_decisions(uow_factory, queue, clock, store_id=STORE, decision_ids=["100-a", "100-b"])
    assert result.moved == ("100-b",)
    assert result.skipped == {"100-a": DecisionStatus.SUPERSEDED}
    assert queue.of(ApplyDecisions) == [ApplyDecisions(store_id=STORE, decision_ids=("100-b",))]
    assert status_of(uow_factory, STORE, "100-a") is DecisionStatus.SUPERSEDED
