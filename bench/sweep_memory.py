"""A 100,000-product sweep: peak memory of the sweeping process, and SQL statements per catalog page.

The production shape on one machine: PostgreSQL (a throwaway server), the fake Salla served over
HTTP on loopback by this process, and the sweep run by ``salla-optimizer sweep STORE_ID`` in a
child process, exactly what a worker does for one store (bootstrap, pages of 60 from Salla,
competitor offers, the pricing core, decisions persisted page by page, auto-apply in bulk). The
child's peak RSS (``ru_maxrss`` of the waited child) is the figure; the fake's own memory is not in
it. The store's rate-limit window is kept open by this process (the fake's bucket is emptied every
50 ms) so the run measures memory and statements, not Salla's pacing (``bench/salla_requests.py``
measures that).

SQL statements per page: the same sweep in process, over 1,000 and 10,000 products, counting every
statement the database sees; per page they must be the same (no per-product query).

    python bench/sweep_memory.py                    # 100,000 products (target: peak RSS < 300 MB)
    python bench/sweep_memory.py --products 20000   # a quicker run
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

# Test support (throwaway servers, the runner harness) lives under tests/support.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from cryptography.fernet import Fernet

from adapters.config import Config
from adapters.fake_salla import SandboxStoreSpec, create_fake_salla
from adapters.storage import migrate
from bootstrap import build_services
from pricing_core.settings import AutomationMode, TenantSettings
from pricing_core.usecases.optimize_store import optimize_store
from support.runners import LoopbackFake, install_store
from support.servers import PostgresServer, count_statements, free_port

MERCHANT = 1_555_000_001
TARGET_MB = 300.0
SETTINGS = TenantSettings(automation_mode=AutomationMode.FULL_AUTO, max_change_pct=Decimal("15"))


def open_window(fake: LoopbackFake, stop: threading.Event) -> None:
    """Keep the store's rate-limit window open: this benchmark measures memory, not pacing."""
    while not stop.wait(0.05):
        fake.fake.fill_bucket(MERCHANT, 0)


def world(pg: PostgresServer, products: int, tmp: Path, name: str):  # type: ignore[no-untyped-def]
    """A fresh database, a fake Salla with one store of ``products``, the store installed."""
    database_url = pg.create_database(name)
    migrate(database_url)
    fake = LoopbackFake(create_fake_salla(seed=11, stores=[SandboxStoreSpec(
        name="Memory bench", plan="special", products=products, merchant_id=MERCHANT, quirks=False)]),
        free_port()).start()
    keys = Fernet.generate_key().decode()
    config = Config(database_url=database_url, token_encryption_keys=(keys,), salla_client_id=fake.fake.client_id,
                    salla_client_secret=fake.fake.client_secret, salla_accounts_url=fake.origin,
                    salla_api_url=f"{fake.origin}/admin/v2", competitor_source="sandbox", var_dir=tmp)
    services = build_services(config)
    install_store(services, fake.fake, MERCHANT, SETTINGS)
    return fake, services, config


def statements_per_page(pg: PostgresServer, products: int, tmp: Path) -> tuple[int, int]:
    """(statements, pages) of one in-process sweep over ``products``."""
    fake, services, _ = world(pg, products, tmp, f"stmts{products}")
    stop = threading.Event()
    threading.Thread(target=open_window, args=(fake, stop), daemon=True).start()
    try:
        engine = services.uow_factory.engine  # type: ignore[attr-defined]
        with count_statements(engine) as statements:
            result = optimize_store(services, str(MERCHANT), run_key="stmts")
        assert result.ok, result.run
        return len(statements), -(-products // 60)
    finally:
        stop.set()
        services.close()
        fake.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--target-mb", type=float, default=TARGET_MB)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sweep-memory-"))
    pg = PostgresServer().start()
    try:
        small = statements_per_page(pg, 1_200, tmp / "s")
        large = statements_per_page(pg, 12_000, tmp / "l")
        fake, services, config = world(pg, args.products, tmp / "m", "memory")
        services.close()
        stop = threading.Event()
        threading.Thread(target=open_window, args=(fake, stop), daemon=True).start()
        env = {**os.environ, "DATABASE_URL": str(config.database_url),
               "TOKEN_ENCRYPTION_KEYS": config.token_encryption_keys[0], "COMPETITOR_SOURCE": "sandbox",
               "SALLA_OPTIMIZER_VAR_DIR": str(tmp / "m"), "LOG_LEVEL": "warning", **fake.env()}
        env.pop("REDIS_URL", None)
        started = time.monotonic()
        child = subprocess.run([sys.executable, "-m", "entrypoints.cli", "sweep", str(MERCHANT)],
                               env=env, capture_output=True, text=True, timeout=3600)
        elapsed = time.monotonic() - started
        stop.set()
        fake.stop()
    finally:
        pg.stop()
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}")
    print(f"SQL statements: {small[0]} for {small[1]} pages, {large[0]} for {large[1]} pages "
          f"({small[0] / small[1]:.2f} and {large[0] / large[1]:.2f} per page; marginal "
          f"{(large[0] - small[0]) / (large[1] - small[1]):.2f} per page)")
    print(f"sweep of {args.products} products in a child process: exit {child.returncode} in {elapsed:.0f} s, "
          f"peak RSS {peak_mb:.0f} MB (target < {args.target_mb:g} MB)")
    print(child.stdout.strip().splitlines()[-1] if child.stdout.strip() else child.stderr.strip()[-500:])
    failures = []
    if child.returncode != 0:
        failures.append(f"the sweep failed: {child.stderr.strip()[-300:]}")
    if peak_mb >= args.target_mb:
        failures.append(f"peak RSS {peak_mb:.0f} MB >= {args.target_mb:g} MB")
    if large[0] / large[1] > small[0] / small[1] + 0.5:  # a fixed overhead per sweep amortizes; no per-product query
        failures.append("SQL statements per page grow with the catalog")
    for failure in failures:
        print(f"MISSED: {failure}")
    if not failures:
        print("all targets met")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
