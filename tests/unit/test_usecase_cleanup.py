"""cleanup_old_data: retention by age, configurable."""

from __future__ import annotations

import pytest
from usecase_support import add_store, make_ports, product

from pricing_core.activity import ActivityType
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


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetentionPolicy(runs_days=0)
    with pytest.raises(ValueError):
        RetentionPolicy(batch_size=0)
