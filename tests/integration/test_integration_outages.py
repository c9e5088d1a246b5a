"""Outages heal by themselves (issue 17): faults injected into the production shape.

Everything real but Salla: redis-server, PostgreSQL, two ``salla-optimizer worker`` processes and
the fake Salla over HTTP on loopback. Covered here: Salla answering 503 to every price write for
longer than the HTTP client's own retries (about 8 s), in the middle of a batch. Afterwards no run
is left ``running`` or ``partially_applied``, no decision ``applying`` or ``approved``, every store
was swept, every price landed once and none below its floor.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from dramatiq.brokers.redis import RedisBroker

from adapters.config import Config
from adapters.fake_salla import SandboxStoreSpec, create_fake_salla
from adapters.services import Services
from adapters.storage import migrate
from bootstrap import build_services
from pricing_core.activity import ActivityType
from pricing_core.commands import SweepAllStores
from pricing_core.decision import DecisionStatus
from pricing_core.ports import scope_of
from pricing_core.runs import RunStatus
from pricing_core.settings import AutomationMode, TenantSettings
from pricing_core.usecases.sweeps import sweep_run_key
from support.runners import LoopbackFake, WorkerProcess, install_store, runs_by_key, wait_until
from support.servers import PostgresServer, free_port

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(240)]

STORES = 6
PRODUCTS = 60
BULK = "POST /products/prices/bulkPrice"


class World:
    def __init__(self, services: Services, fake: LoopbackFake, env: dict[str, str], tmp: Path) -> None:
        self.services, self.fake, self.env, self.tmp = services, fake, env, tmp
        self.workers: list[WorkerProcess] = []

    def worker(self, name: str) -> WorkerProcess:
        w = WorkerProcess(self.env, threads=2, log_path=self.tmp / f"{name}.log").start()
        self.workers.append(w)
        return w

    def stores(self) -> list[str]:
        with self.services.uow_factory() as uow:
            return [s.store_id for s in uow.stores.list_all()]

    def decisions(self, store_id: str) -> list:  # type: ignore[type-arg]
        with self.services.uow_factory(store_id) as uow:
            return scope_of(uow).decisions.list(limit=10_000)


@pytest.fixture(scope="module")
def world(postgres_server: PostgresServer, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("outages")
    database_url = postgres_server.create_database()
    migrate(database_url)
    specs = [SandboxStoreSpec(name=f"Store {i:02d}", plan="pro", products=PRODUCTS, quirks=False, variant_share=0.0)
             for i in range(STORES)]
    fake = LoopbackFake(create_fake_salla(seed=23, stores=specs, bulk_delay=0.05), free_port()).start()
    namespace = f"outages-{free_port()}"
    env = {
        **fake.env(),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "COMPETITOR_SOURCE": "sandbox",
        "SANDBOX_SEED": "23",
        "DRAMATIQ_NAMESPACE": namespace,
        "DRAMATIQ_MIN_BACKOFF_MS": "500",
        "DRAMATIQ_MAX_BACKOFF_MS": "2000",
        "DRAMATIQ_RETRY_WINDOW_SECONDS": "60",
        "LOG_LEVEL": "WARNING",
    }
    config = Config(database_url=database_url, redis_url=redis_url, salla_client_id=fake.fake.client_id,
                    salla_client_secret=fake.fake.client_secret, salla_accounts_url=fake.origin,
                    salla_api_url=f"{fake.origin}/admin/v2", token_encryption_keys=(env["TOKEN_ENCRYPTION_KEYS"],),
                    sandbox_seed=23, var_dir=tmp, dramatiq_namespace=namespace)
    services = build_services(config)
    for store in fake.fake.sandbox_stores():
        install_store(services, fake.fake, store.merchant_id,
                      TenantSettings(automation_mode=AutomationMode.FULL_AUTO, max_change_pct=Decimal("15")))
    w = World(services, fake, env, tmp)
    try:
        yield w
    finally:
        for worker in w.workers:
            worker.kill()
        RedisBroker(url=redis_url, namespace=namespace).close()
        services.close()
        fake.stop()


def unsettled(world: World, run_key: str) -> list[str]:
    """What is not healed yet: runs not completed, decisions still approved or applying."""
    left = []
    for store_id in world.stores():
        run = runs_by_key(world.services, store_id, run_key)
        if run is None or run.status is not RunStatus.COMPLETED:
            left.append(f"{store_id}: run {run.status.value if run else 'missing'}")
        waiting = [d for d in world.decisions(store_id)
                   if d.status in (DecisionStatus.APPROVED, DecisionStatus.APPLYING)]
        if waiting:
            left.append(f"{store_id}: {len(waiting)} decisions {waiting[0].status.value}")
    return left


def test_salla_503_on_every_price_write_is_retried_until_it_lands(world: World) -> None:
    world.worker("w1")
    world.worker("w2")
    original = {s: world.fake.fake.prices(s) for s in world.stores()}
    outage = 15.0    # longer than the HTTP client's own five attempts (~8 s)
    world.fake.fake.start_outage(BULK, outage)
    started = time.monotonic()
    world.services.queue.dispatch(SweepAllStores(batch_key="o1"))
    run_key = sweep_run_key("o1")

    # While Salla refuses the writes, the runs say their writes did not all land.
    wait_until(lambda: any(runs_by_key(world.services, s, run_key) is not None
                           and runs_by_key(world.services, s, run_key).status is RunStatus.PARTIALLY_APPLIED
                           for s in world.stores()), timeout=outage, what="a partially applied run")
    wait_until(lambda: not unsettled(world, run_key), timeout=120, what="every store healed")
    healed = time.monotonic() - started - outage
    print(f"\nSalla 503 on bulkPrice for {outage:.0f} s: healed {healed:.1f} s after the outage ended")

    retried = 0
    for store_id in world.stores():
        prices = world.fake.fake.prices(store_id)
        decisions = world.decisions(store_id)
        assert decisions, store_id
        for d in decisions:
            assert d.status in (DecisionStatus.APPLIED, DecisionStatus.PENDING, DecisionStatus.RECORDED), d.status
            expected = d.decision.suggested_price if d.status is DecisionStatus.APPLIED else d.decision.old_price
            assert prices[d.decision.product_id] == expected, (store_id, d.decision.product_id, d.status)
            if d.status is DecisionStatus.APPLIED and d.decision.floor_price is not None:
                assert d.decision.suggested_price >= d.decision.floor_price
        assert any(prices[p] != original[store_id][p] for p in prices)
        with world.services.uow_factory(store_id) as uow:
            entries = scope_of(uow).activity.list(activity_type=ActivityType.PRICE_APPLY_FAILED, limit=100)
        retried += sum(1 for e in entries if e.metadata.get("retrying"))
    assert retried > 0                                   # the outage did hit the writes
    assert max(world.fake.sent.values()) == 1            # and nothing was written twice
