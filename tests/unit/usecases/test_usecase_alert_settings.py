"""Saving a store's own alert settings: new targets checked (nothing saved while any is refused),
stored ones removed by id, at most MAX_TARGETS, the change logged."""

from __future__ import annotations

import pytest

from adapters.alerts import MemoryNotifier
from adapters.memory import FakeClock, InMemoryUnitOfWorkFactory
from pricing_core.activity import ActivityType
from pricing_core.alert_settings import MAX_TARGETS, AlertLanguage, StoreAlertSettings, target_id
from pricing_core.alerts import AlertKind
from pricing_core.errors import StoreNotFound
from pricing_core.stores import Store
from pricing_core.usecases.alert_settings import TargetsRefused, save_alert_settings

STORE = "42"


@pytest.fixture
def uow_factory() -> InMemoryUnitOfWorkFactory:
    factory = InMemoryUnitOfWorkFactory()
    with factory() as uow:
        uow.stores.upsert(Store(store_id=STORE))
        uow.commit()
    return factory


def stored(factory: InMemoryUnitOfWorkFactory) -> StoreAlertSettings:
    with factory(STORE) as uow:
        assert uow.store is not None
        return uow.store.alerts.get()


def test_targets_are_added_once_removed_by_id_and_the_change_is_logged(uow_factory: InMemoryUnitOfWorkFactory) -> None:
    notifier, clock = MemoryNotifier(), FakeClock()
    first = save_alert_settings(uow_factory, notifier, clock, STORE, add=[" tgram://1:A/2 ", "", "tgram://1:A/2"],
                                language="ar", kinds=[AlertKind.RUN_FAILED])
    assert first == StoreAlertSettings(targets=("tgram://1:A/2",), language=AlertLanguage.AR,
                                       kinds=(AlertKind.RUN_FAILED,))
    second = save_alert_settings(uow_factory, notifier, clock, STORE, add=["mailto://u:p@example.com"],
                                 remove={target_id("tgram://1:A/2")})
    assert second.targets == ("mailto://u:p@example.com",)
    assert second.language is AlertLanguage.AR and second.kinds == {AlertKind.RUN_FAILED}  # None: unchanged
    assert stored(uow_factory) == second
    with uow_factory(STORE) as uow:
        assert uow.store is not None
        logged = uow.store.activity.list(activity_type=ActivityType.SETTINGS_UPDATED)
    assert len(logged) == 2 and all("p@" not in repr(e.metadata) for e in logged)


def test_a_refused_target_saves_nothing(uow_factory: InMemoryUnitOfWorkFactory) -> None:
    notifier = MemoryNotifier(refused={"json://10.0.0.1/x": "internal"})
    with pytest.raises(TargetsRefused) as refused:
        save_alert_settings(uow_factory, notifier, FakeClock(), STORE, add=["tgram://1:A/2", "json://10.0.0.1/x"],
                            language="en")
    assert refused.value.refused == (("json://10.0.0.1/•••", "internal"),)
    assert stored(uow_factory) == StoreAlertSettings()


def test_at_most_max_targets(uow_factory: InMemoryUnitOfWorkFactory) -> None:
    many = [f"tgram://{i}:A/2" for i in range(MAX_TARGETS + 1)]
    with pytest.raises(TargetsRefused) as refused:
        save_alert_settings(uow_factory, MemoryNotifier(), FakeClock(), STORE, add=many)
    assert refused.value.refused == (("", "too_many"),)
    with pytest.raises(StoreNotFound):
        save_alert_settings(uow_factory, MemoryNotifier(), FakeClock(), "nope", add=["tgram://1:A/2"])
