"""cleanup_old_data: retention by age, configurable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.support.usecase_support import add_store, make_ports, product

from pricing_core.activity import ActivityType
from pricing_core.commands import CleanupOldData, SweepAllStores
from pricing_core.intents import intent_for
from pricing_core.usecases.cleanup import RetentionPolicy, cleanup_old_data
from pricing_core.usecases.optimize_store import optimize_store


def test_deletes_only_rows_older_than_the_policy() -> None:
    ports = make_ports()
    add_store(ports, "1", [product("a", "100")])
    ports.competitors.prices = {"a": [("x", "103")]}
    optimize_store(ports, "1", run_key="old")
    ports.clock.advance(days=40)
    optimize_store(ports, "1", run_key="new")

    counts = cleanup_old_data(ports.uow_factory, ports.clock, RetentionPolicy(runs_days=30, activity_days=30,
                                                                              offers_days=30))
    assert counts["runs"] == 1 and counts["offers"] == 1 and counts["activity"] >= 1
    with ports.uow_factory("1") as uow:
        runs = uow.store.runs.recent()
        decisions = uow.store.decisions.count()
    assert [r.started_at for r in runs] == [ports.clock.now()]
    assert decisions == 2   # decisions are the audit trail: kept
    with ports.uow_factory() as uow:
        log = uow.system_activity.list(activity_type=ActivityType.SYSTEM_CLEANUP)
    assert log[0].metadata["runs"] == 1 and log[0].metadata["runs_days"] == 30

    again = cleanup_old_data(ports.uow_factory, ports.clock, RetentionPolicy(runs_days=30))
    assert again["runs"] == 0 and again["offers"] == 0


def test_given_up_queued_work_is_kept_as_long_as_runs() -> None:
    ports = make_ports()
    old = intent_for(CleanupOldData(), ports.clock.now())
    fresh = intent_for(SweepAllStores(batch_key="b"), ports.clock.now() + timedelta(days=40))
    queued = intent_for(SweepAllStores(batch_key="c"), ports.clock.now())
    assert old is not None and fresh is not None and queued is not None
    with ports.uow_factory() as uow:
        for intent in (old, fresh, queued):
            uow.intents.record(intent)
        uow.intents.give_up(old.key, "gone")
        uow.intents.give_up(fresh.key, "gone")
        uow.commit()
    ports.clock.advance(days=40)
    counts = cleanup_old_data(ports.uow_factory, ports.clock, RetentionPolicy(runs_days=30))
    assert counts["dead_intents"] == 1
    with ports.uow_factory() as uow:
        assert {i.key for i in uow.intents.list()} == {fresh.key, queued.key}


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetentionPolicy(runs_days=0)
    with pytest.raises(ValueError):
        RetentionPolicy(batch_size=0)


def test_the_webhook_inbox_is_pruned_after_its_window_and_a_recent_retry_is_still_a_duplicate() -> None:
    from datetime import timedelta

    from adapters.memory.queue import RecordingQueue
    from pricing_core.events import AppInstalled
    from pricing_core.usecases.webhooks import handle_webhook_event

    ports = make_ports()
    queue = RecordingQueue()
    add_store(ports, "1")
    old = AppInstalled(store_id="1", delivery_id="old")
    assert handle_webhook_event(ports.uow_factory, queue, ports.clock, old,
                                user_info=ports.salla_auth.user_info).value == "processed"
    ports.clock.advance(days=8)
    recent = AppInstalled(store_id="1", delivery_id="recent")
    handle_webhook_event(ports.uow_factory, queue, ports.clock, recent, user_info=ports.salla_auth.user_info)
    ports.clock.advance(minutes=15)     # Salla's last retry of "recent" is still to come

    counts = cleanup_old_data(ports.uow_factory, ports.clock)
    assert counts["webhooks"] == 1 and RetentionPolicy().webhooks_days == 7
    assert handle_webhook_event(ports.uow_factory, queue, ports.clock, recent,
                                user_info=ports.salla_auth.user_info).value == "duplicate"
    with ports.uow_factory() as uow:   # "old" is forgotten: its id can be recorded again
        assert uow.webhooks.record("old", event="app.installed", store_id="1", at=ports.clock.now())
        log = uow.system_activity.list(activity_type=ActivityType.SYSTEM_CLEANUP)
    assert log[0].metadata["webhooks"] == 1 and log[0].metadata["webhooks_days"] == 7
    assert timedelta(days=RetentionPolicy().webhooks_days) > timedelta(minutes=15)


def test_the_webhook_window_is_configurable_but_not_below_two_days() -> None:
    from types import SimpleNamespace

    from adapters.config import Config, ConfigError
    from runners.handlers import retention_policy

    config = Config.from_env({"RETENTION_WEBHOOKS_DAYS": "3"})
    assert retention_policy(SimpleNamespace(config=config)).webhooks_days == 3  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="RETENTION_WEBHOOKS_DAYS"):
        Config.from_env({"RETENTION_WEBHOOKS_DAYS": "1"})
    with pytest.raises(ValueError):
        RetentionPolicy(webhooks_days=1)
