"""optimize_all_stores and check_and_optimize_stores: which stores get a sweep message."""

from __future__ import annotations

from usecase_support import add_store, make_ports

from adapters.memory.queue import RecordingQueue
from pricing_core.settings import AutomationMode, TenantSettings
from pricing_core.usecases.optimize_store import optimize_store
from pricing_core.usecases.sweeps import check_and_optimize_stores, optimize_all_stores


def stores():  # type: ignore[no-untyped-def]
    ports = make_ports()
    add_store(ports, "1", mode=AutomationMode.SEMI_AUTO)
    add_store(ports, "2", mode=AutomationMode.FULL_AUTO)
    add_store(ports, "3", mode=AutomationMode.MANUAL)
    add_store(ports, "4", mode=AutomationMode.FULL_AUTO, active=False)
    add_store(ports, "5", settings=TenantSettings(update_frequency_hours=12))
    return ports


def test_batch_takes_active_non_manual_stores_with_stable_run_keys() -> None:
    ports = stores()
    queue = RecordingQueue()
    fan = optimize_all_stores(ports.uow_factory, queue, ports.clock, batch_key="20260101T1200")
    assert fan.enqueued == ("1", "2", "5")
    assert ("3", "manual mode") in fan.passed
    assert queue.named("optimize_store") == [
        {"store_id": s, "run_type": "scheduled", "run_key": "scheduled:20260101T1200"} for s in ("1", "2", "5")
    ]
    # a redelivered fan-out message enqueues the very same runs
    again = RecordingQueue()
    optimize_all_stores(ports.uow_factory, again, ports.clock, batch_key="20260101T1200")
    assert again.messages == queue.messages


def test_smart_schedule_honours_update_frequency() -> None:
    ports = stores()
    for store_id in ("1", "5"):
        optimize_store(ports, store_id, run_key="earlier")
    ports.clock.advance(hours=7)
    queue = RecordingQueue()
    fan = check_and_optimize_stores(ports.uow_factory, queue, ports.clock)
    # 1: 6 h frequency, ran 7 h ago -> due; 2: never ran -> due; 5: 12 h frequency -> not due
    assert fan.enqueued == ("1", "2")
    assert ("5", "not due") in fan.passed and ("3", "manual mode") in fan.passed
    assert {m["run_type"] for m in queue.named("optimize_store")} == {"smart"}
    ports.clock.advance(hours=5)
    assert check_and_optimize_stores(ports.uow_factory, RecordingQueue(), ports.clock).enqueued == ("1", "2", "5")
