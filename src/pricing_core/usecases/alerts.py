"""Send the alerts the activity log holds since the last pass (``SendAlerts``, every few minutes).

A pass reads the activity entries that may be news (``alerts.ALERTING_ACTIVITY``) logged since the
cursor it keeps in ``system_settings``, turns them into alerts (``alerts.alerts_of``), groups them
into one message per store and kind, and hands each to the operator's ``Notifier`` (``ALERT_URLS``:
every alert of every store, in the operator's language) and to the ``StoreNotifier`` for the
store's own targets (the kinds the store wants, in the store's alert language; each target is
checked against the internal-address guard again at sending). Before sending it looks at the
store as it is now, so a message is never stale news:

- approvals waiting: only while some still wait (the count said is today's), and at most one
  message per store per digest period, like every repeated kind (``alerts.DIGESTED``);
- a token expiring: only while the store's access token really expires within the refresh
  threshold (a later refresh that succeeded makes it no news);
- the store's name and language come from the store.

Each delivery is recorded in the store's activity log (``alert_sent`` or ``alert_failed``, with its
audience ``store`` and the targets masked when they were the store's own). The pass
runs under a lock (one sender at a time) and moves the cursor past what it read whatever the
outcome: a target that keeps failing is retried by the notifier and logged, never resent forever.
Entries younger than ``SETTLE_SECONDS`` wait for the next pass, so an entry of a transaction that
commits late is not skipped. The first pass starts from now: history is not news.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import attrs

from pricing_core.activity import ActivityEntry, ActivityType
from pricing_core.alert_settings import StoreAlertSettings
from pricing_core.alerts import (
    ALERTING_ACTIVITY,
    DIGESTED,
    Alert,
    AlertBatch,
    AlertKind,
    AlertPolicy,
    Delivery,
    Notifier,
    StoreNotifier,
    alerts_of,
    batches,
    recently_sent,
)
from pricing_core.decision import DecisionStatus
from pricing_core.errors import StoreNotFound
from pricing_core.ports import ActivityRepository, Clock, StoreLocks, UnitOfWorkFactory, scope_of
from pricing_core.tokens import token_health

log = logging.getLogger(__name__)

CURSOR_KEY = "alerts.cursor"
# The lock of the one sender (a pseudo store id: the lock port is keyed by store and purpose).
LOCK_STORE = "_alerts"
LOCK_PURPOSE = "send_alerts"
SETTLE_SECONDS = 60
# Entries read per activity type per pass; more than this many news of one kind in one pass is
# not expected (one run finishes per store per hour at most), and is logged when it happens.
READ_LIMIT = 2000
# A token is worth an alert when it expires within this many hours and could not be refreshed.
TOKEN_ALERT_HOURS = 48.0
NO_TARGET = "no alert target configured"


class AlertPorts(Protocol):
    """The ports a pass reads: storage, the sender's lock and the clock."""

    @property
    def uow_factory(self) -> UnitOfWorkFactory: ...

    @property
    def locks(self) -> StoreLocks: ...

    @property
    def clock(self) -> Clock: ...


@attrs.frozen(kw_only=True)
class AlertsResult:
    """What one pass did: entries read, messages sent and failed, batches passed over (no news now)."""

    read: int = 0
    sent: int = 0
    failed: int = 0
    passed: int = 0
    busy: bool = False


def send_alerts(
    ports: AlertPorts,
    notifier: Notifier | None,
    *,
    store_notifier: StoreNotifier | None = None,
    policy: AlertPolicy = AlertPolicy(),
    language: str | None = None,
) -> AlertsResult:
    """One pass: the news logged since the cursor, one message per store and kind (see the module docstring).

    ``notifier`` sends to the operator's targets (None: there are none), ``store_notifier`` to each
    store's own. ``language`` is the operator's messages' language (None: both languages).
    """
    with ports.locks.hold(LOCK_STORE, LOCK_PURPOSE, timeout=0) as acquired:
        if not acquired:
            return AlertsResult(busy=True)
        now = ports.clock.now()
        upto = now - timedelta(seconds=SETTLE_SECONDS)
        with ports.uow_factory() as uow:
            raw = uow.system_settings.get(CURSOR_KEY)
            cursor = datetime.fromisoformat(raw) if raw else None
            entries = _news(uow.system_activity, cursor, upto) if cursor is not None else []
        alerts = [alert for entry in entries for alert in alerts_of(entry)]
        sent = failed = passed = 0
        for batch in batches(alerts):
            delivery = _send_one(ports, notifier, store_notifier, batch, policy=policy, language=language, now=now)
            if delivery is None:
                passed += 1
            elif delivery.sent:
                sent += 1
            else:
                failed += 1
        with ports.uow_factory() as uow:
            uow.system_settings.set(CURSOR_KEY, upto.isoformat(), description="alerts sent up to this time")
            uow.commit()
        return AlertsResult(read=len(entries), sent=sent, failed=failed, passed=passed)


def send_test_alert(ports: AlertPorts, notifier: StoreNotifier, store_id: str) -> Delivery:
    """A test message to the store's own targets in the store's alert language ("send a test alert").

    The delivery lists each target's outcome (sent, refused and why, failed); with no target it
    is not sent (``targets`` 0). ``StoreNotFound`` for an unknown store.
    """
    now = ports.clock.now()
    batch = AlertBatch(kind=AlertKind.TEST, store_id=str(store_id),
                       alerts=(Alert(kind=AlertKind.TEST, store_id=str(store_id), at=now),))
    delivery = _send_one(ports, None, notifier, batch, policy=AlertPolicy(digest_hours=0), language=None, now=now)
    return delivery or Delivery(sent=False, error=NO_TARGET)


def _news(activity: ActivityRepository, cursor: datetime, upto: datetime) -> list[ActivityEntry]:
    """Entries of the alerting types logged after ``cursor`` and up to ``upto``, oldest first."""
    entries: list[ActivityEntry] = []
    for activity_type in ALERTING_ACTIVITY:
        found = activity.list(activity_type=activity_type, limit=READ_LIMIT)
        if len(found) == READ_LIMIT and found[-1].created_at > cursor:
            log.warning("alerts: more than %d %s entries since %s; the oldest are not alerted",
                        READ_LIMIT, activity_type.value, cursor.isoformat())
        entries += [e for e in found if cursor < e.created_at <= upto]
    return sorted(entries, key=lambda e: e.created_at)


def _send_one(
    ports: AlertPorts, notifier: Notifier | None, store_notifier: StoreNotifier | None, batch: AlertBatch, *,
    policy: AlertPolicy, language: str | None, now: datetime,
) -> Delivery | None:
    """Send one batch if it is still news, to the operator and to the store's own targets, and record each
    delivery in the store's log; None when it is no news or nobody is to hear of it."""
    with ports.uow_factory(batch.store_id) as uow:
        store = uow.stores.get(batch.store_id)
        if store is None:
            if batch.kind is AlertKind.TEST:
                raise StoreNotFound(f"store {batch.store_id} does not exist")
            return None
        scope = scope_of(uow)
        recent = scope.activity.list(activity_type=ActivityType.ALERT_SENT, limit=200)
        pending = scope.decisions.count(status=DecisionStatus.PENDING)
        tokens = scope.tokens.get()
        own: StoreAlertSettings = scope.alerts.get()
    if batch.kind in DIGESTED and batch.kind in recently_sent(recent, now - timedelta(hours=policy.digest_hours)):
        return None
    if batch.kind is AlertKind.APPROVALS_WAITING and not pending:
        return None
    if batch.kind is AlertKind.TOKEN_EXPIRING:
        health = token_health(tokens, now, TOKEN_ALERT_HOURS)
        if not store.is_active or tokens is None or not health.needs_refresh:
            return None
        batch = attrs.evolve(batch, alerts=tuple(
            attrs.evolve(a, facts={**a.facts, "hours_left": health.hours_until_expiry}) for a in batch.alerts))
    batch = attrs.evolve(batch, store_name=store.store_name, pending_approvals=pending)
    deliveries: list[Delivery] = []
    if notifier is not None and batch.kind is not AlertKind.TEST:
        operator_batch = attrs.evolve(batch, language=language)
        deliveries.append(_deliver(ports, operator_batch, "operator", lambda: notifier.send(operator_batch)))
    if store_notifier is not None and own.targets and own.wants(batch.kind):
        store_batch = attrs.evolve(batch, language=own.batch_language)
        deliveries.append(_deliver(ports, store_batch, "store",
                                   lambda: store_notifier.send_to(store_batch, own.targets)))
    if not deliveries:
        return None
    if len(deliveries) == 1:
        return deliveries[0]
    errors = [d.error for d in deliveries if d.error]
    return Delivery(sent=any(d.sent for d in deliveries), targets=sum(d.targets for d in deliveries),
                    error="; ".join(errors) or None, outcomes=tuple(o for d in deliveries for o in d.outcomes))


def _deliver(ports: AlertPorts, batch: AlertBatch, audience: str, send: Callable[[], Delivery]) -> Delivery:
    try:
        delivery = send()
    except Exception as exc:  # the port says it never raises; a broken adapter still must not stop the pass
        log.exception("alerts: the %s notifier raised for store %s", audience, batch.store_id)
        delivery = Delivery(sent=False, error=f"{type(exc).__name__}: {exc}")
    _record(ports, batch, delivery, audience)
    return delivery


def _record(ports: AlertPorts, batch: AlertBatch, delivery: Delivery, audience: str) -> None:
    kind = batch.kind.value
    whose = "the store's " if audience == "store" else ""
    if delivery.sent:
        activity, text = ActivityType.ALERT_SENT, f"Alert sent ({kind}) to {whose}{delivery.targets} target(s)"
    else:
        activity, text = ActivityType.ALERT_FAILED, f"Alert not sent ({kind}): {delivery.error or 'no target'}"
        log.warning("alerts: %s for store %s not sent (%s): %s", kind, batch.store_id, audience, delivery.error)
    metadata: dict[str, object] = {"kind": kind, "alerts": len(batch.alerts), "targets": delivery.targets,
                                   "error": delivery.error}
    if audience == "store":  # the operator's entries keep their shape of before stores had targets
        metadata["audience"] = audience
    if delivery.outcomes:
        metadata["outcomes"] = [attrs.asdict(o) for o in delivery.outcomes]  # targets masked by the notifier
    with ports.uow_factory(batch.store_id) as uow:
        scope_of(uow).activity.log(activity, text, at=ports.clock.now(), metadata=metadata)
        uow.commit()


__all__ = [
    "CURSOR_KEY",
    "NO_TARGET",
    "SETTLE_SECONDS",
    "TOKEN_ALERT_HOURS",
    "AlertPorts",
    "AlertsResult",
    "send_alerts",
    "send_test_alert",
]
