"""The queue records a command's intent before sending it; the worker forgets it once handled."""

from __future__ import annotations

from typing import Any

import dramatiq
import pytest
from prometheus_client import REGISTRY
from tests.support.usecase_support import Ports
from tests.unit.runners.test_runners_actors import drain, env, runs, seed

from pricing_core.commands import Command, RepriceProducts, SweepAllStores, SweepStore, SweepStoreNow
from pricing_core.errors import SallaUnavailable
from pricing_core.intents import Intent, IntentStatus, intent_key
from pricing_core.runs import RunStatus, RunType
from pricing_core.usecases.intent_ledger import IntentLedger
from runners.broker import DramatiqQueue
from runners.recovery import recover_now

__all__ = ["env"]  # the shared fixture, re-exported for pytest


def intents(ports: Ports) -> list[Intent]:
    with ports.uow_factory() as uow:
        return uow.intents.list(limit=100)


def test_a_repricing_is_recorded_before_it_is_sent_and_forgotten_once_done(env: Any) -> None:
    ports, services, broker = env
    seed(ports)
    seen: list[list[Intent]] = []
    original = broker.enqueue

    def enqueue(message: dramatiq.Message, **kw: Any) -> Any:  # type: ignore[type-arg]
        seen.append(intents(ports))   # what the database held when the message left
        return original(message, **kw)

    broker.enqueue = enqueue
    services.queue.dispatch(RepriceProducts(store_id="1", product_ids=("a",)))
    drain(broker)

    [[recorded]] = seen
    assert isinstance(recorded.command, RepriceProducts) and recorded.status is IntentStatus.QUEUED
    run_key = recorded.command.run_key
    assert run_key is not None and run_key.startswith("event:")
    [run] = runs(ports, "1")
    assert run.run_type is RunType.EVENT and run.run_key == run_key and run.status is RunStatus.COMPLETED
    assert intents(ports) == []


def test_a_failure_worth_retrying_keeps_the_intent_until_the_retry_succeeds(env: Any) -> None:
    ports, services, broker = env
    seed(ports)
    ports.salla_catalog.fail_next(SallaUnavailable("timeout"), SallaUnavailable("503", status=503))
    services.queue.dispatch(SweepStoreNow(store_id="1"))
    drain(broker)
    [run] = runs(ports, "1")
    assert run.run_type is RunType.MANUAL and run.status is RunStatus.COMPLETED
    assert intents(ports) == []


def test_commands_that_are_not_recorded_leave_no_intent(env: Any) -> None:
    ports, services, broker = env
    seed(ports)
    services.queue.dispatch(SweepStore(store_id="1", run_type="scheduled", run_key="scheduled:k"))
    drain(broker)
    assert [r.status for r in runs(ports, "1")] == [RunStatus.COMPLETED]
    assert intents(ports) == []


def test_a_tick_is_recorded_and_done(env: Any) -> None:
    ports, services, broker = env
    seed(ports)
    services.queue.dispatch(SweepAllStores(batch_key="20260301T0600"))
    drain(broker)
    assert [r.run_type for r in runs(ports, "1")] == [RunType.SCHEDULED]
    assert intents(ports) == []


def test_the_message_is_sent_even_when_its_intent_cannot_be_recorded(env: Any) -> None:
    ports, _, broker = env
    seed(ports)

    class Broken(IntentLedger):
        def record(self, command: Command) -> Intent | None:
            raise ConnectionError("the database is down")

    queue = DramatiqQueue(broker, Broken(ports.uow_factory, ports.clock))
    queue.dispatch(SweepStoreNow(store_id="1"))
    drain(broker)
    [run] = runs(ports, "1")
    assert run.status is RunStatus.COMPLETED and (run.run_key or "").startswith("manual:")


def test_the_work_is_done_even_when_its_intent_cannot_be_forgotten(env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ports, services, broker = env
    seed(ports)

    def broken(self: IntentLedger, command: Command, taken_at: Any) -> bool:
        raise ConnectionError("the database blinked")

    monkeypatch.setattr(IntentLedger, "done", broken)
    services.queue.dispatch(SweepStoreNow(store_id="1"))
    drain(broker)
    [run] = runs(ports, "1")
    assert run.status is RunStatus.COMPLETED
    [left] = intents(ports)   # left for the recovery, which will find its run finished
    assert left.taken_at is not None


def test_recovery_sends_lost_work_again_and_counts_it_in_the_metrics(env: Any) -> None:
    ports, services, broker = env
    seed(ports)
    ledger = IntentLedger(ports.uow_factory, ports.clock)
    lost = ledger.prepare(SweepAllStores(batch_key="lost"))
    ledger.record(lost)            # recorded, and its message never reached the broker
    before = REGISTRY.get_sample_value("salla_optimizer_recovery_actions_total", {"action": "work_resent"}) or 0
    ports.clock.advance(minutes=16)
    report = recover_now(services)
    drain(broker)
    assert report.work.resent == (intent_key(lost),)
    assert REGISTRY.get_sample_value("salla_optimizer_recovery_actions_total", {"action": "work_resent"}) == before + 1
    assert [r.run_type for r in runs(ports, "1")] == [RunType.SCHEDULED]     # the fan-out ran
    assert intents(ports) == []
