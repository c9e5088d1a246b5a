"""Updating a store's settings through the use case (in-memory ports)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from adapters.memory import FakeClock, InMemoryUnitOfWorkFactory, RecordingQueue
from pricing_core.activity import ActivityType
from pricing_core.commands import RepriceProducts
from pricing_core.decision import Action, DecisionRecord, DecisionStatus, PricingDecision, RiskLevel
from pricing_core.errors import StoreNotFound
from pricing_core.settings import (
    AutomationMode,
    Strategy,
    TenantSettings,
    describe_errors,
    load_stored_settings,
)
from pricing_core.stores import Store
from pricing_core.usecases.store_settings import update_settings


@pytest.fixture
def uow_factory() -> InMemoryUnitOfWorkFactory:
    factory = InMemoryUnitOfWorkFactory()
    with factory("1") as uow:
        uow.stores.upsert(Store(store_id="1"))
        uow.commit()
    return factory


def test_valid_changes_are_saved_and_logged(uow_factory) -> None:
    clock = FakeClock()
    saved = update_settings(uow_factory, RecordingQueue(), clock, store_id="1",
                            changes={"automation_mode": "full-auto", "max_change_pct": "5"}).settings
    assert saved.automation_mode is AutomationMode.FULL_AUTO and saved.max_change_pct == Decimal("5")
    with uow_factory("1") as uow:
        assert uow.store is not None
        assert uow.store.settings.get() == saved
        (entry,) = uow.store.activity.list(activity_type=ActivityType.SETTINGS_UPDATED)
    assert set(entry.metadata["changes"]) == {"automation_mode", "max_change_pct"}


def test_invalid_changes_name_the_field_and_save_nothing(uow_factory) -> None:
    with pytest.raises(ValidationError) as info:
        update_settings(uow_factory, RecordingQueue(), FakeClock(), store_id="1", changes={"update_frequency_hours": 0})
    assert info.value.errors()[0]["loc"] == ("update_frequency_hours",)
    with uow_factory("1") as uow:
        assert uow.store is not None
        assert uow.store.settings.get() == TenantSettings()
        assert uow.store.activity.list() == []


def test_unknown_keys_are_rejected(uow_factory) -> None:
    with pytest.raises(ValidationError):
        update_settings(uow_factory, RecordingQueue(), FakeClock(), store_id="1", changes={"min_profit_marign": 20})


def test_saving_the_same_settings_logs_nothing(uow_factory) -> None:
    update_settings(uow_factory, RecordingQueue(), FakeClock(), store_id="1", changes={"min_profit_margin": "15"})
    with uow_factory("1") as uow:
        assert uow.store is not None
        assert uow.store.activity.list() == []


def test_unknown_store(uow_factory) -> None:
    with pytest.raises(StoreNotFound):
        update_settings(uow_factory, RecordingQueue(), FakeClock(), store_id="2", changes={})


def _pending(uow_factory, *ids: str, status: DecisionStatus = DecisionStatus.PENDING) -> None:  # type: ignore[no-untyped-def]
    now = FakeClock().now()
    records = [DecisionRecord(
        id=i, store_id="1", run_id="r", idempotency_key=f"k-{i}", status=status, created_at=now, updated_at=now,
        decision=PricingDecision(
            product_id=f"p-{i}", sku=None, name=i, old_price=Decimal("100.00"), suggested_price=Decimal("95.00"),
            cost_price=Decimal("50"), currency="SAR", strategy="match:lowest", reference_price=Decimal("95"),
            floor_price=None, risk=RiskLevel.MEDIUM, action=Action.NEEDS_APPROVAL, change_pct=Decimal("-5"),
            margin_pct_after=None, offers_considered=1, offers_used=1, explanation=("x",), decided_at=now,
            fingerprint=i)) for i in ids]
    with uow_factory("1") as uow:
        uow.store.decisions.add_many(records)
        uow.commit()


def _statuses(uow_factory) -> dict[str, tuple[DecisionStatus, str | None]]:  # type: ignore[no-untyped-def]
    with uow_factory("1") as uow:
        return {r.id: (r.status, r.error) for r in uow.store.decisions.list(limit=100)}


def test_a_pricing_change_supersedes_pending_decisions_and_queues_their_repricing(uow_factory) -> None:
    _pending(uow_factory, "a", "b")
    _pending(uow_factory, "c", status=DecisionStatus.APPROVED)
    queue = RecordingQueue()
    update_settings(uow_factory, queue, FakeClock(), store_id="1", changes={"max_change_pct": "5"})
    assert _statuses(uow_factory) == {"a": (DecisionStatus.SUPERSEDED, "settings changed"),
                                      "b": (DecisionStatus.SUPERSEDED, "settings changed"),
                                      "c": (DecisionStatus.APPROVED, None)}  # left to the re-check at writing
    (message,) = queue.of(RepriceProducts)
    assert message.store_id == "1" and sorted(message.product_ids) == ["p-a", "p-b"]
    with uow_factory("1") as uow:
        (entry,) = uow.store.activity.list(activity_type=ActivityType.SETTINGS_UPDATED)
    assert entry.metadata["superseded"] == 2 and "2 pending decision(s) superseded" in entry.description


@pytest.mark.parametrize("changes", [{"update_frequency_hours": 12}, {"automation_mode": "manual"},
                                     {"risk_tolerance": "high"}])
def test_scheduling_and_approval_settings_leave_pending_decisions_alone(uow_factory, changes) -> None:
    _pending(uow_factory, "a")
    queue = RecordingQueue()
    update_settings(uow_factory, queue, FakeClock(), store_id="1", changes=changes)
    assert _statuses(uow_factory)["a"][0] is DecisionStatus.PENDING and queue.commands == []


def test_an_inactive_store_supersedes_but_queues_no_repricing(uow_factory) -> None:
    with uow_factory("1") as uow:
        uow.stores.set_active("1", False, reason="app uninstalled", at=FakeClock().now())
        uow.commit()
    _pending(uow_factory, "a")
    queue = RecordingQueue()
    update_settings(uow_factory, queue, FakeClock(), store_id="1", changes={"min_profit_margin": "30"})
    assert _statuses(uow_factory)["a"][0] is DecisionStatus.SUPERSEDED and queue.commands == []


@pytest.mark.parametrize(("strategy", "value", "ok"), [
    ("beat_percent", "200", False), ("beat_percent", "0", False), ("beat_percent", "50", True),
    ("beat_percent", "0.5", True), ("above_percent", "100", True), ("above_percent", "100.01", False),
    ("above_percent", "0", True), ("beat_amount", "0", True), ("beat_amount", "1000", True),
    ("beat_amount", "1000.01", False), ("beat_amount", "-1", False), ("match", "0", True),
])
def test_strategy_value_is_validated_per_strategy(strategy: str, value: str, ok: bool) -> None:
    if ok:
        assert TenantSettings(strategy=strategy, strategy_value=value).strategy_value == Decimal(value)  # type: ignore[arg-type]
        return
    with pytest.raises(ValidationError) as info:
        TenantSettings(strategy=strategy, strategy_value=value)  # type: ignore[arg-type]
    assert list(describe_errors(info.value)) == ["strategy_value"]


def test_match_ignores_the_strategy_value() -> None:
    assert TenantSettings(strategy=Strategy.MATCH, strategy_value=Decimal("7")).strategy_value == 0


def test_settings_saved_before_the_stricter_rules_are_read_leniently() -> None:
    saved = TenantSettings(min_profit_margin=Decimal("40")).model_dump(mode="json")
    saved.update(strategy="beat_percent", strategy_value="200", retired_setting=True)
    settings, repairs = load_stored_settings(saved)
    assert settings.strategy is Strategy.MATCH and settings.strategy_value == 0
    assert settings.min_profit_margin == Decimal("40")  # the rest is kept as saved
    assert any("strategy_value for beat_percent" in r and "reverts to match" in r for r in repairs)
    assert "retired_setting: no longer a setting; dropped" in repairs
    with pytest.raises(ValidationError):  # a margin is never guessed
        load_stored_settings({**saved, "min_profit_margin": "150"})
