"""Subscribing each store to the store events it needs, idempotently, and reporting the stores that lack one."""

from __future__ import annotations

import json

import attrs
import pytest
from tests.support.usecase_support import Ports, add_store, make_ports

from adapters.memory import RecordingQueue
from pricing_core.activity import ActivityType
from pricing_core.commands import EnsureStoreEvents, SweepStoreNow
from pricing_core.errors import BadResponse, SallaUnavailable, StoreNotFound
from pricing_core.ports import MerchantInfo
from pricing_core.store_events import NOT_CHECKED, STORE_EVENTS
from pricing_core.usecases.onboard import onboard_store
from pricing_core.usecases.subscriptions import ensure_store_subscriptions
from pricing_core.usecases.token_status import summarize_token_status

URL = "https://optimizer.example/webhooks/salla"
# Every store event the optimizer needs: price changes and the order events (the sales history).
EVENTS = STORE_EVENTS


@pytest.fixture
def ports() -> Ports:
    return make_ports()


def recorded(ports: Ports, store_id: str = "1"):  # type: ignore[no-untyped-def]
    with ports.uow_factory() as uow:
        return uow.subscriptions.get(store_id)


def activity(ports: Ports, store_id: str = "1") -> list:
    with ports.uow_factory(store_id) as uow:
        assert uow.store is not None
        return uow.store.activity.list()


def test_subscribes_once_and_a_second_check_only_lists(ports: Ports) -> None:
    add_store(ports, "1")
    first = ensure_store_subscriptions(ports, "1", callback_url=URL)
    assert first.created == EVENTS and first.state is not None and first.state.complete
    assert [(h.event, h.url) for h in ports.salla_catalog.webhooks["1"]] == [(e, URL) for e in EVENTS]
    requests = ports.salla_catalog.requests["1"]

    second = ensure_store_subscriptions(ports, "1", callback_url=URL + "/")  # same endpoint, other spelling

    assert second.created == () and second.state is not None and second.state.complete
    assert ports.salla_catalog.subscribe_calls["1"] == len(EVENTS)
    assert ports.salla_catalog.requests["1"] == requests + 1  # one GET /webhooks, nothing else
    state = recorded(ports)
    assert state.subscribed == EVENTS and state.missing == () and state.checked_at == ports.clock.now()
    kinds = [e.activity_type for e in activity(ports)]
    assert kinds.count(ActivityType.STORE_EVENTS_SUBSCRIBED) == 1


def test_a_reinstall_subscribes_nothing_new(ports: Ports) -> None:
    add_store(ports, "1")
    ensure_store_subscriptions(ports, "1", callback_url=URL)
    result = onboard_store(ports.uow_factory, RecordingQueue(), ports.clock, tokens=ports.salla_auth.issue("1"),
                           merchant=MerchantInfo(merchant_id="1", store_name="Store 1"), source="app.store.authorize")
    assert not result.created
    ensure_store_subscriptions(ports, "1", callback_url=URL)
    assert ports.salla_catalog.subscribe_calls["1"] == len(EVENTS)
    assert len(ports.salla_catalog.webhooks["1"]) == len(EVENTS)


def test_a_webhook_at_another_url_does_not_count(ports: Ports) -> None:
    add_store(ports, "1")
    ensure_store_subscriptions(ports, "1", callback_url="https://old.example/webhooks/salla")
    result = ensure_store_subscriptions(ports, "1", callback_url=URL)
    assert result.created == EVENTS
    old = "https://old.example/webhooks/salla"
    assert sorted(h.url for h in ports.salla_catalog.webhooks["1"]) == sorted([old, URL] * len(EVENTS))


def test_a_token_without_the_webhooks_scope_is_reported_without_asking_salla(ports: Ports) -> None:
    add_store(ports, "1")
    narrow = ports.salla_auth.issue("1", scope="offline_access products.read_write")
    with ports.uow_factory("1") as uow:
        assert uow.store is not None
        uow.store.tokens.save(narrow)
        uow.commit()

    result = ensure_store_subscriptions(ports, "1", callback_url=URL)

    assert result.state is not None and result.state.scope_missing and result.state.missing == EVENTS
    assert not result.retryable and ports.salla_catalog.requests["1"] == 0
    assert "webhooks.read_write" in (result.state.error or "")
    (entry,) = [e for e in activity(ports) if e.activity_type is ActivityType.STORE_EVENTS_SUBSCRIPTION_FAILED]
    assert entry.metadata["scope_missing"] is True


def test_salla_refusing_the_scope_is_reported_as_such(ports: Ports) -> None:
    add_store(ports, "1")
    narrow = attrs.evolve(ports.salla_auth.issue("1", scope="offline_access products.read_write"), scope="")
    with ports.uow_factory("1") as uow:
        assert uow.store is not None
        uow.store.tokens.save(narrow)  # a token whose scope we were not told
        uow.commit()
    result = ensure_store_subscriptions(ports, "1", callback_url=URL)
    assert result.state is not None and result.state.scope_missing
    assert ports.salla_catalog.webhooks.get("1", []) == []


@pytest.mark.parametrize(("error", "retryable"), [
    (SallaUnavailable("HTTP 503", status=503), True),
    (BadResponse("POST /webhooks/subscribe: HTTP 422: alert.invalid_fields (url: ...)", status=422), False),
])
def test_salla_failures_are_recorded_and_only_transient_ones_retried(ports: Ports, error: Exception,
                                                                     retryable: bool) -> None:
    add_store(ports, "1")
    ports.salla_catalog.fail_next(error)
    result = ensure_store_subscriptions(ports, "1", callback_url=URL)
    assert result.retryable is retryable and result.created == ()
    state = recorded(ports)
    assert state.missing == EVENTS and not state.scope_missing and str(error) in (state.error or "")
    # Once Salla answers, the next check subscribes and clears the error.
    assert ensure_store_subscriptions(ports, "1", callback_url=URL).state.complete  # type: ignore[union-attr]
    assert recorded(ports).error is None


def test_one_check_at_a_time_per_store(ports: Ports, monkeypatch: pytest.MonkeyPatch) -> None:
    from pricing_core.usecases import subscriptions

    add_store(ports, "1")
    monkeypatch.setattr(subscriptions, "LOCK_TIMEOUT", 0.0)
    with ports.locks.hold("1", subscriptions.SUBSCRIBE_LOCK) as held:
        assert held
        busy = ensure_store_subscriptions(ports, "1", callback_url=URL)
    assert busy.state is None and "running" in (busy.skipped_reason or "")
    assert ports.salla_catalog.subscribe_calls["1"] == 0
    assert ensure_store_subscriptions(ports, "1", callback_url=URL).created == EVENTS


def test_inactive_and_unknown_stores(ports: Ports) -> None:
    add_store(ports, "1", active=False)
    result = ensure_store_subscriptions(ports, "1", callback_url=URL)
    assert result.state is None and "inactive" in (result.skipped_reason or "")
    assert recorded(ports) is None
    with pytest.raises(StoreNotFound):
        ensure_store_subscriptions(ports, "nope", callback_url=URL)


def test_token_status_lists_the_stores_that_lack_a_subscription(ports: Ports) -> None:
    add_store(ports, "1")
    add_store(ports, "2")
    add_store(ports, "3")
    add_store(ports, "4", active=False)
    ensure_store_subscriptions(ports, "1", callback_url=URL)
    with ports.uow_factory("2") as uow:
        assert uow.store is not None
        uow.store.tokens.save(ports.salla_auth.issue("2", scope="offline_access products.read_write"))
        uow.commit()
    ensure_store_subscriptions(ports, "2", callback_url=URL)

    report = summarize_token_status(ports.uow_factory, ports.clock.now())

    gaps = {r.store.store_id: r.store_events_gap for r in report.missing_store_events}
    assert gaps == {"2": "token lacks webhooks.read_write", "3": NOT_CHECKED}
    row = {r.store.store_id: r.as_dict() for r in report.stores}
    assert row["1"]["store_events"]["subscribed"] == list(EVENTS) and row["1"]["store_events_gap"] is None
    assert row["4"]["store_events_gap"] is None  # inactive: not an event gap, the store is off
    json.dumps([r.as_dict() for r in report.stores])  # the CLI prints it as JSON


def test_onboarding_enqueues_the_subscription_check(ports: Ports) -> None:
    queue = RecordingQueue()
    onboard_store(ports.uow_factory, queue, ports.clock, tokens=ports.salla_auth.issue("9"),
                  merchant=MerchantInfo(merchant_id="9", store_name="Nine"))
    assert queue.commands == [SweepStoreNow(store_id="9"), EnsureStoreEvents(store_id="9")]
