"""The in-memory storage's own promises: transactions, copy isolation and thread safety.

The behaviour it shares with the SQL storage is in tests/contract/test_storage_contract.py.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

from adapters.memory import InMemoryUnitOfWorkFactory
from pricing_core.activity import ActivityType
from pricing_core.catalog import Product
from pricing_core.stores import Store

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def test_memory_writes_are_invisible_until_commit_and_dropped_without_it() -> None:
    factory = InMemoryUnitOfWorkFactory()
    with factory() as writer:
        writer.stores.upsert(Store(store_id="1", store_name="One"))
        with factory() as reader:
            assert reader.stores.get("1") is None
        assert writer.stores.get("1") is not None  # a unit of work sees its own writes
    with factory() as after_rollback:
        assert after_rollback.stores.get("1") is None

    with factory() as writer:
        writer.stores.upsert(Store(store_id="1", store_name="One"))
        writer.commit()
    with factory() as reader:
        assert reader.stores.get("1") == Store(store_id="1", store_name="One")


def test_memory_concurrent_commits_to_different_stores_keep_both() -> None:
    factory = InMemoryUnitOfWorkFactory()
    with factory() as uow:
        for i in range(8):
            uow.stores.upsert(Store(store_id=str(i)))
        uow.commit()
    barrier = threading.Barrier(8)

    def work(i: int) -> None:
        with factory(str(i)) as uow:
            assert uow.store is not None
            uow.store.products.upsert_many([Product(id=f"p{i}", price=Decimal(i + 1))], seen_at=NOW)
            barrier.wait()  # every thread has its copy before anyone commits
            uow.commit()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(8):
        with factory(str(i)) as uow:
            assert uow.store is not None
            assert [p.id for p in uow.store.products.list()] == [f"p{i}"]


def test_memory_replayed_commits_keep_idempotency_keys_unique() -> None:
    from support.servers import sample_sweep

    factory = InMemoryUnitOfWorkFactory()
    with factory() as uow:
        uow.stores.upsert(Store(store_id="1"))
        uow.commit()
    records = sample_sweep("1", 3, NOW).decisions
    first, second = factory("1"), factory("1")
    with first, second:
        assert first.store is not None and second.store is not None
        # Both see an empty table, so both "insert"; the second commit must not duplicate rows.
        assert first.store.decisions.add_many(records) == 3
        assert second.store.decisions.add_many(records) == 3
        first.commit()
        second.commit()
    with factory("1") as uow:
        assert uow.store is not None and uow.store.decisions.count() == 3


def test_memory_values_are_shared_not_copied_but_containers_are() -> None:
    factory = InMemoryUnitOfWorkFactory()
    with factory() as uow:
        uow.stores.upsert(Store(store_id="1"))
        uow.system_activity.log(ActivityType.SYSTEM_CLEANUP, "x", at=NOW, metadata={"n": Decimal("1.5")})
        uow.commit()
    with factory() as uow:
        entry = uow.system_activity.list()[0]
        assert entry.metadata == {"n": "1.5"}  # JSON, as a database column keeps it
        uow.stores.list_all().clear()  # a caller mutating a returned list changes nothing stored
        assert [s.store_id for s in uow.stores.list_all()] == ["1"]
