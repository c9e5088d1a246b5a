"""Every actor through the in-process broker and real worker threads, over in-memory ports."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import dramatiq
import pytest
from tests.support.usecase_support import Ports, add_store, make_ports, product

from adapters.config import Config
from adapters.services import Services
from bootstrap import ProcessKind, bootstrap
from pricing_core.activity import ActivityType
from pricing_core.commands import (
    ApplyDecisions,
    CleanupOldData,
    Command,
    EnsureStoreEvents,
    ProcessWebhook,
    RecoverStuckWork,
    RefreshExpiringTokens,
    RepriceProducts,
    SweepAllStores,
    SweepDueStores,
    SweepStore,
    SweepStoreNow,
)
from pricing_core.decision import DecisionStatus
from pricing_core.errors import SallaUnavailable, TokenRevoked
from pricing_core.runs import RunStatus, RunType
from pricing_core.settings import AutomationMode
from pricing_core.store_events import STORE_EVENTS
from pricing_core.usecases.context import run_id_for
from runners.broker import is_in_process
from runners.commands import route_of

QUEUES = ("default", "webhooks", "sweeps", "events")


@pytest.fixture
def env() -> Iterator[tuple[Ports, Services, dramatiq.Broker]]:
    ports = make_ports()
    runtime = bootstrap(
        Config(dramatiq_min_backoff_ms=10, dramatiq_max_backoff_ms=50, retention_runs_days=30),
        ProcessKind.TEST, uow_factory=ports.uow_factory, locks=ports.locks, clock=ports.clock,
        salla_auth=ports.salla_auth, salla_catalog=ports.salla_catalog, salla_webhooks=ports.salla_catalog,
        competitors=ports.competitors, advisor=None,
    )
    broker = runtime.broker
    assert is_in_process(broker)
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
    worker.start()
    try:
        yield ports, runtime.services, broker
    finally:
        worker.stop()


def send(broker: dramatiq.Broker, command: Command) -> dramatiq.Message:  # type: ignore[type-arg]
    """Send ``command`` as the queue adapter would, and return the message (its id names default run keys)."""
    route = route_of(command)
    return broker.enqueue(dramatiq.Message(queue_name=route.queue_name, actor_name=route.actor_name, args=(),
                                           kwargs=command.as_message(), options={}))


def drain(broker: dramatiq.Broker) -> None:
    """Wait until every queue is empty (fan-outs enqueue into other queues, so go around twice)."""
    for _ in range(3):
        for queue in QUEUES:
            broker.join(queue, timeout=20_000)


CATALOG = [product("a", "100"), product("b", "100"), product("c", "100")]
OFFERS = {"a": [("x", "103"), ("y", "103")], "b": [("x", "97")], "c": [("x", "100")]}


def seed(ports: Ports, store_id: str = "1", **kw: object) -> None:
    add_store(ports, store_id, CATALOG, **kw)  # type: ignore[arg-type]
    ports.competitors.prices = OFFERS


def runs(ports: Ports, store_id: str) -> list:  # type: ignore[type-arg]
    with ports.uow_factory(store_id) as uow:
        return uow.store.runs.recent(50)


def test_optimize_store_actor_runs_a_sweep_and_redelivery_is_idempotent(env) -> None:  # type: ignore[no-untyped-def]
    ports, _, broker = env
    seed(ports)
    send(broker, SweepStore(store_id="1", run_type="scheduled", run_key="scheduled:k1"))
    # the same message delivered again
    send(broker, SweepStore(store_id="1", run_type="scheduled", run_key="scheduled:k1"))
    drain(broker)
    [run] = runs(ports, "1")
    assert run.id == run_id_for("1", "scheduled:k1") and run.status is RunStatus.COMPLETED
    assert run.run_type is RunType.SCHEDULED and run.products_analyzed == 3
    assert ports.salla_catalog.applies == {("1", "a"): 1}


def test_optimize_store_without_run_key_uses_the_message_id(env) -> None:  # type: ignore[no-untyped-def]
    ports, _, broker = env
    seed(ports)
    message = send(broker, SweepStore(store_id="1", run_type="manual"))
    drain(broker)
    [run] = runs(ports, "1")
    assert run.id == run_id_for("1", f"manual:{message.message_id}")


def test_transient_failure_is_retried_until_it_completes(env) -> None:  # type: ignore[no-untyped-def]
    ports, _, broker = env
    seed(ports)
    ports.salla_catalog.fail_next(SallaUnavailable("timeout"), SallaUnavailable("503", status=503))
    send(broker, SweepStore(store_id="1", run_type="scheduled", run_key="scheduled:k1"))
    drain(broker)
    [run] = runs(ports, "1")   # the same run, resumed by each retry
    assert run.status is RunStatus.COMPLETED and run.products_analyzed == 3
    with ports.uow_factory("1") as uow:
        failed = uow.store.activity.list(activity_type=ActivityType.OPTIMIZATION_FAILED)
    assert len(failed) == 2


def test_permanent_failure_is_recorded_not_retried(env) -> None:  # type: ignore[no-untyped-def]
    ports, _, broker = env
    seed(ports)
    ports.salla_catalog.fail_next(TokenRevoked("The access token is invalid", status=401))
    send(broker, SweepStore(store_id="1", run_type="scheduled", run_key="scheduled:k1"))
    drain(broker)
    [run] = runs(ports, "1")
    assert run.status is RunStatus.FAILED and "access token is invalid" in (run.error or "")
    assert not broker.dead_letters


def test_manual_optimize_sweeps_a_manual_store(env) -> None:  # type: ignore[no-untyped-def]
    ports, _, broker = env
    seed(ports, mode=AutomationMode.MANUAL)
    send(broker, SweepStoreNow(store_id="1"))
    drain(broker)
    [run] = runs(ports, "1")
    assert run.run_type is RunType.MANUAL and run.status is RunStatus.COMPLETED
    assert run.products_queued == 2 and not ports.salla_catalog.applies   # manual: everything waits


def test_optimize_all_stores_fans_out_to_non_manual_stores(env) -> None:  # type: ignore[no-untyped-def]
    ports, _, broker = env
    seed(ports, "1", mode=AutomationMode.FULL_AUTO)
    seed(ports, "2", mode=AutomationMode.SEMI_AUTO)
    seed(ports, "3", mode=AutomationMode.MANUAL)
    seed(ports, "4", active=False)
    send(broker, SweepAllStores(batch_key="20260101T1200"))
    send(broker, SweepAllStores(batch_key="20260101T1200"))     # redelivered fan-out
    drain(broker)
    assert [len(runs(ports, s)) for s in ("1", "2", "3", "4")] == [1, 1, 0, 0]
    assert runs(ports, "1")[0].run_type is RunType.SCHEDULED
    assert ports.salla_catalog.applies[("1", "a")] == 1


def test_check_and_optimize_stores_only_sweeps_due_stores(env) -> None:  # type: ignore[no-untyped-def]
    ports, _, broker = env
    seed(ports, "1")
    seed(ports, "2")
    send(broker, SweepStore(store_id="1", run_type="manual", run_key="manual:earlier"))
    drain(broker)
    ports.clock.advance(hours=1)
    send(broker, SweepDueStores(batch_key="b1"))
    drain(broker)
    assert len(runs(ports, "1")) == 1          # ran an hour ago, every 6 h
    assert [r.run_type for r in runs(ports, "2")] == [RunType.SMART]


def test_refresh_expiring_tokens_actor_covers_each_outcome(env) -> None:  # type: ignore[no-untyped-def]
    ports, _, broker = env
    seed(ports, "1", expires_in=timedelta(hours=2))
    seed(ports, "2", expires_in=timedelta(hours=2))
    seed(ports, "3", expires_in=timedelta(hours=2))
    seed(ports, "4")
    ports.salla_auth.uninstall("2")
    original = ports.salla_auth.refresh

    def refresh(token: str):  # type: ignore[no-untyped-def]
        if token.startswith("rt-3-"):
            raise SallaUnavailable("timed out")
        return original(token)

    ports.salla_auth.refresh = refresh  # type: ignore[method-assign]
    send(broker, RefreshExpiringTokens())
    drain(broker)
    with ports.uow_factory() as uow:
        active = {s.store_id: s.is_active for s in uow.stores.list_all()}
        [batch] = uow.system_activity.list(activity_type=ActivityType.SYSTEM_TOKEN_REFRESH_BATCH)
    assert active == {"1": True, "2": False, "3": True, "4": True}
    assert {k: batch.metadata[k] for k in ("checked", "refreshed", "revoked", "transient")} == {
        "checked": 3, "refreshed": 1, "revoked": 1, "transient": 1}


def test_reprice_products_actor(env) -> None:  # type: ignore[no-untyped-def]
    ports, _, broker = env
    seed(ports)
    send(broker, RepriceProducts(store_id="1", product_ids=("a",)))
    drain(broker)
    [run] = runs(ports, "1")
    assert run.run_type is RunType.EVENT and run.products_analyzed == 1
    assert ports.salla_catalog.price("1", "a") == Decimal("103.00")


def test_apply_decisions_actor_applies_approved(env) -> None:  # type: ignore[no-untyped-def]
    ports, _, broker = env
    seed(ports, mode=AutomationMode.MANUAL)
    send(broker, SweepStoreNow(store_id="1"))
    drain(broker)
    with ports.uow_factory("1") as uow:
        [pending] = uow.store.decisions.list(status=DecisionStatus.PENDING, product_id="a")
        uow.store.decisions.set_status([pending.id], DecisionStatus.APPROVED, at=ports.clock.now(), by="merchant")
        uow.commit()
    send(broker, ApplyDecisions(store_id="1", decision_ids=(pending.id,)))
    send(broker, ApplyDecisions(store_id="1", decision_ids=(pending.id,)))
    drain(broker)
    with ports.uow_factory("1") as uow:
        assert uow.store.decisions.get(pending.id).status is DecisionStatus.APPLIED
    assert ports.salla_catalog.applies == {("1", "a"): 1}


def test_cleanup_old_data_actor(env) -> None:  # type: ignore[no-untyped-def]
    ports, _, broker = env
    seed(ports)
    send(broker, SweepStore(store_id="1", run_type="manual", run_key="manual:old"))
    drain(broker)
    ports.clock.advance(days=100)
    send(broker, CleanupOldData())
    drain(broker)
    assert runs(ports, "1") == []
    with ports.uow_factory() as uow:
        [entry] = uow.system_activity.list(activity_type=ActivityType.SYSTEM_CLEANUP)
    assert entry.metadata["runs"] == 1 and entry.metadata["runs_days"] == 30


def test_unknown_store_is_dropped(env) -> None:  # type: ignore[no-untyped-def]
    _, _, broker = env
    send(broker, SweepStore(store_id="nope", run_type="scheduled", run_key="k"))
    drain(broker)
    assert not broker.dead_letters


def test_process_webhook_actor_handles_price_updates_once_and_reprices(env) -> None:  # type: ignore[no-untyped-def]
    ports, _, broker = env
    seed(ports)
    ports.salla_catalog.set_price("1", "a", Decimal("110"))   # the merchant changed it in Salla
    for _ in range(2):  # Salla delivers at least once
        send(broker, ProcessWebhook(event="product.price.updated", merchant_id="1",
                                        data={"id": "a", "price": 110}, delivery_id="delivery-1"))
    drain(broker)
    [run] = runs(ports, "1")
    assert run.run_type is RunType.EVENT and run.products_analyzed == 1
    with ports.uow_factory("1") as uow:
        [decision] = uow.store.decisions.list(run_id=run.id)
    assert decision.decision.old_price == Decimal("110")
    assert ports.salla_catalog.price("1", "a") == decision.decision.suggested_price == Decimal("103.00")


def test_process_webhook_actor_knows_its_own_price_by_the_regular_price(env) -> None:  # type: ignore[no-untyped-def]
    """The worker reads ``regular_price`` (Salla's adapter): during a sale ``price`` is the sale price."""
    ports, _, broker = env
    seed(ports)
    ports.salla_catalog.set_price("1", "a", Decimal("110"))
    send(broker, ProcessWebhook(event="product.price.updated", merchant_id="1",
                                data={"id": "a", "price": 110}, delivery_id="delivery-1"))
    drain(broker)
    assert len(runs(ports, "1")) == 1 and ports.salla_catalog.price("1", "a") == Decimal("103.00")
    # Salla announces our 103 while a sale of 95 runs: our own price, no second repricing.
    echo = {"id": "a", "price": 95, "regular_price": 103, "sale_price": {"amount": 95, "expired_at": None}}
    send(broker, ProcessWebhook(event="product.price.updated", merchant_id="1", data=echo,
                                delivery_id="delivery-2"))
    drain(broker)
    assert len(runs(ports, "1")) == 1


def test_ensure_store_events_actor_subscribes_once_and_retries_a_transient_failure(env) -> None:  # type: ignore[no-untyped-def]
    ports, services, broker = env
    seed(ports)
    ports.salla_catalog.fail_next(SallaUnavailable("HTTP 503", status=503))  # first try: Salla down
    send(broker, EnsureStoreEvents(store_id="1"))
    drain(broker)
    send(broker, EnsureStoreEvents(store_id="1"))  # a reinstall's check
    drain(broker)
    hooks = ports.salla_catalog.webhooks["1"]
    callback = services.config.public_url.rstrip("/") + "/webhooks/salla"
    assert [(h.event, h.url) for h in hooks] == [(event, callback) for event in STORE_EVENTS]
    assert ports.salla_catalog.subscribe_calls["1"] == len(STORE_EVENTS) and not broker.dead_letters
    with ports.uow_factory() as uow:
        state = uow.subscriptions.get("1")
    assert state is not None and state.complete


def test_an_authorization_whose_owner_salla_cannot_confirm_is_retried_by_the_worker(env) -> None:  # type: ignore[no-untyped-def]
    ports, _, broker = env
    tokens = ports.salla_auth.issue("7")
    ports.salla_catalog.add_store("7", [])  # for the first sweep the install enqueues
    calls: list[str] = []
    real = ports.salla_auth.user_info

    def flaky(access_token: str):  # type: ignore[no-untyped-def]
        calls.append(access_token)
        if len(calls) == 1:
            raise SallaUnavailable("user info timed out")
        return real(access_token)

    ports.salla_auth.user_info = flaky  # type: ignore[method-assign]
    send(broker, ProcessWebhook(event="app.store.authorize", merchant_id="7", delivery_id="auth-7",
                                data={"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
                                      "expires": int(tokens.expires_at.timestamp())}))
    drain(broker)
    assert len(calls) == 2 and not broker.dead_letters
    with ports.uow_factory("7") as uow:
        assert uow.stores.get("7") is not None and uow.store.tokens.get() is not None


def test_the_batch_and_the_hourly_check_firing_at_six_sweep_a_due_store_once() -> None:
    from adapters.memory import FakeClock, InMemoryUnitOfWorkFactory
    from runners.scheduler import DatabaseFireClaims, PeriodicScheduler

    ports = make_ports()
    runtime = bootstrap(Config(), ProcessKind.TEST, uow_factory=ports.uow_factory, locks=ports.locks,
                        clock=ports.clock, salla_auth=ports.salla_auth, salla_catalog=ports.salla_catalog,
                        competitors=ports.competitors, advisor=None)
    broker = runtime.broker  # the actors, declared; the test starts the workers it wants
    seed(ports, "1")
    seed(ports, "2", mode=AutomationMode.SEMI_AUTO)
    six = ports.clock.now().replace(hour=6, minute=0, second=2, microsecond=0)
    ports.clock.set(six)
    scheduler = PeriodicScheduler(runtime.services.queue, DatabaseFireClaims(InMemoryUnitOfWorkFactory(), FakeClock()),
                                  Config().schedules, now=lambda: six)
    assert scheduler.fire("optimize_all_stores") and scheduler.fire("check_and_optimize_stores")

    # Fan-outs take milliseconds, sweeps take minutes: both fan-outs are done before a sweep starts.
    for queues in (["default"], ["sweeps", "events"]):
        worker = dramatiq.Worker(broker, queues=set(queues), worker_threads=1, worker_timeout=50)
        worker.start()
        try:
            for queue in queues:
                broker.join(queue, timeout=20_000)
        finally:
            worker.stop()
    for store_id in ("1", "2"):
        [run] = runs(ports, store_id)
        assert run.status is RunStatus.COMPLETED and run.started_at == six
    applies = ports.salla_catalog.applies
    assert applies and set(applies.values()) == {1}          # and no price written twice


def test_recover_stuck_work_actor_resumes_a_dead_sweep_through_the_queue(env) -> None:  # type: ignore[no-untyped-def]
    from pricing_core.usecases.optimize_store import optimize_store

    ports, services, broker = env
    seed(ports)
    original = ports.salla_catalog.iter_product_pages

    def dies_on_page_2(token: str):  # type: ignore[no-untyped-def]
        for number, page in enumerate(original(token), start=1):
            if number == 2:
                raise KeyboardInterrupt("kill -9")
            yield page

    ports.salla_catalog.page_size = 2
    ports.salla_catalog.iter_product_pages = dies_on_page_2  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        optimize_store(services, "1", run_type=RunType.SMART, run_key="smart:k1")
    ports.salla_catalog.iter_product_pages = original  # type: ignore[method-assign]
    ports.clock.advance(minutes=16)   # past RECOVERY_RUNNING_AFTER_SECONDS (900 by default)
    send(broker, RecoverStuckWork())
    drain(broker)
    [run] = runs(ports, "1")
    assert run.id == run_id_for("1", "smart:k1") and run.status is RunStatus.COMPLETED
    assert run.products_analyzed == 3 and run.recoveries == 1
    with ports.uow_factory() as uow:
        entries = uow.system_activity.list(activity_type=ActivityType.SYSTEM_RECOVERY)
    [summary] = [e for e in entries if e.store_id is None]
    [store_entry] = [e for e in entries if e.store_id == "1"]
    assert summary.metadata["runs_resumed"] == 1 and store_entry.metadata["runs_resumed"] == [run.id]


def test_a_write_salla_did_not_take_is_sent_again_by_the_worker_until_it_lands(env) -> None:  # type: ignore[no-untyped-def]
    ports, _, broker = env
    seed(ports)
    ports.salla_catalog.unavailable["a"] = "not sent: HTTP 503"
    attempts: list[str] = []

    def salla_recovers(merchant: str, updates: object) -> None:
        attempts.append(merchant)
        if len(attempts) == 3:   # the sweep's write and one retry meet the 503; the next one lands
            ports.salla_catalog.unavailable.clear()

    ports.salla_catalog.on_apply = salla_recovers
    send(broker, SweepStore(store_id="1", run_type="scheduled", run_key="scheduled:k1"))
    drain(broker)
    [run] = runs(ports, "1")
    assert len(attempts) == 3
    assert run.status is RunStatus.COMPLETED and run.writes_pending == 0 and run.products_updated == 1
    assert ports.salla_catalog.applies == {("1", "a"): 1}
    assert not broker.dead_letters


def test_settings_that_arrive_before_the_install_are_applied_once_it_is_in(env) -> None:  # type: ignore[no-untyped-def]
    """Deliveries are unordered: the merchant's settings form may come before the install that creates the
    store. It is retried (nothing recorded in the inbox), not ignored for good."""
    from prometheus_client import REGISTRY

    ports, _, broker = env
    labels = {"queue_name": route_of(ProcessWebhook).queue_name, "actor_name": "process_webhook"}
    retried_before = REGISTRY.get_sample_value("salla_optimizer_message_retries_total", labels) or 0.0
    send(broker, ProcessWebhook(event="app.settings.updated", merchant_id="9", delivery_id="settings-9",
                                data={"id": 1, "settings": {"min_profit_margin": "23"}}))
    for _ in range(500):  # the first attempt finds no store 9 and is retried
        if (REGISTRY.get_sample_value("salla_optimizer_message_retries_total", labels) or 0.0) > retried_before:
            break
        time.sleep(0.01)
    else:
        pytest.fail("the settings delivery for an unknown store was not retried")
    seed(ports, "9")  # the install is processed meanwhile
    drain(broker)
    assert not broker.dead_letters
    with ports.uow_factory("9") as uow:
        assert uow.store.settings.get().min_profit_margin == Decimal("23")
        [entry] = uow.store.activity.list(activity_type=ActivityType.SETTINGS_UPDATED)
    assert entry.metadata["applied"] is True
