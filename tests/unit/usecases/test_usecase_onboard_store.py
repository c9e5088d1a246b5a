"""Onboarding a store from a token set and merchant info (in-memory ports)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.memory import FakeClock, InMemoryUnitOfWorkFactory, RecordingQueue
from pricing_core.activity import ActivityType
from pricing_core.commands import SweepStoreNow
from pricing_core.ports import MerchantInfo
from pricing_core.settings import AutomationMode, TenantSettings
from pricing_core.tokens import TokenSet
from pricing_core.usecases.onboard import onboard_store


@pytest.fixture
def ports() -> tuple[InMemoryUnitOfWorkFactory, RecordingQueue, FakeClock]:
    return InMemoryUnitOfWorkFactory(), RecordingQueue(), FakeClock()


def tokens_at(clock: FakeClock, suffix: str = "1") -> TokenSet:
    return TokenSet(
        access_token=f"ory_at_{suffix}",
        refresh_token=f"ory_rt_{suffix}",
        expires_at=clock.now() + timedelta(days=14),
        scope="offline_access products.read_write",
    )


MERCHANT = MerchantInfo(merchant_id="847769313", store_name="Demo Store", plan="pro", email="m@example.com")


def test_new_store_gets_row_tokens_default_settings_logs_and_first_sweep(ports) -> None:
    uow_factory, queue, clock = ports
    result = onboard_store(uow_factory, queue, clock, tokens=tokens_at(clock), merchant=MERCHANT)

    assert result.created and not result.reactivated
    with uow_factory("847769313") as uow:
        store = uow.stores.get("847769313")
        assert store is not None
        assert (store.store_name, store.plan, store.is_active, store.installed_at) == (
            "Demo Store", "pro", True, clock.now(),
        )
        assert uow.store is not None
        assert uow.store.tokens.get() == tokens_at(clock)
        assert uow.store.settings.get() == TenantSettings()
        types = [e.activity_type for e in uow.store.activity.list()]
    assert sorted(types) == sorted([ActivityType.STORE_ONBOARDED, ActivityType.TOKENS_AUTHORIZED])
    assert queue.of(SweepStoreNow) == [SweepStoreNow(store_id="847769313")]


def test_existing_active_store_rotates_tokens_keeps_settings_and_does_not_resweep(ports) -> None:
    uow_factory, queue, clock = ports
    onboard_store(uow_factory, queue, clock, tokens=tokens_at(clock), merchant=MERCHANT)
    with uow_factory("847769313") as uow:
        assert uow.store is not None
        uow.store.settings.save(TenantSettings(automation_mode=AutomationMode.MANUAL))
        uow.commit()
    clock.advance(hours=1)

    result = onboard_store(
        uow_factory, queue, clock, tokens=tokens_at(clock, "2"),
        merchant=MerchantInfo(merchant_id="847769313", store_name="", plan="pro"),
    )

    assert not result.created and not result.needs_first_sweep
    with uow_factory("847769313") as uow:
        assert uow.store is not None
        tokens = uow.store.tokens.get()
        assert tokens is not None and tokens.access_token == "ory_at_2"
        assert uow.store.settings.get().automation_mode is AutomationMode.MANUAL
        store = uow.stores.get("847769313")
        assert store is not None and store.store_name == "Demo Store"  # a blank name keeps the known one
        authorized = uow.store.activity.list(activity_type=ActivityType.TOKENS_AUTHORIZED)
        onboarded = uow.store.activity.list(activity_type=ActivityType.STORE_ONBOARDED)
    assert len(authorized) == 2 and len(onboarded) == 1
    assert len(queue.of(SweepStoreNow)) == 1


def test_reinstall_reactivates_a_deactivated_store(ports) -> None:
    uow_factory, queue, clock = ports
    onboard_store(uow_factory, queue, clock, tokens=tokens_at(clock), merchant=MERCHANT)
    with uow_factory("847769313") as uow:
        uow.stores.set_active("847769313", False, reason="Invalid refresh token", at=clock.now())
        uow.commit()
    clock.advance(days=2)

    result = onboard_store(uow_factory, queue, clock, tokens=tokens_at(clock, "3"), merchant=MERCHANT)

    assert result.reactivated
    with uow_factory("847769313") as uow:
        store = uow.stores.get("847769313")
        assert store is not None
        assert store.is_active and store.deactivation_reason is None and store.deactivated_at is None
        assert store.installed_at == clock.now()
    assert len(queue.of(SweepStoreNow)) == 2


def test_onboarding_is_scoped_to_the_merchant_store(ports) -> None:
    uow_factory, queue, clock = ports
    onboard_store(uow_factory, queue, clock, tokens=tokens_at(clock), merchant=MERCHANT)
    onboard_store(
        uow_factory, queue, clock, tokens=tokens_at(clock, "other"),
        merchant=MerchantInfo(merchant_id="111", store_name="Other"),
    )
    with uow_factory("847769313") as uow:
        assert uow.store is not None
        tokens = uow.store.tokens.get()
        assert tokens is not None and tokens.access_token == "ory_at_1"
        assert all(e.store_id == "847769313" for e in uow.store.activity.list())
    with uow_factory() as uow:
        assert [s.store_id for s in uow.stores.list_all()] == ["111", "847769313"]
