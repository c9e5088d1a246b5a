"""Decisions and runs own their lifecycles: invalid moves raise, repositories never make one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.web_harness import decision

from adapters.memory import InMemoryUnitOfWorkFactory
from pricing_core.decision import DECISION_TRANSITIONS, DecisionStatus, may_move, statuses_before
from pricing_core.errors import InvalidTransition
from pricing_core.ports import checked_expected
from pricing_core.runs import OptimizationRun, RunStatus, RunType
from pricing_core.stores import Store

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
FINAL = {s for s, nexts in DECISION_TRANSITIONS.items() if not nexts}


@pytest.mark.parametrize("current", list(DecisionStatus))
@pytest.mark.parametrize("target", list(DecisionStatus))
def test_a_decision_moves_only_where_its_lifecycle_allows(current: DecisionStatus, target: DecisionStatus) -> None:
    record = decision("1", "d", current, AT)
    if may_move(current, target):
        moved = record.moved_to(target, at=AT + timedelta(minutes=1), by="merchant", error="why")
        assert (moved.status, moved.decided_by, moved.error) == (target, "merchant", "why")
    else:
        with pytest.raises(InvalidTransition, match=f"is {current.value}; it cannot become {target.value}"):
            record.moved_to(target, at=AT)


def test_final_statuses_have_no_way_out_and_the_others_reach_one() -> None:
    assert {DecisionStatus.APPLIED, DecisionStatus.REJECTED, DecisionStatus.FAILED,
                     DecisionStatus.SUPERSEDED, DecisionStatus.RECORDED} == FINAL
    assert statuses_before(DecisionStatus.APPLYING) == {DecisionStatus.APPROVED}
    assert DecisionStatus.APPLIED not in statuses_before(DecisionStatus.PENDING)


def test_an_expected_status_the_lifecycle_forbids_is_a_caller_error() -> None:
    assert checked_expected(DecisionStatus.APPROVED, (DecisionStatus.PENDING,)) == {DecisionStatus.PENDING}
    with pytest.raises(InvalidTransition, match="from applied to approved"):
        checked_expected(DecisionStatus.APPROVED, (DecisionStatus.APPLIED,))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(list(DecisionStatus)), min_size=1, max_size=12))
def test_the_repository_never_makes_a_move_the_lifecycle_forbids(moves: list[DecisionStatus]) -> None:
    uow_factory = InMemoryUnitOfWorkFactory()
    with uow_factory("1") as uow:
        uow.stores.upsert(Store(store_id="1"))
        assert uow.store is not None
        uow.store.decisions.add_many([decision("1", "d", DecisionStatus.PENDING, AT)])
        uow.commit()
    status = DecisionStatus.PENDING
    for step, target in enumerate(moves, start=1):
        with uow_factory("1") as uow:
            assert uow.store is not None
            uow.store.decisions.set_status(["d"], target, at=AT + timedelta(minutes=step))
            uow.commit()
            now = uow.store.decisions.get("d")
        assert now is not None
        status = target if may_move(status, target) else status
        assert now.status is status


def run(status: RunStatus = RunStatus.RUNNING) -> OptimizationRun:
    return OptimizationRun(id="r", store_id="1", run_type=RunType.MANUAL, status=status, started_at=AT)


def test_a_run_completes_or_fails_once_and_a_completed_run_is_not_resumed() -> None:
    done = run().counted(analyzed=3, updated=1).completed(AT + timedelta(seconds=90))
    assert (done.status, done.duration_seconds, done.products_analyzed, done.products_updated) == (
        RunStatus.COMPLETED, 90.0, 3, 1)
    with pytest.raises(InvalidTransition):
        done.failed(AT, "late")
    with pytest.raises(InvalidTransition):
        done.resumed()
    failed = run().failed(AT + timedelta(seconds=5), "TokenRevoked: invalid")
    again = failed.resumed()
    assert again.status is RunStatus.RUNNING and again.error is None and again.finished_at is None
    with pytest.raises(ValueError, match="only grow"):
        run().counted(updated=-1)
