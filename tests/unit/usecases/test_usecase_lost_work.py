"""Intents: work recorded before it is queued is forgotten once done, and sent again by recovery when lost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from tests.support.usecase_support import Ports, add_store, kill_on_page, make_ports, product, run_of

from adapters.memory.queue import RecordingQueue
from pricing_core.activity import ActivityType
from pricing_core.commands import (
    ApplyDecisions,
    CleanupOldData,
    Command,
    RepriceProducts,
    SweepAllStores,
    SweepStore,
    SweepStoreNow,
)
from pricing_core.intents import Intent, IntentStatus, intent_key, intent_key_of_run, is_recorded, prepared
from pricing_core.runs import RunStatus, RunType
from pricing_core.usecases.intent_ledger import IntentLedger
from pricing_core.usecases.optimize_store import optimize_store
from pricing_core.usecases.recovery import INTERRUPTED, RecoveryPolicy, recover_stuck_work
from pricing_core.usecases.reprice import reprice_products
from pricing_core.usecases.sweeps import optimize_all_stores
from pricing_core.usecases.work_status import summarize_work

CATALOG = [product("a", "100"), product("b", "100"), product("c", "100"), product("d", "100"),
           product("e", "100"), product("g", "100")]
POLICY = RecoveryPolicy(queued_after=timedelta(minutes=15))
LATER = timedelta(minutes=16)


def ports_with_store() -> Ports:
    ports = make_ports()
    add_store(ports, "1", CATALOG)
    ports.competitors.prices = {"a": [("x", "97")], "b": [("x", "98")]}
    return ports


def intent(ports: Ports, key: str, store_id: str | None = "1") -> Intent | None:
    with ports.uow_factory(store_id) as uow:
        return uow.intents.get(key)


def record(ports: Ports, command: Command) -> Command:
    """Dispatch as the queue adapter does: prepare, record (then the message would be sent)."""
    ledger = IntentLedger(ports.uow_factory, ports.clock)
    sent = ledger.prepare(command)
    ledger.record(sent)
    return sent


def worker_queue(ports: Ports) -> RecordingQueue:
    """A queue whose handlers do the work and forget the intent, as the actors do."""
    ledger = IntentLedger(ports.uow_factory, ports.clock)

    def done(handler: Any) -> Any:
        def run(command: Command) -> None:
            started = ports.clock.now()
            ledger.taken(command, started)
            handler(command)
            ledger.done(command, started)
        return run

    return RecordingQueue({
        RepriceProducts: done(lambda c: reprice_products(ports, c.store_id, list(c.product_ids), run_key=c.run_key)),
        SweepStoreNow: done(lambda c: optimize_store(ports, c.store_id, run_type=RunType.MANUAL, run_key=c.run_key)),
        SweepAllStores: done(lambda c: optimize_all_stores(ports.uow_factory, RecordingQueue(), ports.clock,
                                                           batch_key=c.batch_key)),
    })


# -- the intent itself


def test_a_command_that_names_its_run_gets_a_run_key_and_is_keyed_by_it() -> None:
    sent = prepared(RepriceProducts(store_id="1", product_ids=("a",)))
    assert isinstance(sent, RepriceProducts) and sent.run_key is not None and sent.run_key.startswith("event:")
    assert prepared(sent) == sent                                         # fixed once
    manual = prepared(SweepStoreNow(store_id="1"))
    assert isinstance(manual, SweepStoreNow) and (manual.run_key or "").startswith("manual:")
    assert intent_key(sent) == f"RepriceProducts:1:{sent.run_key}"
    assert prepared(CleanupOldData()) == CleanupOldData()
    # content keys: the same tick is one intent, another batch another
    assert intent_key(SweepAllStores(batch_key="a")) == intent_key(SweepAllStores(batch_key="a"))
    assert intent_key(SweepAllStores(batch_key="a")) != intent_key(SweepAllStores(batch_key="b"))
    assert intent_key(CleanupOldData()) == "CleanupOldData"
    assert not is_recorded(SweepStore(store_id="1")) and not is_recorded(ApplyDecisions(store_id="1", decision_ids=()))


def test_the_ledger_forgets_done_work_unless_it_was_sent_again_meanwhile() -> None:
    ports = ports_with_store()
    ledger = IntentLedger(ports.uow_factory, ports.clock)
    sent = record(ports, SweepStoreNow(store_id="1"))
    key = intent_key(sent)
    found = intent(ports, key)
    assert found is not None and found.command == sent and found.status is IntentStatus.QUEUED
    started = ports.clock.now()
    ledger.taken(sent, started)
    ports.clock.advance(seconds=1)
    ledger.record(sent)                                     # sent again while the first copy runs
    assert ledger.done(sent, started) is False and intent(ports, key) is not None
    ports.clock.advance(seconds=1)
    assert ledger.done(sent, ports.clock.now()) is True and intent(ports, key) is None
    # commands that are not recorded never touch storage
    assert ledger.record(SweepStore(store_id="1")) is None
    assert ledger.done(SweepStore(store_id="1"), started) is False


# -- recovery of lost work


def test_a_lost_tick_is_sent_again_after_its_timeout_and_done_once_it_runs() -> None:
    ports = ports_with_store()
    tick = record(ports, SweepAllStores(batch_key="20260301T0600"))
    ports.clock.advance(minutes=14)
    queue = worker_queue(ports)
    assert not recover_stuck_work(ports, queue, policy=POLICY).acted and queue.commands == []
    ports.clock.advance(minutes=2)

    report = recover_stuck_work(ports, queue, policy=POLICY)

    assert queue.commands == [tick]
    assert report.work.resent == (intent_key(tick),) and report.counts()["work_resent"] == 1
    assert intent(ports, intent_key(tick), None) is None                # the fan-out ran: done
    with ports.uow_factory("1") as uow:                                 # and recorded the store's run
        assert uow.store is not None and [r.run_type for r in uow.store.runs.recent()] == [RunType.SCHEDULED]
    with ports.uow_factory() as uow:
        [entry] = [e for e in uow.system_activity.list(activity_type=ActivityType.SYSTEM_RECOVERY)
                   if e.store_id is None]
    assert entry.metadata["work_resent"] == 1 and entry.metadata["resent_commands"] == {"SweepAllStores": 1}
    assert "1 lost queued task(s) sent again" in entry.description
    status = summarize_work(ports.uow_factory, ports.clock, queued_after=POLICY.queued_after)
    assert status.recovery["work_resent"] == 1 and status.last_recovery_at == entry.created_at
    assert (status.queued, status.lost, status.dead) == (0, 0, 0)


def test_a_lost_repricing_is_sent_again_with_its_run_key_and_runs_once() -> None:
    ports = ports_with_store()
    sent = record(ports, RepriceProducts(store_id="1", product_ids=("a", "b")))
    assert isinstance(sent, RepriceProducts)
    ports.clock.advance(LATER)
    queue = worker_queue(ports)

    recover_stuck_work(ports, queue, policy=POLICY)

    assert queue.commands == [sent]
    run = run_of(ports, "1", sent.run_key or "")
    assert run is not None and run.run_type is RunType.EVENT and run.status is RunStatus.COMPLETED
    assert intent(ports, intent_key(sent)) is None
    ports.clock.advance(LATER)
    assert not recover_stuck_work(ports, queue, policy=POLICY).acted and len(queue.commands) == 1


def test_work_still_lost_after_the_resumes_is_given_up_where_the_merchant_sees_it() -> None:
    ports = ports_with_store()
    sent = record(ports, SweepStoreNow(store_id="1"))
    queue = RecordingQueue()                   # the message is lost every time
    for _ in range(POLICY.max_resumes):
        ports.clock.advance(LATER)
        assert recover_stuck_work(ports, queue, policy=POLICY).work.resent == (intent_key(sent),)
    ports.clock.advance(LATER)

    report = recover_stuck_work(ports, queue, policy=POLICY)

    assert list(report.work.given_up) == [intent_key(sent)] and len(queue.commands) == POLICY.max_resumes
    dead = intent(ports, intent_key(sent))
    assert dead is not None and dead.status is IntentStatus.DEAD and "given up" in (dead.error or "")
    with ports.uow_factory("1") as uow:
        assert uow.store is not None
        [entry] = uow.store.activity.list(activity_type=ActivityType.SYSTEM_RECOVERY)
    assert "queued work given up (SweepStoreNow)" in entry.description
    ports.clock.advance(LATER)
    assert not recover_stuck_work(ports, queue, policy=POLICY).acted     # dead stays dead


def test_work_whose_run_finished_is_forgotten_and_a_live_run_is_left_alone() -> None:
    ports = ports_with_store()
    add_store(ports, "2", CATALOG)
    finished = record(ports, RepriceProducts(store_id="1", product_ids=("a",)))
    assert isinstance(finished, RepriceProducts)
    reprice_products(ports, "1", ["a"], run_key=finished.run_key)   # done, but its forgetting was lost
    live = record(ports, SweepStoreNow(store_id="2"))
    assert isinstance(live, SweepStoreNow)
    ports.clock.advance(LATER)
    kill_on_page(ports, 2)     # a long sweep whose heartbeat is recent: stopped here only to hold it mid-way
    with pytest.raises(KeyboardInterrupt):
        optimize_store(ports, "2", run_type=RunType.MANUAL, run_key=live.run_key)
    queue = RecordingQueue()

    report = recover_stuck_work(ports, queue, policy=POLICY)

    assert report.work.found_done == (intent_key(finished),) and report.work.resent == ()
    assert queue.commands == [] and intent(ports, intent_key(finished)) is None
    assert intent(ports, intent_key(live), "2") is not None


def test_a_dead_event_run_is_resumed_through_its_intent() -> None:
    ports = ports_with_store()
    sent = record(ports, RepriceProducts(store_id="1", product_ids=("a", "b", "c", "d")))
    assert isinstance(sent, RepriceProducts) and sent.run_key is not None
    original = ports.salla_catalog.get_products

    def die(*args: Any) -> Any:   # the process dies once the run is recorded (KeyboardInterrupt: not caught)
        ports.salla_catalog.get_products = original  # type: ignore[method-assign]
        raise KeyboardInterrupt("kill -9")

    ports.salla_catalog.get_products = die  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        reprice_products(ports, "1", list(sent.product_ids), run_key=sent.run_key)
    assert run_of(ports, "1", sent.run_key).status is RunStatus.RUNNING
    ports.clock.advance(LATER)
    queue = worker_queue(ports)

    report = recover_stuck_work(ports, queue, policy=POLICY)

    [store] = report.stores
    run = run_of(ports, "1", sent.run_key)
    assert store.resumed == (run.id,) and store.closed == {}
    assert queue.commands == [sent] and report.work.resent == ()      # sent once, by the run's recovery
    assert run.status is RunStatus.COMPLETED and run.recoveries == 1
    assert intent(ports, intent_key(sent)) is None


def test_a_closed_manual_run_forgets_its_intent() -> None:
    ports = ports_with_store()
    sent = record(ports, SweepStoreNow(store_id="1"))
    assert isinstance(sent, SweepStoreNow) and sent.run_key is not None
    kill_on_page(ports, 2)
    with pytest.raises(KeyboardInterrupt):
        optimize_store(ports, "1", run_type=RunType.MANUAL, run_key=sent.run_key)
    ports.clock.advance(minutes=1)
    optimize_store(ports, "1", run_type=RunType.SMART, run_key="smart:later")   # overtaken
    ports.clock.advance(LATER)
    queue = RecordingQueue()

    report = recover_stuck_work(ports, queue, policy=POLICY)

    [reason] = report.stores[0].closed.values()
    assert reason.startswith(INTERRUPTED) and queue.commands == []
    assert intent(ports, intent_key(sent)) is None and report.work.resent == ()
    key = intent_key_of_run(run_of(ports, "1", sent.run_key))
    assert key == intent_key(sent)


def test_a_queue_that_is_down_leaves_the_work_for_the_next_pass() -> None:
    ports = ports_with_store()
    first = record(ports, SweepAllStores(batch_key="x"))
    record(ports, SweepAllStores(batch_key="y"))
    ports.clock.advance(LATER)

    class Down:
        def dispatch(self, command: Command) -> None:
            raise ConnectionError("redis is restarting")

        def dispatch_many(self, commands: Sequence[Command]) -> None:
            raise ConnectionError("redis is restarting")

        async def dispatch_many_async(self, commands: Sequence[Command]) -> None:
            raise ConnectionError("redis is restarting")

    report = recover_stuck_work(ports, Down(), policy=POLICY)

    assert report.work.resent == () and "ConnectionError" in (report.work.error or "")
    assert report.errors == {"work": report.work.error}
    kept = intent(ports, intent_key(first), None)
    assert kept is not None and kept.recoveries == 0
    queue = RecordingQueue()
    assert len(recover_stuck_work(ports, queue, policy=POLICY).work.resent) == 2


def test_after_a_restart_recorded_work_is_sent_again_at_once() -> None:
    ports = ports_with_store()
    sent = record(ports, CleanupOldData())
    ports.clock.advance(seconds=1)
    queue = RecordingQueue()
    recover_stuck_work(ports, queue, policy=POLICY.after_restart())
    assert queue.commands == [sent]
