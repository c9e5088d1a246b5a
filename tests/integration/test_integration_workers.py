"""Everything real but Salla: redis-server, PostgreSQL, two ``salla-optimizer worker`` processes, and the
fake Salla over HTTP on loopback.

1. Onboard 20 stores in mixed modes, run the batch sweep, and check that decisions, runs,
   activity and the prices in the fake Salla agree.
2. Slow the fake down, start another batch, ``kill -9`` a worker in the middle of it, start a new
   worker, and check that every store's sweep finished and no price was sent twice.
3. The same with the merchants' bulk approvals in flight too, and Redis losing every message at the
   kill: the next worker's recovery at start resumes the cut sweeps and settles the approvals from
   what the database says was in flight.

Each test runs alone as well (``first_batch`` sweeps the first batch for whichever needs it).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from dramatiq.brokers.redis import RedisBroker

from adapters.config import Config
from adapters.fake_salla import SandboxStoreSpec, create_fake_salla
from adapters.services import Services
from adapters.storage import migrate
from bootstrap import build_services
from pricing_core.activity import ActivityType
from pricing_core.commands import Command, SweepAllStores
from pricing_core.decision import DecisionStatus
from pricing_core.ports import scope_of
from pricing_core.runs import RunStatus, RunType
from pricing_core.settings import AutomationMode, TenantSettings
from pricing_core.usecases.decisions import approve_decisions
from pricing_core.usecases.sweeps import sweep_run_key
from support.runners import LoopbackFake, WorkerProcess, install_store, runs_by_key, wait_until
from support.servers import PostgresServer, free_port

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(240)]

STORES = 20
PRODUCTS = 130          # three pages of 60: a sweep can be killed between pages
MODES = [AutomationMode.MANUAL, AutomationMode.SEMI_AUTO, AutomationMode.FULL_AUTO]


class World:
    def __init__(self, services: Services, fake: LoopbackFake, broker: RedisBroker, env: dict[str, str],
                 tmp: Path) -> None:
        self.services, self.fake, self.broker, self.env, self.tmp = services, fake, broker, env, tmp
        self.workers: list[WorkerProcess] = []

    def worker(self, name: str, **env: str) -> WorkerProcess:
        w = WorkerProcess({**self.env, **env}, threads=4, log_path=self.tmp / f"{name}.log").start()
        self.workers.append(w)
        return w

    def stop_workers(self) -> None:
        """Stop every worker this module started (SIGTERM; those already killed are skipped)."""
        for worker in self.workers:
            worker.stop()

    def send(self, command: Command) -> None:
        self.services.queue.dispatch(command)

    def stores(self) -> list[str]:
        with self.services.uow_factory() as uow:
            return [s.store_id for s in uow.stores.list_all()]

    def mode(self, store_id: str) -> AutomationMode:
        with self.services.uow_factory(store_id) as uow:
            return scope_of(uow).settings.get().automation_mode

    def swept(self) -> list[str]:
        return [s for s in self.stores() if self.mode(s) is not AutomationMode.MANUAL]


@pytest.fixture(scope="module")
def world(postgres_server: PostgresServer, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("workers")
    database_url = postgres_server.create_database()
    migrate(database_url)
    specs = [SandboxStoreSpec(name=f"Store {i:02d}", plan=("plus", "pro", "special")[i % 3], products=PRODUCTS,
                              quirks=False, variant_share=0.0) for i in range(STORES)]
    fake = LoopbackFake(create_fake_salla(seed=21, stores=specs, bulk_delay=0.05), free_port()).start()
    namespace = f"itest-{free_port()}"
    env = {
        **fake.env(),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "COMPETITOR_SOURCE": "sandbox",
        "SANDBOX_SEED": "21",
        "DRAMATIQ_NAMESPACE": namespace,
        # recovery after kill -9: a silent worker's messages go back to the queue after 4 s
        "DRAMATIQ_HEARTBEAT_TIMEOUT_MS": "4000",
        "DRAMATIQ_MAINTENANCE_CHANCE": "200000",
        "DRAMATIQ_MIN_BACKOFF_MS": "200",
        "DRAMATIQ_MAX_BACKOFF_MS": "2000",
        "LOG_LEVEL": "WARNING",
    }
    config = Config(database_url=database_url, redis_url=redis_url, salla_client_id=fake.fake.client_id,
                    salla_client_secret=fake.fake.client_secret, salla_accounts_url=fake.origin,
                    salla_api_url=f"{fake.origin}/admin/v2", token_encryption_keys=(env["TOKEN_ENCRYPTION_KEYS"],),
                    sandbox_seed=21, var_dir=tmp, dramatiq_namespace=namespace)
    services = build_services(config)
    for index, store in enumerate(fake.fake.sandbox_stores()):
        install_store(services, fake.fake, store.merchant_id,
                      TenantSettings(automation_mode=MODES[index % 3], max_change_pct=Decimal("15")))
    broker = RedisBroker(url=redis_url, namespace=namespace)
    w = World(services, fake, broker, env, tmp)
    try:
        yield w
    finally:
        for worker in w.workers:
            worker.kill()
        broker.close()
        services.close()
        fake.stop()


def completed(world: World, run_key: str) -> list[str]:
    done = []
    for store_id in world.swept():
        run = runs_by_key(world.services, store_id, run_key)
        if run is not None and run.status is RunStatus.COMPLETED:
            done.append(store_id)
    return done


@pytest.fixture(scope="module")
def first_batch(world: World) -> dict[str, dict[str, Decimal]]:
    """The batch ``b1`` swept by two workers; returns the prices before it.

    A fixture, not a side effect of the first test, so every test of the module also runs alone.
    """
    world.stop_workers()
    world.worker("w1")
    world.worker("w2")
    original = {s: world.fake.fake.prices(s) for s in world.stores()}
    world.send(SweepAllStores(batch_key="b1"))
    swept = world.swept()
    assert len(swept) == 13 and len(world.stores()) == STORES
    wait_until(lambda: len(completed(world, sweep_run_key("b1"))) == len(swept), timeout=90, what="13 sweeps")
    return original


def test_batch_sweep_agrees_everywhere(world: World, first_batch: dict[str, dict[str, Decimal]]) -> None:
    original = first_batch
    swept = world.swept()

    totals: Counter[str] = Counter()
    for store_id in world.stores():
        with world.services.uow_factory(store_id) as uow:
            scope = scope_of(uow)
            runs = scope.runs.recent(10)
            decisions = scope.decisions.list(limit=10_000)
            activity = scope.activity.list(activity_type=ActivityType.OPTIMIZATION_COMPLETED)
        prices = world.fake.fake.prices(store_id)
        if store_id not in swept:   # manual: no scheduled sweep, nothing changed
            assert runs == [] and decisions == [] and prices == original[store_id]
            continue
        [run] = runs
        assert run.run_type is RunType.SCHEDULED and run.status is RunStatus.COMPLETED
        by_status = Counter(d.status for d in decisions)
        # products on sale are not repriced by us (the adapter rejects them), the rest are all decided
        assert len(decisions) == run.products_analyzed and PRODUCTS * 0.8 < run.products_analyzed <= PRODUCTS
        assert by_status[DecisionStatus.APPLIED] == run.products_updated
        assert by_status[DecisionStatus.PENDING] == run.products_queued
        assert by_status[DecisionStatus.APPLYING] == by_status[DecisionStatus.APPROVED] == 0
        for d in decisions:
            expected = d.decision.suggested_price if d.status is DecisionStatus.APPLIED else d.decision.old_price
            assert prices[d.decision.product_id] == expected, (store_id, d.decision.product_id, d.status)
            assert d.decision.explanation
        [entry] = activity
        assert entry.metadata["products_updated"] == run.products_updated
        assert entry.metadata["products_queued"] == run.products_queued
        totals.update(d.status.value for d in decisions)
        totals[world.mode(store_id).value] += run.products_updated
    # the modes did what they promise: both auto modes applied something, some waited for approval
    assert totals["semi-auto"] > 0 and totals["full-auto"] > totals["semi-auto"]
    assert totals["pending"] > 0 and totals["applied"] > 0
    assert max(world.fake.sent.values()) == 1


def decided(world: World, store_id: str, run_id: str) -> int:
    with world.services.uow_factory(store_id) as uow:
        return len(scope_of(uow).decisions.list(run_id=run_id, limit=10_000))


def test_kill_9_mid_sweep_finishes_every_store_and_applies_nothing_twice(
    world: World, first_batch: dict[str, dict[str, Decimal]]
) -> None:
    world.fake.reset_counts()
    # One worker does the whole batch, so killing it surely cuts sweeps in the middle.
    world.stop_workers()
    victim = world.worker("victim")
    for store_id in world.stores():
        world.fake.fake.set_latency(store_id, 0.25)   # slow Salla: a sweep takes seconds
    world.send(SweepAllStores(batch_key="b2"))
    swept = world.swept()
    cut: dict[str, str] = {}

    def mid_sweep() -> bool:
        cut.clear()
        for store_id in swept:
            run = runs_by_key(world.services, store_id, sweep_run_key("b2"))
            if run is not None and run.status is RunStatus.RUNNING and decided(world, store_id, run.id) > 0:
                cut[store_id] = run.id
        return len(cut) >= 2
    wait_until(mid_sweep, timeout=60, interval=0.1, what="sweeps half done")
    victim.kill()
    partial = {store_id: decided(world, store_id, run_id) for store_id, run_id in cut.items()}
    catalog = {store_id: runs_by_key(world.services, store_id, sweep_run_key("b1")).products_analyzed
               for store_id in cut}
    # Really cut between pages: some sweep had decided part of its catalog, not all of it.
    assert any(0 < n < catalog[store_id] for store_id, n in partial.items()), (partial, catalog)
    for store_id in world.stores():
        world.fake.fake.set_latency(store_id, 0.0)
    world.worker("w3")
    world.worker("w4")
    wait_until(lambda: len(completed(world, sweep_run_key("b2"))) == len(swept), timeout=120,
               what="every sweep of the second batch")

    for store_id in swept:
        run = runs_by_key(world.services, store_id, sweep_run_key("b2"))
        first = runs_by_key(world.services, store_id, sweep_run_key("b1"))
        with world.services.uow_factory(store_id) as uow:
            decisions = scope_of(uow).decisions.list(run_id=run.id, limit=10_000)
        prices = world.fake.fake.prices(store_id)
        assert len(decisions) == len({d.decision.product_id for d in decisions}) == run.products_analyzed
        assert run.products_analyzed == first.products_analyzed   # every page done, none twice
        applied = [d for d in decisions if d.status is DecisionStatus.APPLIED]
        assert len(applied) == run.products_updated
        assert not [d for d in decisions if d.status in (DecisionStatus.APPLYING, DecisionStatus.APPROVED)]
        for d in applied:
            assert prices[d.decision.product_id] == d.decision.suggested_price
    # the sweeps the kill cut short were resumed by the new workers and went on past where they stopped
    for store_id, run_id in cut.items():
        assert decided(world, store_id, run_id) > partial[store_id]
    sent_twice = {key: n for key, n in world.fake.sent.items() if n > 1}
    assert sent_twice == {}
    assert sum(world.fake.sent.values()) > 0


def test_kill_9_with_the_messages_lost_is_healed_by_recovery_from_the_database(
    world: World, first_batch: dict[str, dict[str, Decimal]]
) -> None:
    """A worker dies mid-batch and mid-approval, and its messages do not come back (Redis lost them):
    the next worker's recovery at start finishes from what the database says was in flight."""
    world.stop_workers()
    victim = world.worker("lost-victim")
    for store_id in world.stores():
        world.fake.fake.set_latency(store_id, 0.3)
    # The merchants of the semi-auto stores approve everything pending, and a batch starts.
    approved: dict[str, list[str]] = {}
    for store_id in world.swept():
        if world.mode(store_id) is not AutomationMode.SEMI_AUTO:
            continue
        with world.services.uow_factory(store_id) as uow:
            ids = [d.id for d in scope_of(uow).decisions.list(status=DecisionStatus.PENDING, limit=1000)]
        if ids:
            approve_decisions(world.services.uow_factory, world.services.queue, world.services.clock, store_id=store_id,
                              decision_ids=ids)
            approved[store_id] = ids
    assert approved
    world.fake.reset_counts()
    since = world.services.clock.now()
    world.send(SweepAllStores(batch_key="b3"))

    def cut() -> list[str]:
        return [s for s in world.swept() if (r := runs_by_key(world.services, s, sweep_run_key("b3"))) is not None
                and r.status is RunStatus.RUNNING and decided(world, s, r.id) > 0]

    wait_until(lambda: len(cut()) >= 2, timeout=60, interval=0.1, what="sweeps half done")
    victim.kill()
    running_at_kill = cut()
    assert running_at_kill
    # Redis loses everything: queued messages and the dead worker's unacknowledged ones alike.
    client = world.broker.client
    keys = list(client.scan_iter(f"{world.env['DRAMATIQ_NAMESPACE']}*"))
    if keys:
        client.delete(*keys)
    for store_id in world.stores():
        world.fake.fake.set_latency(store_id, 0.0)
    time.sleep(1.5)   # past RECOVERY_APPLYING_AFTER_SECONDS below
    world.worker("healer", RECOVERY_APPLYING_AFTER_SECONDS="1", RECOVERY_APPROVED_AFTER_SECONDS="0",
                 RECOVERY_RUNNING_AFTER_SECONDS="0")

    def healed() -> bool:
        for store_id in world.stores():
            with world.services.uow_factory(store_id) as uow:
                scope = scope_of(uow)
                if any(scope.decisions.count(status=s) for s in (DecisionStatus.APPLYING, DecisionStatus.APPROVED)):
                    return False
                if any(r.status is RunStatus.RUNNING for r in scope.runs.recent(50)):
                    return False
        return True
    wait_until(healed, timeout=120, interval=0.5, what="nothing in flight and no run running")

    for store_id in running_at_kill:
        run = runs_by_key(world.services, store_id, sweep_run_key("b3"))
        assert run.status is RunStatus.COMPLETED and run.recoveries == 1, run   # resumed from the database
    for store_id, ids in approved.items():
        with world.services.uow_factory(store_id) as uow:
            scope = scope_of(uow)
            statuses = Counter(scope.decisions.get(i).status for i in ids)
        assert set(statuses) <= {DecisionStatus.APPLIED, DecisionStatus.PENDING, DecisionStatus.FAILED,
                                 DecisionStatus.SUPERSEDED}, statuses
    for store_id in world.stores():
        with world.services.uow_factory(store_id) as uow:
            applied = scope_of(uow).decisions.list(status=DecisionStatus.APPLIED, limit=10_000)
        latest: dict[str, Any] = {}
        for d in sorted(applied, key=lambda d: d.updated_at):
            latest[d.decision.product_id] = d
        prices = world.fake.fake.prices(store_id)
        for product_id, d in latest.items():
            assert prices[product_id] == d.decision.suggested_price
            assert d.decision.floor_price is None or d.decision.suggested_price >= d.decision.floor_price
    # No decision's price was sent twice. A product may be written twice legitimately: a merchant's
    # approval re-sent by recovery lands, then the store's sweep (its lost message resumed from the
    # run recorded before it was enqueued) prices the product again, with no cooldown configured.
    writes: Counter[tuple[int, int]] = Counter()
    for store_id in world.stores():
        with world.services.uow_factory(store_id) as uow:
            for d in scope_of(uow).decisions.list(status=DecisionStatus.APPLIED, limit=10_000):
                if d.updated_at >= since:
                    writes[(int(store_id), int(d.decision.product_id))] += 1
    assert {key: n for key, n in world.fake.sent.items() if n > writes[key]} == {}
    with world.services.uow_factory() as uow:
        summaries = [e for e in uow.system_activity.list(activity_type=ActivityType.SYSTEM_RECOVERY)
                     if e.store_id is None]
    assert summaries and sum(e.metadata["runs_resumed"] for e in summaries) >= len(running_at_kill)
