"""Shared set-up of the runner benchmarks: PostgreSQL, Redis, the fake Salla on loopback, N stores, workers.

Used by ``e2e_throughput.py`` and ``event_reaction.py``; not a benchmark itself.
"""

from __future__ import annotations

import contextlib
import math
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from cryptography.fernet import Fernet
from dramatiq.brokers.redis import RedisBroker

from adapters.config import Config
from adapters.fake_salla import PLAN_LIMITS, SandboxStoreSpec, create_fake_salla
from adapters.services import Services
from adapters.storage import migrate

# Test support (throwaway servers, the runner harness) lives under tests/support.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bootstrap import build_services
from pricing_core.activity import ActivityType
from pricing_core.commands import Command
from pricing_core.settings import AutomationMode, TenantSettings
from support.runners import LoopbackFake, WorkerProcess, install_store
from support.servers import PostgresServer, RedisServer, free_port

PLANS = ("plus", "pro", "special")


@dataclass
class Loopback:
    """Everything running, plus handles to drive and inspect it."""

    services: Services
    fake: LoopbackFake
    broker: RedisBroker
    env: dict[str, str]
    tmp: Path
    workers: list[WorkerProcess] = field(default_factory=list)
    store_ids: list[str] = field(default_factory=list)

    def send(self, command: Command) -> None:
        """Dispatch ``command`` to the worker processes (through the services' queue, like any producer)."""
        self.services.queue.dispatch(command)

    def start_workers(self, count: int, threads: int, queues: Sequence[str] | None = None) -> None:
        """Start ``count`` more worker processes (optionally only for ``queues``); wait until they are connected."""
        for _ in range(count):
            index = len(self.workers)
            self.workers.append(WorkerProcess(self.env, threads=threads, queues=queues,
                                              log_path=self.tmp / f"worker{index}.log").start())
        namespace = self.env["DRAMATIQ_NAMESPACE"]
        expected = len(self.workers)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.broker.client.zcard(f"{namespace}:__heartbeats__") >= expected:
                return
            time.sleep(0.2)
        raise TimeoutError("workers did not connect to Redis within 60 s")

    def completed_runs(self, run_ids: set[str]) -> dict[str, dict[str, object]]:
        """``optimization_completed`` entries of the given runs, by run id (one query over every store)."""
        with self.services.uow_factory() as uow:
            entries = uow.system_activity.list(activity_type=ActivityType.OPTIMIZATION_COMPLETED,
                                               limit=len(run_ids) * 4 + 100)
        found = {}
        for entry in entries:
            run_id = entry.metadata.get("run_id")
            if run_id in run_ids:
                found[str(run_id)] = dict(entry.metadata)
        return found


def peak_rate(times: Sequence[float], window: float = 60.0) -> int:
    """The most requests inside any ``window`` seconds (sliding, on the fake's clock)."""
    best, start = 0, 0
    for end in range(len(times)):
        while times[end] - times[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best


@contextlib.contextmanager
def loopback(*, stores: int, products: int, seed: int = 5, modes: Sequence[AutomationMode] = (
        AutomationMode.FULL_AUTO, AutomationMode.SEMI_AUTO), webhook_port: int | None = None,
        webhook_secret: str | None = None, extra_env: dict[str, str] | None = None) -> Iterator[Loopback]:
    """Start PostgreSQL, Redis and the fake Salla; install ``stores`` stores of ``products`` products."""
    tmp = Path(tempfile.mkdtemp(prefix="salla-bench-"))
    pg = PostgresServer().start()
    redis_server = RedisServer().start()
    fake = None
    services = None
    try:
        database_url = pg.create_database("bench")
        migrate(database_url)
        specs = [SandboxStoreSpec(name=f"Bench store {i:03d}", plan=PLANS[i % 3], products=products,
                                  quirks=False) for i in range(stores)]
        webhook_url = f"http://127.0.0.1:{webhook_port}/webhooks/salla" if webhook_port else None
        # The benchmark stores are installed directly (no subscription check runs), so the app's
        # price events are subscribed the Partner Portal way: for every store, to the app's URL.
        fake = LoopbackFake(create_fake_salla(seed=seed, stores=specs, webhook_url=webhook_url,
                                              webhook_secret=webhook_secret,
                                              portal_events=("product.price.updated",) if webhook_url else ()),
                            free_port()).start()
        keys = Fernet.generate_key().decode()
        env = {
            **fake.env(),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_server.url,
            "TOKEN_ENCRYPTION_KEYS": keys,
            "COMPETITOR_SOURCE": "sandbox",
            "SANDBOX_SEED": str(seed),
            "DRAMATIQ_NAMESPACE": "bench",
            "LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        config = Config(database_url=database_url, redis_url=redis_server.url, salla_client_id=fake.fake.client_id,
                        salla_client_secret=fake.fake.client_secret, salla_accounts_url=fake.origin,
                        salla_api_url=f"{fake.origin}/admin/v2", token_encryption_keys=(keys,), sandbox_seed=seed,
                        var_dir=tmp, dramatiq_namespace="bench")
        services = build_services(config)
        ids = []
        for index, store in enumerate(fake.fake.sandbox_stores()):
            install_store(services, fake.fake, store.merchant_id,
                          TenantSettings(automation_mode=modes[index % len(modes)], max_change_pct=Decimal("15")))
            ids.append(str(store.merchant_id))
        broker = RedisBroker(url=redis_server.url, namespace="bench")  # type: ignore[no-untyped-call]
        world = Loopback(services=services, fake=fake, broker=broker, env=env, tmp=tmp, store_ids=ids)
        try:
            yield world
        finally:
            for worker in world.workers:
                worker.stop(timeout=10)
            broker.close()
    finally:
        if services is not None:
            services.close()
        if fake is not None:
            fake.stop()
        redis_server.stop()
        pg.stop()


def plan_limit(plan: str) -> int:
    """Requests per minute of a plan."""
    return PLAN_LIMITS[plan]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]
