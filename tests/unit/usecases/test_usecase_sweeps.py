"""optimize_all_stores and check_and_optimize_stores: which stores get a sweep message."""

from __future__ import annotations

from tests.support.usecase_support import add_store, make_ports, product

from adapters.memory.queue import RecordingQueue
from pricing_core.commands import SweepStore
from pricing_core.runs import RunType
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
    assert queue.of(SweepStore) == [
        SweepStore(store_id=s, run_type="scheduled", run_key="sweep:20260101T12") for s in ("1", "2", "5")
    ]
    # a redelivered fan-out message enqueues the very same runs
    again = RecordingQueue()
    optimize_all_stores(ports.uow_factory, again, ports.clock, batch_key="20260101T1200")
    assert again.commands == queue.commands


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
    assert {m.run_type for m in queue.of(SweepStore)} == {"smart"}
    ports.clock.advance(hours=5)
    assert check_and_optimize_stores(ports.uow_factory, RecordingQueue(), ports.clock).enqueued == ("1", "2", "5")


def _store(ports, store_id):  # type: ignore[no-untyped-def]
    with ports.uow_factory(store_id) as uow:
        return uow.stores.get(store_id)


def test_completed_sweep_sets_last_run_at_failed_and_event_runs_do_not() -> None:
    from pricing_core.errors import SallaUnavailable
    from pricing_core.usecases.reprice import reprice_products

    ports = make_ports()
    add_store(ports, "1", [product("a", "100"), product("b", "100")])
    assert _store(ports, "1").last_run_at is None

    first = optimize_store(ports, "1", run_key="k1")
    assert first.ok and first.run is not None
    assert _store(ports, "1").last_run_at == first.run.started_at

    ports.clock.advance(hours=1)
    event = reprice_products(ports, "1", ["a"], run_key="evt")
    assert event.ok                                       # a few products, not the catalog
    ports.salla_catalog.fail_next(SallaUnavailable("down"))
    failed = optimize_store(ports, "1", run_key="k2")
    assert failed.run is not None and not failed.ok
    assert _store(ports, "1").last_run_at == first.run.started_at

    ports.clock.advance(hours=1)
    later = optimize_store(ports, "1", run_key="k2")      # the redelivery completes the failed run
    assert later.ok and later.run is not None
    assert _store(ports, "1").last_run_at == later.run.started_at   # the run's start (1 h ago), not now
    # the rest of the row is untouched
    assert _store(ports, "1").store_name == "Store 1" and _store(ports, "1").is_active


def test_smart_schedule_reads_last_run_at_and_ignores_event_runs() -> None:
    import attrs

    from pricing_core.usecases.reprice import reprice_products

    ports = make_ports()
    add_store(ports, "1", [product("a", "100")], mode=AutomationMode.FULL_AUTO)
    optimize_store(ports, "1", run_key="sweep")
    ports.clock.advance(hours=5)
    reprice_products(ports, "1", ["a"], run_key="evt")    # price events keep coming
    ports.clock.advance(hours=2)
    # 7 h since the sweep, 2 h since the event: due (6 h frequency) by last_run_at
    assert check_and_optimize_stores(ports.uow_factory, RecordingQueue(), ports.clock).enqueued == ("1",)

    # a store swept before last_run_at was kept: the fallback reads its runs, skipping the event run
    with ports.uow_factory("1") as uow:
        uow.stores.upsert(attrs.evolve(uow.stores.get("1"), last_run_at=None))
        uow.commit()
    assert check_and_optimize_stores(ports.uow_factory, RecordingQueue(), ports.clock).enqueued == ("1",)
    ports.clock.advance(hours=-2)                          # 5 h after the sweep: not due either way
    fan = check_and_optimize_stores(ports.uow_factory, RecordingQueue(), ports.clock)
    assert fan.enqueued == () and ("1", "not due") in fan.passed


def test_both_fan_outs_at_the_same_due_time_make_one_sweep_per_store() -> None:
    """06:00: the 6-hourly batch and the hourly check both fire; a due store is swept once."""
    from pricing_core.usecases.sweeps import batch_key_for

    ports = stores()
    ports.clock.set(ports.clock.now().replace(hour=6, minute=0, second=4, microsecond=0))
    key = batch_key_for(ports.clock.now())
    queue = RecordingQueue()
    optimize_all_stores(ports.uow_factory, queue, ports.clock, batch_key=key)
    check_and_optimize_stores(ports.uow_factory, queue, ports.clock, batch_key=key)
    messages = queue.of(SweepStore)
    assert [m.store_id for m in messages] == ["1", "2", "5", "1", "2", "5"]   # every store is due
    assert {m.run_key for m in messages} == {"sweep:" + key[:11]}

    for message in messages:            # the worker runs every message, one after the other
        optimize_store(ports, message.store_id, run_type=RunType(message.run_type), run_key=message.run_key)
    for store_id in ("1", "2", "5"):
        with ports.uow_factory(store_id) as uow:
            assert len(uow.store.runs.recent(10)) == 1, store_id


def test_the_sweep_slot_is_the_hour_of_the_fire() -> None:
    from pricing_core.usecases.sweeps import sweep_run_key

    assert sweep_run_key("20260301T0600") == sweep_run_key("20260301T0605") == "sweep:20260301T06"
    assert sweep_run_key("20260301T0600") != sweep_run_key("20260301T0700")
    assert sweep_run_key("b1") == "sweep:b1"             # a one-off batch keeps its own key
