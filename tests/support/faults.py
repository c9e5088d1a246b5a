"""Harness for the fault-injection rows (``tests/integration/test_integration_outages.py``).

A ``FaultWorld`` owns its own PostgreSQL cluster and Redis server (so a test may stop and restart
them without touching the session's shared servers), the fake Salla over HTTP on loopback, a few
full-auto stores installed in storage, and ``salla-optimizer worker`` subprocesses. The recovery
loop's tick (every five minutes from the scheduler in production) is sent every
``recovery_every`` seconds by a thread of the test process, with the recovery windows shortened
through the workers' environment. Reads of the database made while it is down count as "not
healed yet".
"""

from __future__ import annotations

import contextlib
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from cryptography.fernet import Fernet

from adapters.config import Config
from adapters.fake_salla import SandboxStoreSpec, create_fake_salla
from adapters.storage import migrate
from bootstrap import build_services
from pricing_core.activity import ActivityType
from pricing_core.commands import Command, RecoverStuckWork
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.ports import scope_of
from pricing_core.runs import OptimizationRun, RunStatus
from pricing_core.settings import AutomationMode, TenantSettings
from pricing_core.usecases.work_status import RECOVERY_ACTIONS
from support.runners import LoopbackFake, WorkerProcess, install_store, runs_by_key
from support.servers import PostgresServer, RedisServer, free_port

T = TypeVar("T")
IN_FLIGHT = (DecisionStatus.APPROVED, DecisionStatus.APPLYING)

# The windows the rows run with (production: 600/600/900/900 s, 60 s heartbeat, 15 min of retries).
FAST_ENV = {
    "DRAMATIQ_MIN_BACKOFF_MS": "200",
    "DRAMATIQ_MAX_BACKOFF_MS": "1000",
    "DRAMATIQ_RETRY_WINDOW_SECONDS": "120",
    "DRAMATIQ_HEARTBEAT_TIMEOUT_MS": "4000",
    "DRAMATIQ_MAINTENANCE_CHANCE": "200000",
    "RECOVERY_APPLYING_AFTER_SECONDS": "2",
    "RECOVERY_APPROVED_AFTER_SECONDS": "3",
    "RECOVERY_RUNNING_AFTER_SECONDS": "10",
    "RECOVERY_QUEUED_AFTER_SECONDS": "4",
    "RECOVERY_MAX_RESUMES": "5",
    "LOG_LEVEL": "WARNING",
}


class FaultWorld:
    """Everything real but Salla, with servers of its own that the test may stop."""

    def __init__(self, tmp: Path, *, stores: int, products: int, seed: int) -> None:
        self.tmp = tmp
        self.postgres = PostgresServer().start()
        self.redis = RedisServer().start()
        database_url = self.postgres.create_database()
        migrate(database_url)
        specs = [SandboxStoreSpec(name=f"Store {i:02d}", plan="special", products=products, quirks=False,
                                  variant_share=0.0) for i in range(stores)]
        self.fake = LoopbackFake(create_fake_salla(seed=seed, stores=specs, bulk_delay=0.05), free_port()).start()
        namespace = f"faults-{free_port()}"
        self.env = {**self.fake.env(), **FAST_ENV, "DATABASE_URL": database_url, "REDIS_URL": self.redis.url,
                    "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "COMPETITOR_SOURCE": "sandbox",
                    "SANDBOX_SEED": str(seed), "DRAMATIQ_NAMESPACE": namespace}
        config = Config(database_url=database_url, redis_url=self.redis.url, salla_client_id=self.fake.fake.client_id,
                        salla_client_secret=self.fake.fake.client_secret, salla_accounts_url=self.fake.origin,
                        salla_api_url=f"{self.fake.origin}/admin/v2",
                        token_encryption_keys=(self.env["TOKEN_ENCRYPTION_KEYS"],), sandbox_seed=seed, var_dir=tmp,
                        dramatiq_namespace=namespace)
        self.services = build_services(config)
        for store in self.fake.fake.sandbox_stores():
            install_store(self.services, self.fake.fake, store.merchant_id,
                          TenantSettings(automation_mode=AutomationMode.FULL_AUTO, max_change_pct=Decimal("15")))
        self.workers: list[WorkerProcess] = []

    # -- processes

    def worker(self, name: str, *, metrics_port: int | None = None, **env: str) -> WorkerProcess:
        """Start a worker (two threads, so prefetch two per queue); ``env`` overrides the world's."""
        w = WorkerProcess({**self.env, **env}, threads=2, log_path=self.tmp / f"{name}.log",
                          metrics_port=metrics_port).start()
        self.workers.append(w)
        return w

    def live_workers(self) -> list[WorkerProcess]:
        return [w for w in self.workers if w.process is not None and w.process.poll() is None]

    def ensure_workers(self, count: int) -> None:
        for index in range(count - len(self.live_workers())):
            self.worker(f"w{len(self.workers)}-{index}")

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()

    def send(self, command: Command, *, attempts: int = 20) -> None:
        """Dispatch as the web app or the scheduler does (retried while Redis comes back)."""
        for attempt in range(attempts):
            try:
                self.services.queue.dispatch(command)
                return
            except Exception:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.25)

    @contextlib.contextmanager
    def recovery_ticks(self, every: float = 2.0) -> Iterator[None]:
        """The scheduler's ``recover_stuck_work`` tick, sped up: a worker runs each pass."""
        stop = threading.Event()

        def tick() -> None:
            while not stop.wait(every):
                with contextlib.suppress(Exception):   # Redis away: the next tick tries again
                    self.services.queue.dispatch(RecoverStuckWork())

        thread = threading.Thread(target=tick, name="recovery-ticks", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(5)

    def close(self) -> None:
        for worker in self.workers:
            worker.kill()
        self.services.close()
        self.fake.stop()
        self.redis.stop()
        self.postgres.stop()

    # -- reading the world (None while the database is down)

    def read(self, fn: Callable[[], T]) -> T | None:
        try:
            return fn()
        except Exception:
            return None

    def stores(self) -> list[str]:
        return [str(s.merchant_id) for s in self.fake.fake.sandbox_stores()]

    def decisions(self, store_id: str) -> list[DecisionRecord]:
        with self.services.uow_factory(store_id) as uow:
            return scope_of(uow).decisions.list(limit=100_000)

    def runs(self, store_id: str) -> list[OptimizationRun]:
        with self.services.uow_factory(store_id) as uow:
            return scope_of(uow).runs.recent(1000)

    def queued_intents(self) -> int:
        with self.services.uow_factory() as uow:
            return sum(uow.intents.counts().values())

    def messages(self) -> dict[str, dict[str, int]]:
        """The broker's messages per queue and state (``DramatiqQueue.work``)."""
        work: dict[str, dict[str, int]] = self.services.queue.work()  # type: ignore[attr-defined]
        return work

    def swept(self, *run_keys: str) -> dict[str, tuple[str, ...]]:
        """Every store must have completed one of ``run_keys`` (the argument ``unsettled`` takes)."""
        return {store_id: run_keys for store_id in self.stores()}

    def recovery_actions(self, since: datetime) -> Counter[str]:
        """What the recovery loop's passes did since ``since`` (their system-wide activity entries)."""
        actions: Counter[str] = Counter()
        with self.services.uow_factory() as uow:
            entries = uow.system_activity.list(activity_type=ActivityType.SYSTEM_RECOVERY, limit=1000)
        for entry in entries:
            if entry.store_id is None and entry.created_at >= since and "stores_left" in entry.metadata:
                actions.update({k: int(entry.metadata.get(k) or 0) for k in RECOVERY_ACTIONS})
        return +actions

    def unsettled(self, expected: Mapping[str, Sequence[str]]) -> list[str]:
        """What is not healed yet: ``expected`` maps a store to run keys one of which must have
        completed (a store's sweep may be overtaken by another of its sweeps); no run anywhere may
        be running, no decision approved or applying, no recorded work left."""
        left = []
        for store_id in self.stores():
            runs = self.runs(store_id)
            left += [f"{store_id}: run {r.run_type.value} {r.run_key} running" for r in runs
                     if r.status is RunStatus.RUNNING]
            keys = expected.get(store_id, ())
            found = [runs_by_key(self.services, store_id, key) for key in keys]
            if keys and not any(r is not None and r.status is RunStatus.COMPLETED and r.products_analyzed
                                for r in found):
                left.append(f"{store_id}: " + ", ".join(f"{k} {r.status.value if r else 'missing'}"
                                                        for k, r in zip(keys, found, strict=True)))
            waiting = Counter(d.status.value for d in self.decisions(store_id) if d.status in IN_FLIGHT)
            left += [f"{store_id}: {n} decisions {status}" for status, n in waiting.items()]
        intents = self.queued_intents()
        if intents:
            left.append(f"{intents} recorded task(s) not done")
        return left

    def wait_healed(self, expected: Mapping[str, Sequence[str]], *, timeout: float) -> float:
        """Poll until nothing is unsettled; returns the seconds it took (``TimeoutError`` naming what is left)."""
        started = time.monotonic()
        last: list[str] | None = None
        while time.monotonic() - started < timeout:
            last = self.read(lambda: self.unsettled(expected))
            if last == []:
                return time.monotonic() - started
            time.sleep(0.25)
        raise TimeoutError(f"not healed after {timeout}s: {last}")

    def assert_written_once_and_above_floor(self, since: datetime) -> int:
        """Salla shows the latest applied price of every product; none was written more often than
        decisions applied it since ``since`` (counted by the fake Salla); none is below its floor.
        Returns the number of prices written."""
        writes: Counter[tuple[int, int]] = Counter()
        for store_id in self.stores():
            prices = self.fake.fake.prices(store_id)
            latest: dict[str, DecisionRecord] = {}
            for d in sorted(self.decisions(store_id), key=lambda d: d.updated_at):
                if d.status is not DecisionStatus.APPLIED:
                    continue
                latest[d.decision.product_id] = d
                assert d.decision.floor_price is None or d.decision.suggested_price >= d.decision.floor_price, d
                if d.updated_at >= since:
                    writes[(int(store_id), int(d.decision.product_id))] += 1
            for product_id, d in latest.items():
                assert Decimal(prices[product_id]) == d.decision.suggested_price, (store_id, product_id)
        twice = {key: n for key, n in self.fake.sent.items() if n > writes[key]}
        assert twice == {}, twice
        return sum(self.fake.sent.values())

    def assert_nothing_dead(self) -> None:
        """No message was dead-lettered: every failure was retried until it healed."""
        dead = {name: counts["dead"] for name, counts in self.messages().items() if counts["dead"]}
        assert dead == {}, dead


def metrics_total(port: int, name: str, **labels: str) -> float:
    """The sum of a Prometheus metric's samples (those with ``labels``) served on 127.0.0.1:``port``."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if (line.startswith(name + "{") or line.startswith(name + " "))
               and all(label in line for label in wanted))


__all__ = ["FAST_ENV", "FaultWorld", "metrics_total"]
