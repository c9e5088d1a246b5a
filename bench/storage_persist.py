"""Storage: statements per sweep, and the cost of persisting 10,000 decisions, batched vs naive.

(a) The number of SQL statements (counted with SQLAlchemy's ``before_cursor_execute`` event) to
    persist one sweep of one store -- run, products, offers (2 per product), decisions, applied
    prices, run update, activity -- for 100 and for 10,000 products, on SQLite and PostgreSQL.
    Target (issue 4): the same count for both sizes.
(b) Wall time to persist 10,000 decisions on PostgreSQL: ``DecisionRepository.add_many`` (one
    ``INSERT ... SELECT FROM unnest(...)``) against the naive loop of one INSERT per row, in one
    run, each in one transaction, each on an empty table.

Starts its own throwaway PostgreSQL (``support.servers``, as the test fixtures do).
Run: ``python bench/storage_persist.py [--decisions N] [--repeat R] [--write FILE]`` (``--write`` saves the markdown
report to FILE; copy its figures into docs/benchmarks.md).
Exits non-zero when the statement counts differ.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from adapters.config import Config
from adapters.storage import SqlUnitOfWorkFactory, build_storage, models
from adapters.storage.crypto import generate_key
from adapters.storage.rows import decision_row

# Test support (throwaway servers, the runner harness) lives under tests/support.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from pricing_core.ports import scope_of
from pricing_core.stores import Store
from support.servers import PostgresServer, count_statements, persist_sweep, sample_sweep

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
SIZES = (100, 10_000)


def statements_per_sweep(factory: SqlUnitOfWorkFactory, size: int) -> int:
    """Statements sent to persist one sweep of ``size`` products for a new store."""
    store_id = f"bench-{size}"
    with factory() as uow:
        uow.stores.upsert(Store(store_id=store_id))
        uow.commit()
    sweep = sample_sweep(store_id, size, NOW, run_id=f"run-{size}")
    with count_statements(factory.engine) as statements:
        persist_sweep(factory, store_id, sweep, NOW)
    return len(statements)


def _reset_decisions(factory: SqlUnitOfWorkFactory) -> None:
    with factory.engine.begin() as conn:
        conn.execute(text("TRUNCATE pricing_decisions"))


def time_batched(factory: SqlUnitOfWorkFactory, n: int) -> tuple[float, int]:
    """Seconds (and statements) for ``add_many`` of ``n`` decisions, committed."""
    records = sample_sweep("timing", n, NOW, run_id="batched").decisions
    _reset_decisions(factory)
    with count_statements(factory.engine) as statements:
        began = time.perf_counter()
        with factory("timing") as uow:
            assert scope_of(uow).decisions.add_many(records) == n
            uow.commit()
        elapsed = time.perf_counter() - began
    return elapsed, len(statements)


def time_naive(factory: SqlUnitOfWorkFactory, n: int) -> tuple[float, int]:
    """Seconds (and statements) for the naive loop: one INSERT per decision, one transaction, committed."""
    rows = [decision_row(r) for r in sample_sweep("timing", n, NOW, run_id="naive").decisions]
    insert = models.pricing_decisions.insert()
    _reset_decisions(factory)
    with count_statements(factory.engine) as statements:
        began = time.perf_counter()
        with factory("timing") as uow:
            conn = uow.conn
            for row in rows:
                conn.execute(insert.values(**row))
            uow.commit()
        elapsed = time.perf_counter() - began
    return elapsed, len(statements)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--decisions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="timing repetitions (the median is reported)")
    parser.add_argument("--write", type=Path, default=None, help="write the figures as markdown to this file")
    args = parser.parse_args()

    counts: dict[str, dict[int, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_factory, _ = build_storage(Config(var_dir=Path(tmp)))
        counts["SQLite"] = {size: statements_per_sweep(sqlite_factory, size) for size in SIZES}
        sqlite_factory.engine.dispose()

    server = PostgresServer().start()
    try:
        url = server.create_database("bench")
        factory, _ = build_storage(
            Config(database_url=url, token_encryption_keys=(generate_key(),)), migrate_schema=True
        )
        counts["PostgreSQL"] = {size: statements_per_sweep(factory, size) for size in SIZES}
        with factory() as uow:
            uow.stores.upsert(Store(store_id="timing"))
            uow.commit()
        batched, naive = [], []
        batched_statements = naive_statements = 0
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            seconds, batched_statements = time_batched(factory, args.decisions)
            batched.append(seconds)
            seconds, naive_statements = time_naive(factory, args.decisions)
            naive.append(seconds)
        with factory.engine.connect() as conn:
            pg_version = conn.exec_driver_sql("SHOW server_version").scalar()
        factory.engine.dispose()
    finally:
        server.stop()

    batched_s, naive_s = statistics.median(batched), statistics.median(naive)
    lines = [
        "# Storage benchmark",
        "",
        f"Command: `python bench/storage_persist.py --decisions {args.decisions} --repeat {args.repeat}`",
        "",
        f"Machine: {os.cpu_count()} cores shared with other jobs (numbers are indicative), "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, "
        f"PostgreSQL {pg_version} (throwaway local server, fsync off), SQLite in WAL mode.",
        "",
        "## (a) SQL statements to persist one sweep of one store",
        "",
        "One sweep = run row, product snapshot upsert, 2 competitor offers per product, one decision per",
        "product, applied prices for 10% of them, run update, one activity entry; counted with SQLAlchemy's",
        "`before_cursor_execute` event (one count per DBAPI execute or executemany call).",
        "",
        "| database | 100 products | 10,000 products |",
        "|---|---:|---:|",
        *(f"| {db} | {c[SIZES[0]]} | {c[SIZES[1]]} |" for db, c in counts.items()),
        "",
        "PostgreSQL writes each table with one `INSERT ... SELECT FROM unnest(array, ...)` statement (one",
        "array parameter per column, so no 65,535-parameter paging); SQLite uses one `executemany`.",
        "PostgreSQL's extra statement is the per-transaction `set_config('app.store_id', ...)` for RLS.",
        "",
        f"## (b) Persisting {args.decisions:,} decisions on PostgreSQL (median of {args.repeat})",
        "",
        "| method | statements | seconds | decisions/s |",
        "|---|---:|---:|---:|",
        f"| batched `add_many` (unnest) | {batched_statements} | {batched_s:.3f} | {args.decisions / batched_s:,.0f} |",
        f"| naive loop, one INSERT per row | {naive_statements} | {naive_s:.3f} | {args.decisions / naive_s:,.0f} |",
        "",
        f"Speed-up: {naive_s / batched_s:.1f}x. All runs: batched {', '.join(f'{s:.3f}' for s in batched)} s;"
        f" naive {', '.join(f'{s:.3f}' for s in naive)} s.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.write is not None:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(report)
    equal = all(c[SIZES[0]] == c[SIZES[1]] for c in counts.values())
    if not equal:
        print("FAIL: the statement count grows with the catalog", file=sys.stderr)
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
