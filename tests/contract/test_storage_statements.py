"""Persisting one sweep takes the same number of SQL statements for 100 and for 10,000 products."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.config import Config
from adapters.storage import SqlUnitOfWorkFactory, build_storage, models
from adapters.storage.crypto import generate_key
from pricing_core.ports import scope_of
from pricing_core.stores import Store
from support.servers import count_statements, persist_sweep, sample_sweep

NOW = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlUnitOfWorkFactory]:
    if request.param == "sqlite":
        config = Config(var_dir=tmp_path / "var")
    else:
        config = Config(
            database_url=request.getfixturevalue("fresh_postgres_url"), token_encryption_keys=(generate_key(),)
        )
    built, _locks = build_storage(config, migrate_schema=True)
    yield built
    built.engine.dispose()


def _sweep_statements(factory: SqlUnitOfWorkFactory, store_id: str, size: int) -> list[str]:
    with factory() as uow:
        uow.stores.upsert(Store(store_id=store_id))
        uow.commit()
    sweep = sample_sweep(store_id, size, NOW, run_id=f"run-{store_id}")
    with count_statements(factory.engine) as statements:
        assert persist_sweep(factory, store_id, sweep, NOW) == size
    # Every row arrived: the constant count is not bought by dropping any.
    with factory(store_id) as uow:
        conn = uow.conn
        for table, expected in (
            (models.products, size),
            (models.competitors, 2 * size),
            (models.pricing_decisions, size),
            (models.price_history, len(sweep.applied)),
        ):
            count = conn.execute(select(func.count()).select_from(table).where(table.c.store_id == store_id)).scalar()
            assert count == expected, table.name
    return statements


def test_storage_sweep_statement_count_does_not_grow_with_the_catalog(factory: SqlUnitOfWorkFactory) -> None:
    small = _sweep_statements(factory, "small", 100)
    large = _sweep_statements(factory, "large", 10_000)
    assert len(small) == len(large)
    assert len(small) <= 12  # scope set-up, store check, 6 writes, activity, commit


def test_storage_replayed_sweep_inserts_no_duplicate_decisions(factory: SqlUnitOfWorkFactory) -> None:
    with factory() as uow:
        uow.stores.upsert(Store(store_id="s"))
        uow.commit()
    sweep = sample_sweep("s", 50, NOW)
    with factory("s") as uow:
        assert scope_of(uow).decisions.add_many(sweep.decisions) == 50
        assert scope_of(uow).decisions.add_many(sweep.decisions) == 0  # at-least-once delivery, replayed
        uow.commit()
