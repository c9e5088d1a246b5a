"""Sending alerts: news read from the activity log since the cursor, one message per store and kind, never stale."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from adapters.alerts import MemoryNotifier
from adapters.memory import FakeClock, InMemoryUnitOfWorkFactory, ThreadStoreLocks
from pricing_core.activity import ActivityEntry, ActivityType
from pricing_core.alert_settings import AlertLanguage, StoreAlertSettings
from pricing_core.alerts import AlertKind, AlertPolicy, Delivery, alerts_of
from pricing_core.decision import Action, DecisionRecord, DecisionStatus, PricingDecision, RiskLevel
from pricing_core.errors import StoreNotFound
from pricing_core.stores import Store
from pricing_core.tokens import TokenSet
from pricing_core.usecases.alerts import (
    CURSOR_KEY,
    LOCK_PURPOSE,
    LOCK_STORE,
    NO_TARGET,
    send_alerts,
    send_test_alert,
)

STORE = "42"


class Ports:
    def __init__(self) -> None:
        self.uow_factory = InMemoryUnitOfWorkFactory()
        self.locks = ThreadStoreLocks()
        self.clock = FakeClock()


@pytest.fixture
def ports() -> Ports:
    ports = Ports()
    with ports.uow_factory(STORE) as uow:
        uow.stores.upsert(Store(store_id=STORE, store_name="Oud House"))
        assert uow.store is not None
        uow.store.tokens.save(TokenSet(access_token="a", refresh_token="r",
                                       expires_at=ports.clock.now() + timedelta(days=10)))
        uow.commit()
    return ports


def log(ports: Ports, activity: ActivityType, store_id: str = STORE, **metadata: object) -> None:
    with ports.uow_factory(store_id) as uow:
        assert uow.store is not None
        uow.store.activity.log(activity, activity.value, at=ports.clock.now(), metadata=metadata)
        uow.commit()


def record(decision_id: str, at: datetime) -> DecisionRecord:
    decision = PricingDecision(
        product_id=f"p-{decision_id}", sku=None, name=f"Product {decision_id}", old_price=Decimal("100.00"),
        suggested_price=Decimal("90.00"), cost_price=Decimal("50.00"), currency="SAR", strategy="match",
        reference_price=Decimal("90.00"), floor_price=None, risk=RiskLevel.MEDIUM, action=Action.NEEDS_APPROVAL,
        change_pct=Decimal("-10"), margin_pct_after=None, offers_considered=2, offers_used=2, explanation=(),
        decided_at=at, fingerprint=f"fp-{decision_id}",
    )
    return DecisionRecord(id=decision_id, store_id=STORE, run_id="r1", idempotency_key=f"r1:{decision_id}",
                          decision=decision, status=DecisionStatus.PENDING, created_at=at, updated_at=at)


def pending(ports: Ports, n: int) -> None:
    with ports.uow_factory(STORE) as uow:
        assert uow.store is not None
        uow.store.decisions.add_many([record(f"p{i}", ports.clock.now()) for i in range(n)])
        uow.commit()


def settle(ports: Ports) -> None:
    ports.clock.advance(minutes=2)


def started(ports: Ports, notifier: MemoryNotifier) -> None:
    """The first pass only sets the cursor: what happened before alerts were on is not news."""
    log(ports, ActivityType.OPTIMIZATION_FAILED, run_id="old", error="before alerts")
    settle(ports)
    assert send_alerts(ports, notifier).read == 0
    assert notifier.batches == []
    ports.clock.advance(seconds=1)


def kinds(notifier: MemoryNotifier) -> list[AlertKind]:
    return [b.kind for b in notifier.batches]


def test_one_message_per_store_and_kind_with_todays_count(ports: Ports) -> None:
    notifier = MemoryNotifier()
    started(ports, notifier)
    pending(ports, 3)
    log(ports, ActivityType.OPTIMIZATION_COMPLETED, run_id="r1", products_queued=2, writes_pending=0)
    log(ports, ActivityType.OPTIMIZATION_COMPLETED, run_id="r2", products_queued=1, writes_pending=0)
    log(ports, ActivityType.PRICE_APPLIED, count=4)  # not news
    settle(ports)
    result = send_alerts(ports, notifier)
    assert (result.read, result.sent, result.failed) == (2, 1, 0)
    [batch] = notifier.batches
    assert batch.kind is AlertKind.APPROVALS_WAITING and len(batch.alerts) == 2
    assert batch.pending_approvals == 3 and batch.store_name == "Oud House"
    title, body = notifier.messages[0]
    assert "Oud House: 3 price change(s) wait for your approval" in title
    assert "/dashboard/stores/42/approvals" in body
    with ports.uow_factory(STORE) as uow:
        assert uow.store is not None
        [sent] = uow.store.activity.list(activity_type=ActivityType.ALERT_SENT)
    assert sent.metadata["kind"] == "approvals_waiting" and sent.metadata["targets"] == 1

    settle(ports)
    assert send_alerts(ports, notifier).read == 0  # the cursor moved past them


def test_repeated_news_waits_for_the_digest_period_one_off_news_does_not(ports: Ports) -> None:
    notifier = MemoryNotifier()
    started(ports, notifier)
    pending(ports, 1)
    log(ports, ActivityType.OPTIMIZATION_COMPLETED, run_id="r1", products_queued=1)
    settle(ports)
    send_alerts(ports, notifier, policy=AlertPolicy(digest_hours=6))
    log(ports, ActivityType.OPTIMIZATION_COMPLETED, run_id="r2", products_queued=1)
    log(ports, ActivityType.CHANGE_PROFIT_FELL, product_id="p1", old_price="100", new_price="90")
    settle(ports)
    result = send_alerts(ports, notifier, policy=AlertPolicy(digest_hours=6))
    assert kinds(notifier) == [AlertKind.APPROVALS_WAITING, AlertKind.PROFIT_FELL]
    assert result.passed == 1
    ports.clock.advance(hours=6)
    log(ports, ActivityType.OPTIMIZATION_COMPLETED, run_id="r3", products_queued=1)
    settle(ports)
    send_alerts(ports, notifier, policy=AlertPolicy(digest_hours=6))
    assert kinds(notifier)[-1] is AlertKind.APPROVALS_WAITING and len(notifier.batches) == 3


def test_stale_news_is_not_sent(ports: Ports) -> None:
    notifier = MemoryNotifier()
    started(ports, notifier)
    log(ports, ActivityType.OPTIMIZATION_COMPLETED, run_id="r1", products_queued=2)  # approved meanwhile: none pending
    log(ports, ActivityType.SYSTEM_TOKEN_REFRESH_FAILED, error="SallaUnavailable: 503")  # 10 days left: no news
    settle(ports)
    assert send_alerts(ports, notifier).passed == 2 and notifier.batches == []

    with ports.uow_factory(STORE) as uow:
        assert uow.store is not None
        uow.store.tokens.save(TokenSet(access_token="a", refresh_token="r",
                                       expires_at=ports.clock.now() + timedelta(hours=20)))
        uow.commit()
    log(ports, ActivityType.SYSTEM_TOKEN_REFRESH_FAILED, error="SallaUnavailable: 503")
    settle(ports)
    send_alerts(ports, notifier)
    [batch] = notifier.batches
    assert batch.kind is AlertKind.TOKEN_EXPIRING and batch.alerts[0].facts["hours_left"] == pytest.approx(19.97)
    assert "lapses in 20 hour(s)" in notifier.messages[0][1]


def test_every_kind_of_news_becomes_its_alert(ports: Ports) -> None:
    notifier = MemoryNotifier()
    started(ports, notifier)
    log(ports, ActivityType.OPTIMIZATION_COMPLETED, run_id="r1", products_queued=0, writes_pending=2)
    log(ports, ActivityType.OPTIMIZATION_FAILED, run_id="r2", error="catalog unreadable")
    log(ports, ActivityType.SYSTEM_STORE_DEACTIVATED, reason="Invalid refresh token")
    log(ports, ActivityType.PRICE_APPLY_FAILED, count=1, run_id="r1", retrying=True)  # tried again: no news
    log(ports, ActivityType.PRICE_APPLY_FAILED, count=1, run_id="r1",
        failures=[{"product_id": "p9", "price": "12.00", "reason": "below the margin floor"}])
    settle(ports)
    send_alerts(ports, notifier)
    assert kinds(notifier) == [AlertKind.RUN_PARTIALLY_APPLIED, AlertKind.RUN_FAILED, AlertKind.TOKEN_REVOKED,
                               AlertKind.WRITES_REFUSED]
    bodies = [body for _, body in notifier.messages]
    assert "did not take 2 price change(s)" in bodies[0]
    assert "Run r2 stopped: catalog unreadable" in bodies[1]
    assert "Invalid refresh token" in bodies[2]
    assert "product p9: 12.00: below the margin floor" in bodies[3]


def test_a_failing_target_is_logged_and_the_cursor_moves_on(ports: Ports) -> None:
    notifier = MemoryNotifier(fail=True)
    started(ports, notifier)
    log(ports, ActivityType.STORE_UNINSTALLED)
    settle(ports)
    result = send_alerts(ports, notifier)
    assert (result.sent, result.failed) == (0, 1)
    with ports.uow_factory(STORE) as uow:
        assert uow.store is not None
        [failed] = uow.store.activity.list(activity_type=ActivityType.ALERT_FAILED)
        cursor = uow.system_settings.get(CURSOR_KEY)
    assert failed.metadata == {"kind": "token_revoked", "alerts": 1, "targets": 0, "error": "refused (test)"}
    assert cursor is not None
    settle(ports)
    assert send_alerts(ports, notifier).read == 0


def test_a_notifier_that_raises_does_not_stop_the_pass(ports: Ports) -> None:
    class Broken:
        def send(self, batch: object) -> object:
            raise RuntimeError("boom")

    started(ports, MemoryNotifier())
    log(ports, ActivityType.OPTIMIZATION_FAILED, run_id="r", error="x")
    log(ports, ActivityType.STORE_UNINSTALLED)
    settle(ports)
    result = send_alerts(ports, Broken())  # type: ignore[arg-type]
    assert result.failed == 2


def test_one_sender_at_a_time(ports: Ports) -> None:
    with ports.locks.hold(LOCK_STORE, LOCK_PURPOSE, timeout=0):
        assert send_alerts(ports, MemoryNotifier()).busy


def test_entries_of_the_last_minute_wait_for_the_next_pass(ports: Ports) -> None:
    notifier = MemoryNotifier()
    started(ports, notifier)
    log(ports, ActivityType.STORE_UNINSTALLED)
    assert send_alerts(ports, notifier).read == 0  # may belong to a transaction still committing elsewhere
    settle(ports)
    assert send_alerts(ports, notifier).read == 1


def own_targets(ports: Ports, *targets: str, language: AlertLanguage = AlertLanguage.BOTH,
                kinds: tuple[AlertKind, ...] | None = None) -> None:
    with ports.uow_factory(STORE) as uow:
        assert uow.store is not None
        uow.store.alerts.save(StoreAlertSettings(targets=targets, language=language,
                                                 **({} if kinds is None else {"kinds": kinds})))
        uow.commit()


def test_a_test_alert_reaches_the_stores_targets_in_the_stores_language(ports: Ports) -> None:
    notifier = MemoryNotifier()
    assert send_test_alert(ports, notifier, STORE) == Delivery(sent=False, error=NO_TARGET)  # none yet
    assert notifier.sent_to == []
    own_targets(ports, "tgram://123456:SECRET/42", language=AlertLanguage.AR)
    delivery = send_test_alert(ports, notifier, STORE)
    assert delivery.sent and [o.target for o in delivery.outcomes] == ["tgram://123•••/•••"]
    [(batch, targets)] = notifier.sent_to
    assert batch.language == "ar" and targets == ("tgram://123456:SECRET/42",)
    title, body = notifier.messages[0]
    assert title == "Oud House: تنبيه تجريبي" and "تصل إلى هذا العنوان" in body
    assert notifier.batches == []  # the operator's targets do not get the store's test
    with pytest.raises(StoreNotFound):
        send_test_alert(ports, notifier, "nope")


def test_the_stores_targets_get_the_kinds_it_wants_in_its_language_the_operator_gets_everything(
    ports: Ports,
) -> None:
    operator, stores = MemoryNotifier(), MemoryNotifier(refused={"json://10.0.0.5/x": "internal"})
    started(ports, operator)
    own_targets(ports, "jsons://user:SECRET@hooks.example.com/a", "json://10.0.0.5/x", language=AlertLanguage.EN,
                kinds=(AlertKind.RUN_FAILED,))
    log(ports, ActivityType.OPTIMIZATION_FAILED, run_id="r", error="x")
    log(ports, ActivityType.STORE_UNINSTALLED)
    settle(ports)
    result = send_alerts(ports, operator, store_notifier=stores, language="ar")
    assert (result.sent, result.failed) == (2, 0)
    assert {b.kind for b in operator.batches} == {AlertKind.RUN_FAILED, AlertKind.TOKEN_REVOKED}
    assert {b.language for b in operator.batches} == {"ar"}
    [(batch, targets)] = stores.sent_to  # the store did not ask for token_revoked
    assert batch.kind is AlertKind.RUN_FAILED and batch.language == "en" and len(targets) == 2
    with ports.uow_factory(STORE) as uow:
        assert uow.store is not None
        entries = uow.store.activity.list(activity_type=ActivityType.ALERT_SENT)
    [mine] = [e for e in entries if e.metadata.get("audience") == "store"]
    assert mine.metadata["targets"] == 1 and "1 target(s) not sent" in mine.metadata["error"]
    assert [(o["target"], o["sent"], o["refused"]) for o in mine.metadata["outcomes"]] == [
        ("jsons://•••@hooks.example.com/•••", True, None), ("json://10.0.0.5/•••", False, "internal")]
    assert "SECRET" not in repr([e.metadata for e in entries])


def test_a_store_with_targets_hears_of_its_alerts_without_operator_targets(ports: Ports) -> None:
    stores = MemoryNotifier()
    started(ports, stores)
    own_targets(ports, "mailto://merchant:pw@example.com")
    log(ports, ActivityType.OPTIMIZATION_FAILED, run_id="r", error="x")
    settle(ports)
    assert send_alerts(ports, None, store_notifier=stores).sent == 1
    [(batch, _)] = stores.sent_to
    assert batch.kind is AlertKind.RUN_FAILED and batch.language is None  # both languages


def test_only_store_entries_are_news(ports: Ports) -> None:
    entry = ActivityEntry(activity_type=ActivityType.OPTIMIZATION_FAILED, description="", created_at=ports.clock.now())
    assert alerts_of(entry) == []
