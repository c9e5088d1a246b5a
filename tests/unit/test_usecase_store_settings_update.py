"""Updating a store's settings through the use case (in-memory ports)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from adapters.memory import FakeClock, InMemoryUnitOfWorkFactory, RecordingQueue
from pricing_core.activity import ActivityType
from pricing_core.errors import StoreNotFound
from pricing_core.settings import AutomationMode, TenantSettings
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
                            changes={"automation_mode": "full-auto", "max_change_pct": "5"})
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
