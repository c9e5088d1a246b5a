"""The migrations create exactly the models' schema, on SQLite and on PostgreSQL, and can be undone."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from adapters.storage import migrate as run_migrations
from adapters.storage.engine import make_engine
from adapters.storage.migrate import current_revision, downgrade, head_revision, upgrade
from adapters.storage.models import STORE_SCOPED_TABLES, metadata


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_storage_migrations_match_the_models(database_url: str) -> None:
    assert run_migrations(database_url) == head_revision()
    assert _differences(database_url) == []


def test_storage_migrations_downgrade_to_nothing_and_back(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        downgrade(engine, "base")
        assert current_revision(engine) is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert set(inspect(engine).get_table_names()) >= set(metadata.tables)
    finally:
        engine.dispose()
    assert _differences(database_url) == []


@pytest.mark.postgres
def test_storage_every_store_scoped_table_has_forced_rls(fresh_postgres_url: str) -> None:
    run_migrations(fresh_postgres_url)
    engine = make_engine(fresh_postgres_url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
            ).all()
            policies = {r[0] for r in conn.exec_driver_sql("SELECT tablename FROM pg_policies").all()}
    finally:
        engine.dispose()
    flags = {name: (enabled, forced) for name, enabled, forced in rows}
    for table in STORE_SCOPED_TABLES:
        assert flags[table] == (True, True), table
    assert policies == set(STORE_SCOPED_TABLES)


def test_storage_migration_0003_gives_existing_runs_a_heartbeat(database_url: str) -> None:
    # Runs recorded before heartbeats existed get their finish (or start) as their last progress,
    # so the recovery loop neither misses a dead one nor takes a finished one for running.
    engine = make_engine(database_url)
    try:
        downgrade(engine, "base")   # the PostgreSQL database is shared by the module's tests
        upgrade(engine, "0001")
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT set_config('app.store_id', '*', true)")
            conn.exec_driver_sql(
                "INSERT INTO stores (store_id, store_name, is_active, plan, currency) "
                "VALUES ('7', 'S', true, 'plus', 'SAR')"
            )
            for rid, status, finished in (("r1", "running", None), ("r2", "completed", "2026-03-01 10:00:00+00:00")):
                conn.exec_driver_sql(
                    "INSERT INTO optimization_runs (id, store_id, run_type, status, started_at, finished_at, "
                    "products_analyzed, products_updated, products_queued, products_skipped) "
                    f"VALUES ('{rid}', '7', 'scheduled', '{status}', '2026-03-01 09:00:00+00:00', "
                    f"{'NULL' if finished is None else repr(finished)}, 0, 0, 0, 0)"
                )
        upgrade(engine)
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT set_config('app.store_id', '*', true)")
            rows = dict(conn.exec_driver_sql(
                "SELECT id, CAST(updated_at AS VARCHAR) FROM optimization_runs ORDER BY id").all())
            recoveries = {r[0] for r in conn.exec_driver_sql("SELECT recoveries FROM optimization_runs").all()}
    finally:
        engine.dispose()
    assert rows["r1"].startswith("2026-03-01 09:00:00") and rows["r2"].startswith("2026-03-01 10:00:00")
    assert recoveries == {0}
