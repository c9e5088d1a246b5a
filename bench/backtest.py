"""Backtest of 30 stored runs of a 5,000-product store: time, memory, and what the stored inputs cost.

The production shape: PostgreSQL (a throwaway server, migrated), one store of 5,000 products with
competitor offers from the sandbox market, 30 runs six hours apart stored as a sweep stores them
(the run, its decisions and its inputs, page by page; each run's auto-apply prices become the next
run's snapshot). Then ``salla-optimizer backtest`` runs in a child process, twice: once with the
store's own settings (every decision must come out identical to the stored one) and once with
other settings. The figures are the child's wall time and peak RSS (``ru_maxrss`` of the waited
child), next to the peak RSS of a child that only starts the CLI and prints its help (the floor),
and the size on disk of the stored inputs per product and run.

    python bench/backtest.py                  # 30 runs x 5,000 products
    python bench/backtest.py --products 1000  # a quicker run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import attrs
from cryptography.fernet import Fernet
from sqlalchemy import text

from adapters.competitors.sandbox import SandboxCompetitorSource
from adapters.config import Config
from adapters.storage import build_storage, migrate
from pricing_core.catalog import PricePoint, Product
from pricing_core.decision import Action, DecisionRecord, DecisionStatus
from pricing_core.engine import price_catalog
from pricing_core.ports import scope_of
from pricing_core.replay import PricingInput
from pricing_core.runs import OptimizationRun, RunStatus, RunType
from pricing_core.settings import AutomationMode, TenantSettings
from pricing_core.stores import Store
from pricing_core.usecases.context import decision_id_for, decision_key
from support.servers import PostgresServer

STORE = "1555000002"
PAGE = 60
START = datetime(2026, 10, 1, 0, 0, tzinfo=UTC)
SETTINGS = TenantSettings(automation_mode=AutomationMode.SEMI_AUTO, max_change_pct=Decimal("15"), cooldown_hours=12)
OTHER = {"automation_mode": "full-auto", "min_profit_margin": "25", "max_change_pct": "5"}


def catalog(count: int) -> list[Product]:
    products = []
    for i in range(count):
        price = Decimal(40 + (i * 37) % 900) + Decimal("0.95")
        cost = None if i % 10 == 0 else (price * Decimal("0.55")).quantize(Decimal("1"))
        products.append(Product(id=str(2_000_000_000 + i), sku=f"SKU-{i}", name=f"Product {i}", price=price,
                                cost_price=cost, prices_include_vat=i % 7 != 0))
    return products


def seed(database_url: str, runs: int, count: int) -> float:
    """Store ``runs`` runs of a ``count``-product store as sweeps store them; seconds taken."""
    started = time.monotonic()
    keys = (Fernet.generate_key().decode(),)
    factory, _ = build_storage(Config(database_url=database_url, token_encryption_keys=keys))
    market = SandboxCompetitorSource(seed=7)
    products = catalog(count)
    last_change: dict[str, PricePoint] = {}
    with factory() as uow:
        uow.stores.upsert(Store(store_id=STORE, store_name="Backtest", installed_at=START))
        uow.commit()
    with factory(STORE) as uow:
        scope_of(uow).settings.save(SETTINGS)
        uow.commit()
    for number in range(runs):
        at = START + timedelta(hours=6 * number)
        run_id = f"run-{number:03d}"
        with factory(STORE) as uow:
            scope_of(uow).runs.add(OptimizationRun(id=run_id, store_id=STORE, run_type=RunType.SCHEDULED,
                                                   status=RunStatus.RUNNING, started_at=at))
            uow.commit()
        next_products = []
        for start in range(0, count, PAGE):
            page = products[start:start + PAGE]
            offers = market.offers_for(STORE, page, at)
            decisions = price_catalog(page, offers, SETTINGS, now=at,
                                      history_by_product_id={p.id: [last_change[p.id]] for p in page
                                                             if p.id in last_change})
            records = [DecisionRecord(id=decision_id_for(run_id, d.product_id), store_id=STORE, run_id=run_id,
                                      idempotency_key=decision_key(run_id, d.product_id), decision=d,
                                      status=DecisionStatus.RECORDED, created_at=at, updated_at=at)
                       for d in decisions]
            inputs = [PricingInput(product=p, offers=tuple(offers.get(p.id, ())), last_change=last_change.get(p.id),
                                   now=at) for p in page]
            with factory(STORE) as uow:
                scope_of(uow).decisions.add_many(records)
                scope_of(uow).run_inputs.add_many(run_id, inputs)
                uow.commit()
            for product, decision in zip(page, decisions, strict=True):
                if decision.action is Action.AUTO_APPLY:  # applied: the next run sees the new price
                    next_products.append(attrs.evolve(product, price=decision.suggested_price))
                    last_change[product.id] = PricePoint(product_id=product.id, price=decision.suggested_price,
                                                         changed_at=at)
                else:
                    next_products.append(product)
        with factory(STORE) as uow:
            run = scope_of(uow).runs.get(run_id)
            assert run is not None
            scope_of(uow).runs.update(run.completed(at + timedelta(minutes=5)))
            uow.commit()
        products = next_products
    factory.engine.dispose()
    return time.monotonic() - started


def child(args: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Run the CLI in a child; (seconds, peak RSS in MB of that child, result)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "entrypoints.cli", *args], env=env, capture_output=True,
                            text=True, timeout=3600)
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # RUSAGE_CHILDREN's maxrss is the largest of all children so far, so the figure of the last
    # backtest is the larger of the two backtests (the help-only child runs first, alone).
    return elapsed, max(after, before) / 1024, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="backtest-"))
    pg = PostgresServer().start()
    try:
        database_url = pg.create_database("backtest")
        migrate(database_url)
        seeded = seed(database_url, args.runs, args.products)
        factory, _ = build_storage(Config(database_url=database_url,
                                          token_encryption_keys=(Fernet.generate_key().decode(),)))
        with factory.engine.connect() as conn:
            size = conn.execute(text("SELECT pg_total_relation_size('run_inputs')")).scalar() or 0
        factory.engine.dispose()
        env = {**os.environ, "DATABASE_URL": database_url, "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
               "SALLA_OPTIMIZER_VAR_DIR": str(tmp), "LOG_LEVEL": "warning"}
        env.pop("REDIS_URL", None)
        same, other = tmp / "same.json", tmp / "other.json"
        same.write_text("{}")
        other.write_text(json.dumps(OTHER))
        _, floor_mb, _ = child(["--help"], env)
        t_other, _, r_other = child(["backtest", STORE, "--settings", str(other), "--json"], env)
        t_same, peak_mb, r_same = child(["backtest", STORE, "--settings", str(same), "--json"], env)
    finally:
        pg.stop()
    failures = []
    for result in (r_same, r_other):
        if result.returncode != 0:
            failures.append(f"backtest failed: {result.stderr.strip()[-300:]}")
    if failures:
        print("\n".join(f"MISSED: {f}" for f in failures))
        return 1
    same_body, other_body = json.loads(r_same.stdout), json.loads(r_other.stdout)
    decisions = args.runs * args.products
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}")
    print(f"seeded {args.runs} runs x {args.products} products ({decisions} decisions and inputs) in {seeded:.0f} s")
    print(f"stored inputs (run_inputs, table + indexes + TOAST): {size / 2**20:.1f} MiB, "
          f"{size / decisions:.0f} bytes per product and run")
    print(f"backtest, unchanged settings: {t_same:.1f} s ({decisions / t_same:.0f} decisions/s), "
          f"peak RSS {peak_mb:.0f} MB (the CLI alone: {floor_mb:.0f} MB); "
          f"{same_body['identical']} of {same_body['decisions']} decisions identical to the stored ones")
    print(f"backtest, {OTHER}: {t_other:.1f} s; changes {other_body['changes']} "
          f"(stored: {other_body['actual']['changes']}), auto-apply {other_body['auto_apply']} "
          f"(stored: {other_body['actual']['auto_apply']}), at floor {other_body['at_floor']}, "
          f"avg change {other_body['avg_change_pct']} % (stored: {other_body['actual']['avg_change_pct']} %)")
    if same_body["runs"] != args.runs or same_body["identical"] != decisions:
        print("MISSED: the unchanged backtest did not reproduce every stored decision")
        return 1
    print("all stored decisions reproduced")
    return 0


if __name__ == "__main__":
    sys.exit(main())
