"""recover_stuck_work: work a stopped process left in flight is reconciled, re-enqueued, resumed or closed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from tests.support.usecase_support import Ports, add_store, kill_on_page, make_ports, product, run_of

from adapters.memory.queue import RecordingQueue
from pricing_core.activity import ActivityType
from pricing_core.commands import ApplyDecisions, SweepStore, SweepStoreNow
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.errors import SallaUnavailable
from pricing_core.runs import OptimizationRun, RunStatus, RunType
from pricing_core.settings import AutomationMode
from pricing_core.usecases.apply_prices import apply_decisions
from pricing_core.usecases.context import APPLY_LOCK, SWEEP_LOCK, run_id_for
from pricing_core.usecases.decisions import approve_decisions
from pricing_core.usecases.optimize_store import optimize_store
from pricing_core.usecases.recovery import (
    INTERRUPTED,
    RETURNED_NOTE,
    RecoveryPolicy,
    recover_stuck_work,
)
from pricing_core.usecases.reprice import reprice_products

CATALOG = [product("a", "100"), product("b", "100"), product("c", "100"), product("d", "100", cost=None),
           product("e", "100"), product("f", "100", status="hidden"), product("g", "100")]
OFFERS = {"a": [("x", "97")], "b": [("x", "80")], "c": [("x", "100")], "d": [("x", "90")],
          "e": [("x", "104"), ("y", "103")], "g": [("x", "103"), ("y", "103.5")]}
POLICY = RecoveryPolicy()
LATER = timedelta(minutes=16)   # past every default timeout


def decisions(ports: Ports, store_id: str = "1", **filters: Any) -> dict[str, DecisionRecord]:
    with ports.uow_factory(store_id) as uow:
        assert uow.store is not None
        return {r.decision.product_id: r for r in uow.store.decisions.list(limit=1000, **filters)}


def activity(ports: Ports, store_id: str | None = "1", kind: ActivityType | None = None) -> list[Any]:
    with ports.uow_factory(store_id) as uow:
        log = uow.store.activity if uow.store is not None else uow.system_activity
        entries = log.list(activity_type=kind, limit=1000)
    return [e for e in entries if store_id is not None or e.store_id is None]


def merchant_pending(ports: Ports) -> dict[str, DecisionRecord]:
    """A manual store with pending decisions for a, b and c (their prices go up to 104, 106, 107)."""
    add_store(ports, "1", [product("a", "100"), product("b", "100"), product("c", "100")],
              mode=AutomationMode.MANUAL)
    ports.competitors.prices = {"a": [("x", "104"), ("y", "104")], "b": [("x", "106")], "c": [("x", "107")]}
    optimize_store(ports, "1", run_key="k1")
    pending = decisions(ports, status=DecisionStatus.PENDING)
    assert set(pending) == {"a", "b", "c"}
    return pending


def move(ports: Ports, ids: list[str], status: DecisionStatus, by: str | None = None, store_id: str = "1") -> None:
    """Put decisions in ``status`` along their lifecycle (a pending one is approved on its way to applying)."""
    path = [DecisionStatus.APPROVED, status] if status is DecisionStatus.APPLYING else [status]
    with ports.uow_factory(store_id) as uow:
        assert uow.store is not None
        for step in path:
            uow.store.decisions.set_status(ids, step, at=ports.clock.now(), by=by)
        uow.commit()
    assert {r.status for r in decisions(ports, store_id).values() if r.id in ids} == {status}


def sweep_ports() -> Ports:
    ports = make_ports()
    add_store(ports, "1", CATALOG)
    ports.competitors.prices = OFFERS
    return ports


def sweep_queue(ports: Ports) -> RecordingQueue:
    """A queue that runs the resumed sweeps and the re-sent approvals inline, as a worker would."""
    return RecordingQueue({
        SweepStore: lambda c: optimize_store(ports, c.store_id, run_type=RunType(c.run_type), run_key=c.run_key),
        SweepStoreNow: lambda c: optimize_store(ports, c.store_id, run_key=c.run_key),
        ApplyDecisions: lambda c: apply_decisions(ports, c.store_id, list(c.decision_ids)),
    })


# -- decisions left APPLYING


def test_applying_decisions_are_sorted_by_what_salla_shows() -> None:
    ports = make_ports()
    pending = merchant_pending(ports)
    a, b, c = pending["a"], pending["b"], pending["c"]
    move(ports, [a.id, b.id, c.id], DecisionStatus.APPLYING, by="merchant")
    # The process died with the bulk request in flight: Salla took "a", never got "b", and the
    # merchant changed "c" by hand meanwhile.
    ports.salla_catalog.set_price("1", "a", a.decision.suggested_price)
    ports.salla_catalog.set_price("1", "c", Decimal("111.00"))
    ports.clock.advance(minutes=11)
    queue = RecordingQueue()

    report = recover_stuck_work(ports, queue, policy=POLICY)

    [store] = report.stores
    assert store.applied == (a.id,) and store.returned == (b.id,) and set(store.failed) == {c.id}
    assert queue.commands == [] and ports.salla_catalog.applies == {}    # nothing sent
    now = decisions(ports)
    assert now["a"].status is DecisionStatus.APPLIED
    assert now["b"].status is DecisionStatus.PENDING and now["b"].error == RETURNED_NOTE
    assert now["c"].status is DecisionStatus.FAILED and "Salla shows 111.00" in (now["c"].error or "")
    with ports.uow_factory("1") as uow:
        assert uow.store is not None
        [point] = uow.store.price_history.for_product("a")
    assert point.price == a.decision.suggested_price and point.source == "merchant"
    [entry] = activity(ports, kind=ActivityType.SYSTEM_RECOVERY)
    assert entry.metadata["applied"] == [a.id] and entry.metadata["returned_to_pending"] == [b.id]
    assert "1 price change(s) found applied in Salla" in entry.description
    [summary] = activity(ports, None, ActivityType.SYSTEM_RECOVERY)
    assert summary.metadata["applied"] == 1 and summary.metadata["failed"] == 1
    kinds = {e.activity_type for e in activity(ports)}
    assert {ActivityType.PRICE_APPLIED, ActivityType.PRICE_APPLY_FAILED} <= kinds

    # The merchant approves "b" again: the note goes, and the price is written once.
    queue = sweep_queue(ports)
    approve_decisions(ports.uow_factory, queue, ports.clock, store_id="1", decision_ids=[b.id])
    assert ports.salla_catalog.applies == {("1", "b"): 1}
    assert decisions(ports)["b"].status is DecisionStatus.APPLIED and decisions(ports)["b"].error is None


def test_nothing_is_touched_before_its_timeout() -> None:
    ports = make_ports()
    pending = merchant_pending(ports)
    move(ports, [pending["a"].id], DecisionStatus.APPLYING, by="merchant")
    move(ports, [pending["b"].id], DecisionStatus.APPROVED, by="merchant")
    ports.clock.advance(minutes=9)
    queue = RecordingQueue()
    report = recover_stuck_work(ports, queue, policy=POLICY)
    assert report.stores == () and not report.acted and queue.commands == []
    assert activity(ports, None, ActivityType.SYSTEM_RECOVERY) == []
    assert decisions(ports)["a"].status is DecisionStatus.APPLYING


def test_salla_unreachable_leaves_applying_for_the_next_pass_and_other_stores_go_on() -> None:
    ports = make_ports()
    pending = merchant_pending(ports)
    add_store(ports, "2", [product("z", "100")], mode=AutomationMode.MANUAL)
    ports.competitors.prices["z"] = [("x", "104")]
    optimize_store(ports, "2", run_key="k1")
    [z] = decisions(ports, "2", status=DecisionStatus.PENDING).values()
    move(ports, [pending["a"].id], DecisionStatus.APPLYING, by="merchant")
    move(ports, [z.id], DecisionStatus.APPLYING, by="merchant", store_id="2")
    ports.clock.advance(minutes=11)
    ports.salla_catalog.fail_next(SallaUnavailable("HTTP 503"))

    report = recover_stuck_work(ports, RecordingQueue(), policy=POLICY)

    first, second = report.stores
    assert first.store_id == "1" and "HTTP 503" in (first.error or "") and not first.acted
    assert second.store_id == "2" and second.returned == (z.id,)
    assert decisions(ports)["a"].status is DecisionStatus.APPLYING
    [summary] = activity(ports, None, ActivityType.SYSTEM_RECOVERY)
    assert "HTTP 503" in summary.metadata["errors"]["1"]
    again = recover_stuck_work(ports, RecordingQueue(), policy=POLICY)
    assert again.stores[0].returned == (pending["a"].id,)


# -- approvals whose message was lost


def test_lost_approvals_are_enqueued_again_once_per_timeout_and_applied_once() -> None:
    ports = make_ports()
    pending = merchant_pending(ports)
    ids = [pending["a"].id, pending["b"].id]
    move(ports, ids, DecisionStatus.APPROVED, by="merchant")   # approved; the apply message was lost
    ports.clock.advance(minutes=11)
    queue = RecordingQueue()

    report = recover_stuck_work(ports, queue, policy=POLICY)
    assert set(report.stores[0].reenqueued) == set(ids)
    [message] = queue.of(ApplyDecisions)
    assert message.store_id == "1" and set(message.decision_ids) == set(ids)
    assert recover_stuck_work(ports, queue, policy=POLICY).stores == ()   # touched: not again at once
    ports.clock.advance(minutes=11)
    recover_stuck_work(ports, queue, policy=POLICY)
    assert len(queue.of(ApplyDecisions)) == 2                            # still not applied: sent again

    for command in queue.of(ApplyDecisions):                               # both messages are delivered
        apply_decisions(ports, command.store_id, list(command.decision_ids))
    assert ports.salla_catalog.applies == {("1", "a"): 1, ("1", "b"): 1}
    assert {r.status for r in decisions(ports).values() if r.id in ids} == {DecisionStatus.APPLIED}


def test_a_busy_store_still_gets_its_merchant_approvals_back() -> None:
    ports = make_ports()
    pending = merchant_pending(ports)
    move(ports, [pending["a"].id], DecisionStatus.APPROVED, by="merchant")
    move(ports, [pending["b"].id], DecisionStatus.APPLYING, by="merchant")
    ports.clock.advance(minutes=11)
    queue = RecordingQueue()
    with ports.locks.hold("1", APPLY_LOCK, timeout=0):
        report = recover_stuck_work(ports, queue, policy=attrs.evolve(POLICY, apply_lock_wait=0))
    [store] = report.stores
    assert store.reenqueued == (pending["a"].id,) and store.left == "another apply of the store is running"
    assert decisions(ports)["b"].status is DecisionStatus.APPLYING     # left for the next pass


# -- runs left RUNNING


def test_a_dead_sweep_is_resumed_with_its_key_and_finishes_without_double_writes() -> None:
    ports = sweep_ports()
    kill_on_page(ports, 3)
    with pytest.raises(KeyboardInterrupt):
        optimize_store(ports, "1", run_type=RunType.SCHEDULED, run_key="scheduled:b1")
    run = run_of(ports, "1", "scheduled:b1")
    assert run.status is RunStatus.RUNNING and run.run_key == "scheduled:b1" and run.products_analyzed == 6
    assert set(decisions(ports, status=DecisionStatus.APPROVED)) == {"e"}   # decided by the sweep, not sent
    ports.clock.advance(LATER)
    queue = sweep_queue(ports)

    report = recover_stuck_work(ports, queue, policy=POLICY)

    assert report.stores[0].resumed == (run.id,) and report.stores[0].reenqueued == ()
    assert queue.of(SweepStore) == [SweepStore(store_id="1", run_type="scheduled", run_key="scheduled:b1")]
    assert queue.of(ApplyDecisions) == []              # the sweep's own approval is left to its resume
    done = run_of(ports, "1", "scheduled:b1")
    assert done.status is RunStatus.COMPLETED and done.products_analyzed == 7 and done.recoveries == 1
    assert ports.salla_catalog.applies == {("1", "e"): 1, ("1", "g"): 1}
    [entry] = activity(ports, kind=ActivityType.SYSTEM_RECOVERY)
    assert entry.metadata["runs_resumed"] == [run.id]


def test_a_sweep_that_died_after_sending_is_reconciled_and_counted() -> None:
    ports = sweep_ports()

    def die_after_apply(merchant_id: str, updates: Any) -> None:
        ports.salla_catalog.on_apply = None
        with ports.uow_factory("1") as uow:
            assert uow.store is not None
            token = uow.store.tokens.get().access_token  # type: ignore[union-attr]
        ports.salla_catalog.apply_prices(token, updates)
        raise KeyboardInterrupt("kill -9")

    ports.salla_catalog.on_apply = die_after_apply
    with pytest.raises(KeyboardInterrupt):
        optimize_store(ports, "1", run_key="k1")
    assert set(decisions(ports, status=DecisionStatus.APPLYING)) == {"e", "g"}
    ports.clock.advance(LATER)

    report = recover_stuck_work(ports, sweep_queue(ports), policy=POLICY)

    assert len(report.stores[0].applied) == 2 and report.stores[0].resumed
    run = run_of(ports, "1", "k1")
    final = decisions(ports, run_id=run.id)
    assert run.status is RunStatus.COMPLETED and run.products_updated == 2
    assert final["e"].status is final["g"].status is DecisionStatus.APPLIED
    assert ports.salla_catalog.applies == {("1", "e"): 1, ("1", "g"): 1}


def test_a_live_sweep_is_left_alone_but_the_merchants_applying_decisions_are_not() -> None:
    ports = sweep_ports()
    kill_on_page(ports, 3)
    with pytest.raises(KeyboardInterrupt):
        optimize_store(ports, "1", run_key="k1")
    e = decisions(ports)["e"]
    move(ports, [e.id], DecisionStatus.APPLYING)                         # the sweep's own, in flight
    pending = decisions(ports, status=DecisionStatus.PENDING)
    merchants = next(iter(pending.values()))
    move(ports, [merchants.id], DecisionStatus.APPLYING, by="merchant")
    ports.clock.advance(LATER)
    queue = RecordingQueue()
    with ports.locks.hold("1", SWEEP_LOCK, timeout=0):                   # a sweep of the store is alive
        report = recover_stuck_work(ports, queue, policy=POLICY)
    [store] = report.stores
    assert store.left == "a sweep of the store is running"
    assert store.returned == (merchants.id,) and store.resumed == () and queue.commands == []
    assert decisions(ports)["e"].status is DecisionStatus.APPLYING
    assert run_of(ports, "1", "k1").status is RunStatus.RUNNING


def test_the_heartbeat_keeps_a_long_sweep_from_looking_dead() -> None:
    ports = sweep_ports()
    kill_on_page(ports, 3)
    with pytest.raises(KeyboardInterrupt):
        optimize_store(ports, "1", run_key="k1")
    run = run_of(ports, "1", "k1")
    ports.clock.advance(hours=2)
    with ports.uow_factory("1") as uow:   # started 2 hours ago, last page a minute ago
        assert uow.store is not None
        uow.store.runs.update(attrs.evolve(run, updated_at=ports.clock.now() - timedelta(minutes=1)))
        uow.commit()
    queue = RecordingQueue()
    [store] = recover_stuck_work(ports, queue, policy=POLICY).stores   # listed for its sweep's approved "e"
    assert not store.acted and queue.commands == []
    assert run_of(ports, "1", "k1").status is RunStatus.RUNNING
    assert decisions(ports)["e"].status is DecisionStatus.APPROVED       # its run still owns it


def test_runs_that_cannot_be_resumed_are_closed_with_the_reason() -> None:
    ports = sweep_ports()
    add_store(ports, "2", CATALOG)
    add_store(ports, "3", CATALOG)
    # an event repricing that died after deciding (its auto-applied "e" was never sent)
    original = ports.salla_catalog.apply_prices

    def die_before_apply(*args: Any) -> Any:
        ports.salla_catalog.apply_prices = original  # type: ignore[method-assign]
        raise KeyboardInterrupt("kill -9")

    ports.salla_catalog.apply_prices = die_before_apply  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        reprice_products(ports, "1", ["e"], run_key="event:1")
    e = decisions(ports)["e"]
    assert e.decided_by == "optimizer"
    move(ports, [e.id], DecisionStatus.APPROVED)   # as if it died between deciding and sending
    # a run written before run keys were stored, and one resumed too often
    old = OptimizationRun(id="old-run", store_id="2", run_type=RunType.SCHEDULED, status=RunStatus.RUNNING,
                          started_at=ports.clock.now())
    tired = OptimizationRun(id=run_id_for("3", "k"), store_id="3", run_type=RunType.SMART,
                            status=RunStatus.RUNNING, started_at=ports.clock.now(), run_key="k", recoveries=3)
    for run in (old, tired):
        with ports.uow_factory(run.store_id) as uow:
            assert uow.store is not None
            uow.store.runs.add(run)
            uow.commit()
    ports.clock.advance(LATER)
    queue = sweep_queue(ports)

    report = recover_stuck_work(ports, queue, policy=POLICY)

    closed = {s.store_id: dict(s.closed) for s in report.stores}
    event_run = run_id_for("1", "event:1")
    assert "event repricing is not resumed" in closed["1"][event_run]
    assert "no run key" in closed["2"]["old-run"] and "resumed 3 time(s)" in closed["3"][tired.id]
    assert all(reason.startswith(INTERRUPTED) for c in closed.values() for reason in c.values())
    assert queue.of(SweepStore) == [] and queue.of(SweepStoreNow) == []
    with ports.uow_factory("1") as uow:
        assert uow.store is not None
        run = uow.store.runs.get(event_run)
    assert run is not None and run.status is RunStatus.FAILED and run.error == closed["1"][event_run]
    assert run.finished_at == ports.clock.now()
    # the closed event run's approved decision is applied through apply_decisions instead
    assert len(queue.of(ApplyDecisions)) == 1
    assert ports.salla_catalog.applies == {("1", "e"): 1}
    failed = activity(ports, "1", ActivityType.OPTIMIZATION_FAILED)
    assert failed and failed[0].metadata["by"] == "recovery"


def test_a_dead_run_overtaken_by_a_later_sweep_is_closed_not_resumed() -> None:
    ports = sweep_ports()
    kill_on_page(ports, 2)
    with pytest.raises(KeyboardInterrupt):
        optimize_store(ports, "1", run_type=RunType.SCHEDULED, run_key="scheduled:b1")
    ports.clock.advance(minutes=1)
    optimize_store(ports, "1", run_type=RunType.SMART, run_key="smart:b2")
    ports.clock.advance(LATER)
    queue = sweep_queue(ports)
    report = recover_stuck_work(ports, queue, policy=POLICY)
    [reason] = report.stores[0].closed.values()
    assert "a later sweep of the store has started since" in reason and queue.commands == []


def test_a_manual_run_is_resumed_through_manual_optimize() -> None:
    ports = sweep_ports()
    kill_on_page(ports, 2)
    with pytest.raises(KeyboardInterrupt):
        optimize_store(ports, "1", run_type=RunType.MANUAL, run_key="manual:m1")
    ports.clock.advance(LATER)
    queue = sweep_queue(ports)
    recover_stuck_work(ports, queue, policy=POLICY)
    assert queue.of(SweepStoreNow) == [SweepStoreNow(store_id="1", run_key="manual:m1")]
    assert run_of(ports, "1", "manual:m1").status is RunStatus.COMPLETED


def test_after_a_restart_running_and_approved_work_is_taken_up_at_once_applying_still_waits() -> None:
    ports = sweep_ports()
    kill_on_page(ports, 3)
    with pytest.raises(KeyboardInterrupt):
        optimize_store(ports, "1", run_key="k1")
    pending = decisions(ports, status=DecisionStatus.PENDING)
    first, second = list(pending.values())[:2]
    move(ports, [first.id], DecisionStatus.APPROVED, by="merchant")
    move(ports, [second.id], DecisionStatus.APPLYING, by="merchant")
    ports.clock.advance(seconds=5)
    queue = sweep_queue(ports)

    report = recover_stuck_work(ports, queue, policy=POLICY.after_restart())

    [store] = report.stores
    assert store.resumed and store.reenqueued == (first.id,) and store.returned == ()
    assert store.applied == () and not store.failed    # applying ones wait for Salla's queue...
    assert run_of(ports, "1", "k1").status is RunStatus.COMPLETED
    # ...but the resumed sweep finishes what its run left applying: Salla still showed the old price
    assert decisions(ports)[second.decision.product_id].status is DecisionStatus.APPLIED
    assert ports.salla_catalog.applies[("1", second.decision.product_id)] == 1


# -- an inactive store


def test_an_inactive_stores_work_is_closed_with_the_reason() -> None:
    ports = sweep_ports()
    kill_on_page(ports, 3)
    with pytest.raises(KeyboardInterrupt):
        optimize_store(ports, "1", run_key="k1")
    pending = decisions(ports, status=DecisionStatus.PENDING)
    first, second = list(pending.values())[:2]
    move(ports, [first.id], DecisionStatus.APPROVED, by="merchant")
    move(ports, [second.id], DecisionStatus.APPLYING, by="merchant")
    with ports.uow_factory("1") as uow:
        uow.stores.set_active("1", False, reason="app uninstalled", at=ports.clock.now())
        uow.commit()
    ports.clock.advance(LATER)
    queue = RecordingQueue()

    report = recover_stuck_work(ports, queue, policy=POLICY)

    [store] = report.stores
    assert queue.commands == []
    assert set(store.failed) == {first.id, second.id, decisions(ports)["e"].id}
    assert "app uninstalled" in store.failed[first.id] and store.closed
    assert run_of(ports, "1", "k1").status is RunStatus.FAILED
    assert {r.status for r in decisions(ports).values() if r.id in store.failed} == {DecisionStatus.FAILED}


def test_policy_refuses_negative_values() -> None:
    with pytest.raises(ValueError, match="running_after"):
        RecoveryPolicy(running_after=timedelta(seconds=-1))
    with pytest.raises(ValueError, match="max_resumes"):
        RecoveryPolicy(max_resumes=-1)


def test_a_retried_write_cut_by_a_crash_settles_its_partially_applied_run() -> None:
    """A write Salla answered 503 to waits approved; its retry dies after marking it applying;
    recovery hands it back to the merchant and the run stops waiting for it."""
    ports = sweep_ports()
    ports.salla_catalog.unavailable["e"] = "not sent: HTTP 503"
    result = optimize_store(ports, "1", run_key="k1")
    assert result.run is not None and result.run.status is RunStatus.PARTIALLY_APPLIED
    e = decisions(ports)["e"]
    ports.salla_catalog.unavailable.clear()

    def dies(merchant: str, updates: object) -> None:
        raise KeyboardInterrupt("kill -9 with the retry in flight")

    ports.salla_catalog.on_apply = dies
    with pytest.raises(KeyboardInterrupt):
        apply_decisions(ports, "1", [e.id])
    assert decisions(ports)["e"].status is DecisionStatus.APPLYING
    ports.salla_catalog.on_apply = None
    ports.clock.advance(LATER)

    report = recover_stuck_work(ports, RecordingQueue(), policy=POLICY)

    [store] = report.stores
    assert store.returned == (e.id,)
    run = run_of(ports, "1", "k1")
    assert run.status is RunStatus.COMPLETED and run.writes_pending == 0
    assert ports.salla_catalog.price("1", "e") == Decimal("100")


def test_a_batch_whose_messages_were_lost_is_swept_by_the_recovery_loop() -> None:
    """Redis lost the fan-out's SweepStore messages: the runs recorded before them bring them back."""
    from pricing_core.usecases.sweeps import optimize_all_stores, sweep_run_key

    ports = sweep_ports()
    add_store(ports, "2", CATALOG)
    lost = RecordingQueue()          # records, runs nothing: the messages are gone
    fan = optimize_all_stores(ports.uow_factory, lost, ports.clock, batch_key="b1")
    assert set(fan.enqueued) == {"1", "2"}
    key = sweep_run_key("b1")
    assert {run_of(ports, s, key).status for s in ("1", "2")} == {RunStatus.RUNNING}

    ports.clock.advance(minutes=5)   # before the timeout a queued sweep is left alone
    assert recover_stuck_work(ports, sweep_queue(ports), policy=POLICY).stores == ()
    ports.clock.advance(LATER)
    queue = sweep_queue(ports)
    report = recover_stuck_work(ports, queue, policy=POLICY)

    assert sorted(s.store_id for s in report.stores if s.resumed) == ["1", "2"]
    assert {c.run_key for c in queue.of(SweepStore)} == {key}
    for store_id in ("1", "2"):
        run = run_of(ports, store_id, key)
        assert run.status is RunStatus.COMPLETED and run.products_analyzed == len(CATALOG)
    assert ports.salla_catalog.applies[("2", "e")] == 1
