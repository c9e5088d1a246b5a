"""The worker's side of a webhook: CPU and SQL statements to process one delivery, SQLite and PostgreSQL.

``bench/webhook_intake.py`` measures how fast deliveries are acknowledged; this one measures what
each costs the worker afterwards, in one process and one thread, without the broker: the
``process_webhook`` handler (``runners.handlers``) called directly on services built by the
bootstrap, as the worker builds them. Each delivery is a signed-and-verified ``app.settings.updated``
with a distinct margin for one of ``--stores`` installed stores (the intake bench's deliveries): the
webhook inbox, the store and its settings read, the settings written, the pending decisions looked
up, one activity entry, one commit.

For each database: ``--rounds`` rounds of ``--deliveries`` deliveries; prints the median CPU
(``time.process_time``) per delivery and the statements per delivery (SQLAlchemy's
``before_cursor_execute``). PostgreSQL is a throwaway server started here (``support.servers``, as
the test fixtures do), reached over loopback, as an ordinary role under row-level security.

    python bench/webhook_processing.py                       # both databases
    python bench/webhook_processing.py --database sqlite --deliveries 2000

Exits non-zero when a delivery is not processed exactly once (one ``settings_updated`` entry each).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")

from adapters.config import Config
from adapters.services import Services
from adapters.storage import build_storage
from adapters.storage.crypto import generate_key
from bootstrap import build_services
from pricing_core.activity import ActivityType
from pricing_core.commands import ProcessWebhook
from pricing_core.ports import scope_of
from runners.handlers import process_webhook

# Test support (the throwaway PostgreSQL) lives under tests/support.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.servers import PostgresServer, count_statements

FIRST_MERCHANT = 5_100_000_001


def _delivery(i: int, stores: int) -> ProcessWebhook:
    margin = Decimal("15.01") + Decimal(i) / 100  # distinct, never the default: each one is a change
    return ProcessWebhook(event="app.settings.updated", merchant_id=str(FIRST_MERCHANT + i % stores),
                          data={"id": 1, "app_name": "bench", "settings": {"min_profit_margin": str(margin)}},
                          delivery_id=f"settings-{i}", created_at="2026-03-01 12:00:00")


def _install(services: Services, stores: int) -> None:
    for m in range(stores):
        process_webhook(services, ProcessWebhook(
            event="app.installed", merchant_id=str(FIRST_MERCHANT + m),
            data={"id": 1, "app_name": "bench", "store_type": "demo"}, delivery_id=f"install-{m}",
            created_at="2026-03-01 12:00:00"))


def _processed(services: Services, stores: int) -> int:
    total = 0
    for m in range(stores):
        with services.uow_factory(str(FIRST_MERCHANT + m)) as uow:
            entries = scope_of(uow).activity.list(activity_type=ActivityType.SETTINGS_UPDATED, limit=100_000)
            total += sum(1 for e in entries if e.metadata.get("applied") is True)
    return total


def measure(config: Config, *, deliveries: int, rounds: int, stores: int) -> tuple[float, float, int]:
    """(median CPU ms per delivery, statements per delivery, deliveries processed) on ``config``'s database."""
    services = build_services(config)
    try:
        _install(services, stores)
        # Warm-up (SQLAlchemy's statement cache, pydantic's validators); margins 75.01-75.50, which
        # the rounds (at most 7,900 deliveries) do not reach.
        for i in range(50):
            process_webhook(services, _delivery(6_000 + i, stores))
        per_delivery, statements = [], 0
        engine = services.uow_factory.engine  # type: ignore[attr-defined]
        for r in range(rounds):
            first = r * deliveries
            with count_statements(engine) as sent:
                started = time.process_time()
                for i in range(first, first + deliveries):
                    process_webhook(services, _delivery(i, stores))
                per_delivery.append((time.process_time() - started) * 1000 / deliveries)
            statements = len(sent)
        return statistics.median(per_delivery), statements / deliveries, _processed(services, stores) - 50
    finally:
        services.close()


@contextmanager
def _postgres() -> Iterator[str]:
    server = PostgresServer().start()
    try:
        url = server.create_database("bench_webhooks")
        factory, _ = build_storage(Config(database_url=url, token_encryption_keys=(generate_key(),)),
                                   migrate_schema=True)
        factory.engine.dispose()
        yield url
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--deliveries", type=int, default=1000, help="deliveries per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stores", type=int, default=10)
    args = parser.parse_args()
    if args.deliveries * args.rounds > 5_900:
        raise SystemExit("--deliveries x --rounds must be at most 5,900 (distinct margins below the warm-up's)")

    results: list[tuple[str, float, float, int]] = []
    expected = args.deliveries * args.rounds
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            config = Config(var_dir=Path(tmp))
            results.append(("SQLite (WAL)", *measure(config, deliveries=args.deliveries, rounds=args.rounds,
                                                     stores=args.stores)))
    if args.database in ("postgresql", "both"):
        with _postgres() as url:
            config = Config(database_url=url, token_encryption_keys=(generate_key(),))
            results.append(("PostgreSQL (loopback)", *measure(config, deliveries=args.deliveries,
                                                              rounds=args.rounds, stores=args.stores)))

    print(f"webhook processing: {args.rounds} rounds of {args.deliveries} app.settings.updated deliveries, "
          f"{args.stores} stores, one thread")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}")
    print("| database | CPU per delivery (median of rounds) | SQL statements per delivery | processed |")
    print("|---|---:|---:|---:|")
    failures = []
    for name, cpu_ms, statements, processed in results:
        print(f"| {name} | {cpu_ms:.2f} ms | {statements:g} | {processed} of {expected} |")
        if processed != expected:
            failures.append(f"{name}: processed {processed}, expected exactly {expected}")
    for failure in failures:
        print(f"MISSED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
