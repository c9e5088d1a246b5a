"""The alert jobs as the runners wire them: the notifier from ALERT_URLS, the actors over the use cases."""

from __future__ import annotations

from datetime import timedelta

from tests.support.usecase_support import add_store, make_ports

from adapters.alerts import AppriseNotifier, MemoryNotifier
from adapters.config import Config
from bootstrap import ProcessKind, bootstrap
from pricing_core.activity import ActivityType
from pricing_core.alert_settings import AlertLanguage, StoreAlertSettings
from pricing_core.alerts import AlertKind
from pricing_core.commands import SendAlerts, WatchAllPriceChanges, WatchPriceChanges
from runners.commands import PERIODIC, route_of
from runners.handlers import HANDLERS


def services(config: Config, **overrides: object):  # type: ignore[no-untyped-def]
    ports = make_ports()
    add_store(ports, "1")
    runtime = bootstrap(config, ProcessKind.TEST, uow_factory=ports.uow_factory, locks=ports.locks,
                        clock=ports.clock, salla_auth=ports.salla_auth, salla_catalog=ports.salla_catalog,
                        competitors=ports.competitors, advisor=None, **overrides)
    return runtime.services, ports


def test_the_notifier_is_built_from_alert_urls_and_absent_without() -> None:
    plain, _ = services(Config())
    assert plain.notifier is None
    configured, _ = services(Config(alert_urls=("json://127.0.0.1:9/x",), alert_timeout_seconds=3))
    assert isinstance(configured.notifier, AppriseNotifier) and configured.notifier.timeout == 3
    assert configured.impact_policy.window_days == 7


def test_the_alert_job_sends_what_was_logged_and_does_nothing_without_a_notifier() -> None:
    notifier = MemoryNotifier()
    svc, ports = services(Config(alert_language="ar"), notifier=notifier)
    HANDLERS[SendAlerts](svc, SendAlerts())  # the first pass sets the cursor
    with ports.uow_factory("1") as uow:
        assert uow.store is not None
        uow.store.activity.log(ActivityType.STORE_UNINSTALLED, "uninstalled", at=ports.clock.now())
        uow.commit()
    ports.clock.advance(timedelta(minutes=2))
    HANDLERS[SendAlerts](svc, SendAlerts())
    [batch] = notifier.batches
    assert batch.kind is AlertKind.TOKEN_REVOKED and batch.language == "ar"
    quiet, _ = services(Config())
    HANDLERS[SendAlerts](quiet, SendAlerts())  # no ALERT_URLS: nothing to do, nothing raised


def test_the_store_notifier_is_always_built_and_guarded_as_the_operator_says() -> None:
    plain, _ = services(Config())
    assert isinstance(plain.store_notifier, AppriseNotifier) and plain.store_notifier.urls == ()
    assert plain.store_notifier.refusal("json://127.0.0.1:9/x") == "internal"
    lenient, _ = services(Config(alert_allow_private_targets=True))
    assert lenient.store_notifier.refusal("json://127.0.0.1:9/x") is None
    assert lenient.store_notifier.refusal("windows://") == "scheme"


def test_the_alert_job_reaches_a_stores_targets_without_alert_urls() -> None:
    stores = MemoryNotifier()
    svc, ports = services(Config(), store_notifier=stores)
    assert svc.notifier is None
    with ports.uow_factory("1") as uow:
        assert uow.store is not None
        uow.store.alerts.save(StoreAlertSettings(targets=("tgram://1:A/2",), language=AlertLanguage.EN))
        uow.commit()
    HANDLERS[SendAlerts](svc, SendAlerts())  # the first pass sets the cursor
    with ports.uow_factory("1") as uow:
        assert uow.store is not None
        uow.store.activity.log(ActivityType.STORE_UNINSTALLED, "uninstalled", at=ports.clock.now())
        uow.commit()
    ports.clock.advance(timedelta(minutes=2))
    HANDLERS[SendAlerts](svc, SendAlerts())
    [(batch, targets)] = stores.sent_to
    assert batch.kind is AlertKind.TOKEN_REVOKED and batch.language == "en" and targets == ("tgram://1:A/2",)


def test_the_change_watch_jobs_are_routed_scheduled_and_handled() -> None:
    assert PERIODIC["watch_price_changes"] is WatchAllPriceChanges and PERIODIC["send_alerts"] is SendAlerts
    assert route_of(WatchPriceChanges).queue_name == "sweeps"
    svc, _ = services(Config())
    HANDLERS[WatchAllPriceChanges](svc, WatchAllPriceChanges())
    HANDLERS[WatchPriceChanges](svc, WatchPriceChanges(store_id="1"))  # no sales read yet: a note, no error
    HANDLERS[WatchPriceChanges](svc, WatchPriceChanges(store_id="missing"))  # dropped with a warning
