"""The intent repository's contract (work recorded before it is queued), on every backend."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from tests.contract.test_storage_contract import T0, backend, store, uow_factory

from pricing_core.commands import CleanupOldData, RepriceProducts, SweepAllStores, SweepStoreNow
from pricing_core.intents import Intent, IntentStatus, intent_for, prepared
from pricing_core.ports import UnitOfWorkFactory

__all__ = ["backend", "uow_factory"]  # the shared fixtures, re-exported for pytest

S = timedelta(seconds=1)


def _intent(command: object, at: object = T0) -> Intent:
    intent = intent_for(prepared(command), at)  # type: ignore[arg-type]
    assert intent is not None
    return intent


def _record(factory: UnitOfWorkFactory, *intents: Intent) -> None:
    for intent in intents:
        with factory(intent.store_id) as uow:
            uow.intents.record(intent)
            uow.commit()


def _setup(factory: UnitOfWorkFactory, *store_ids: str) -> None:
    with factory() as uow:
        for sid in store_ids:
            uow.stores.upsert(store(sid))
        uow.commit()


def test_a_recorded_intent_comes_back_with_its_command(uow_factory: UnitOfWorkFactory) -> None:
    _setup(uow_factory, "1001")
    reprice = _intent(RepriceProducts(store_id="1001", product_ids=("p1", "p2")))
    tick = _intent(SweepAllStores(batch_key="20260301T0600"), T0 + S)
    _record(uow_factory, reprice, tick)
    with uow_factory() as uow:
        assert uow.intents.get(reprice.key) == reprice
        assert uow.intents.get(tick.key) == tick
        assert uow.intents.get("nothing") is None
    assert isinstance(reprice.command, RepriceProducts) and reprice.command.run_key is not None
    assert reprice.store_id == "1001" and tick.store_id is None


def test_without_commit_nothing_is_recorded(uow_factory: UnitOfWorkFactory) -> None:
    intent = _intent(CleanupOldData())
    with uow_factory() as uow:
        uow.intents.record(intent)
    with uow_factory() as uow:
        assert uow.intents.get(intent.key) is None


def test_a_store_sees_only_its_own_intents(uow_factory: UnitOfWorkFactory) -> None:
    _setup(uow_factory, "1001", "1002")
    mine = _intent(SweepStoreNow(store_id="1001"))
    theirs = _intent(SweepStoreNow(store_id="1002"))
    tick = _intent(CleanupOldData())
    _record(uow_factory, mine, theirs, tick)
    with uow_factory("1001") as uow:
        assert uow.intents.get(mine.key) == mine
        assert uow.intents.get(theirs.key) is None and uow.intents.get(tick.key) is None
        assert uow.intents.list() == [mine]
        assert uow.intents.counts() == {IntentStatus.QUEUED: 1}
        assert uow.intents.stalled(T0 + S) == [mine]
        assert uow.intents.done(theirs.key, taken_at=T0 + S) is False
        with pytest.raises(ValueError):
            uow.intents.record(theirs)
    with uow_factory() as uow:
        assert uow.intents.counts() == {IntentStatus.QUEUED: 3}
        assert uow.intents.get(theirs.key) == theirs


def test_sending_again_queues_it_again_and_keeps_its_recoveries(uow_factory: UnitOfWorkFactory) -> None:
    first = _intent(CleanupOldData())
    _record(uow_factory, first)
    with uow_factory() as uow:
        uow.intents.resent(first.key, T0 + S)
        uow.commit()
    with uow_factory() as uow:
        again = uow.intents.get(first.key)
    assert again is not None and again.recoveries == 1 and again.dispatched_at == T0 + S
    _record(uow_factory, attrs.evolve(first, dispatched_at=T0 + 2 * S, created_at=T0 + 2 * S))
    with uow_factory() as uow:
        again = uow.intents.get(first.key)
    assert again is not None
    assert (again.recoveries, again.dispatched_at, again.created_at) == (1, T0 + 2 * S, T0)
    # Given up, then sent afresh (the next fire of the tick): queued again, with a fresh count.
    with uow_factory() as uow:
        uow.intents.give_up(first.key, "not done after 1 sending")
        uow.commit()
    with uow_factory() as uow:
        dead = uow.intents.get(first.key)
        assert uow.intents.counts() == {IntentStatus.DEAD: 1}
    assert dead is not None and dead.status is IntentStatus.DEAD and dead.error == "not done after 1 sending"
    _record(uow_factory, attrs.evolve(first, dispatched_at=T0 + 3 * S))
    with uow_factory() as uow:
        fresh = uow.intents.get(first.key)
    assert fresh is not None
    assert (fresh.status, fresh.recoveries, fresh.error) == (IntentStatus.QUEUED, 0, None)


def test_done_forgets_it_unless_it_was_sent_again_after_it_was_taken(uow_factory: UnitOfWorkFactory) -> None:
    _setup(uow_factory, "1001")
    intent = _intent(RepriceProducts(store_id="1001", product_ids=("p1",)))
    _record(uow_factory, intent)
    with uow_factory("1001") as uow:
        uow.intents.taken(intent.key, T0 + S)
        uow.commit()
    with uow_factory("1001") as uow:
        taken = uow.intents.get(intent.key)
        assert taken is not None and taken.taken_at == T0 + S and taken.last_seen == T0 + S
        uow.intents.resent(intent.key, T0 + 2 * S)   # sent again while the first copy runs
        uow.commit()
    with uow_factory("1001") as uow:
        assert uow.intents.done(intent.key, taken_at=T0 + S) is False   # the second copy is still to be done
        uow.commit()
    with uow_factory("1001") as uow:
        assert uow.intents.get(intent.key) is not None
        assert uow.intents.done(intent.key, taken_at=T0 + 3 * S) is True
        uow.commit()
    with uow_factory("1001") as uow:
        assert uow.intents.get(intent.key) is None
        assert uow.intents.done(intent.key, taken_at=T0 + 4 * S) is False


def test_stalled_lists_the_quiet_queued_ones_oldest_first(uow_factory: UnitOfWorkFactory) -> None:
    _setup(uow_factory, "1001")
    old = _intent(SweepAllStores(batch_key="a"), T0)
    older = _intent(SweepAllStores(batch_key="b"), T0 - S)
    busy = _intent(SweepAllStores(batch_key="c"), T0 - 2 * S)
    fresh = _intent(SweepAllStores(batch_key="d"), T0 + 10 * S)
    given_up = _intent(SweepAllStores(batch_key="e"), T0 - 3 * S)
    store_work = _intent(SweepStoreNow(store_id="1001"), T0 - 4 * S)
    _record(uow_factory, old, older, busy, fresh, given_up, store_work)
    with uow_factory() as uow:
        uow.intents.taken(busy.key, T0 + 9 * S)      # a worker took it lately: alive
        uow.intents.give_up(given_up.key, "gone")
        uow.commit()
    with uow_factory() as uow:
        stalled = uow.intents.stalled(T0 + 5 * S)
        assert [i.key for i in stalled] == [store_work.key, older.key, old.key]
        assert [i.key for i in uow.intents.stalled(T0 + 5 * S, limit=1)] == [store_work.key]
        assert uow.intents.stalled(T0 + 5 * S, limit=0) == []
        assert [i.key for i in uow.intents.list(status=IntentStatus.DEAD)] == [given_up.key]
        assert [i.key for i in uow.intents.list(limit=2)] == [fresh.key, old.key]


def test_dead_intents_are_deleted_by_age(uow_factory: UnitOfWorkFactory) -> None:
    dead = _intent(SweepAllStores(batch_key="x"), T0)
    queued = _intent(SweepAllStores(batch_key="y"), T0)
    _record(uow_factory, dead, queued)
    with uow_factory() as uow:
        uow.intents.give_up(dead.key, "gone")
        uow.commit()
    with uow_factory() as uow:
        assert uow.intents.delete_dead_before(T0) == 0
        assert uow.intents.delete_dead_before(T0 + S) == 1
        uow.commit()
    with uow_factory() as uow:
        assert uow.intents.counts() == {IntentStatus.QUEUED: 1}
