"""Alerts: what the merchant (and the operator) should hear of, read from the activity log.

The activity log already records everything that happened (a run that finished with approvals
waiting or failed, a store whose access was revoked, a change whose profit fell...). An alert is
one such entry worth a message (``alerts_of``). Alerts are grouped into one message per store and
kind (``AlertBatch``, ``batches``), written in the store's language by the notifier adapter and
sent to the targets it is configured with (``Notifier``). Sending is a side effect that must never
break the work that logged the entry: it happens later, in a job of its own
(``usecases/alerts.py``), and a notifier never raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

import attrs

from pricing_core.activity import ActivityEntry, ActivityType


class AlertKind(StrEnum):
    """What an alert is about; one message per kind per store per batch."""

    APPROVALS_WAITING = "approvals_waiting"
    PROFIT_FELL = "profit_fell"
    TOKEN_REVOKED = "token_revoked"
    TOKEN_EXPIRING = "token_expiring"
    RUN_FAILED = "run_failed"
    RUN_PARTIALLY_APPLIED = "run_partially_applied"
    WRITES_REFUSED = "writes_refused"
    BELOW_FLOOR = "below_floor"
    TEST = "test"


# Kinds that repeat the same news while the situation lasts: at most one message per store per
# digest period (``AlertPolicy.digest_hours``). The others are one-off events, each sent once.
DIGESTED = frozenset({
    AlertKind.APPROVALS_WAITING, AlertKind.TOKEN_EXPIRING, AlertKind.RUN_FAILED, AlertKind.RUN_PARTIALLY_APPLIED,
    AlertKind.WRITES_REFUSED, AlertKind.BELOW_FLOOR,
})


@attrs.frozen(kw_only=True)
class Alert:
    """One thing worth telling a store's merchant: its kind, when, and the facts the message is written from.

    ``facts`` are JSON values (counts, a product's name and figures, a run id, a reason).
    """

    kind: AlertKind
    store_id: str
    at: datetime
    facts: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class AlertBatch:
    """One message: the alerts of one kind for one store, with what the message needs of the store.

    ``language`` is ``en`` or ``ar``; None when the store's language is not known (both are written).
    ``pending_approvals`` is the store's count at sending time (approvals alerts say it).
    """

    kind: AlertKind
    store_id: str
    alerts: tuple[Alert, ...]
    store_name: str = ""
    language: str | None = None
    pending_approvals: int | None = None


@attrs.frozen(kw_only=True)
class TargetOutcome:
    """What sending to one of a store's own targets did: sent, refused by the guard (why), or failed."""

    target: str  # masked: never the URL with its secrets
    sent: bool
    refused: str | None = None  # an ``alert_settings.TargetRefusal`` value
    error: str | None = None


@attrs.frozen(kw_only=True)
class Delivery:
    """What sending one message did: sent to every target, or not (``error`` says why, for the log).

    ``outcomes`` lists each target when they were a store's own (``StoreNotifier``).
    """

    sent: bool
    targets: int = 0
    error: str | None = None
    outcomes: tuple[TargetOutcome, ...] = ()


class Notifier(Protocol):
    """Sends alert messages to the configured targets (apprise URLs: e-mail, Slack, Telegram, webhooks...).

    ``send`` never raises and returns within the adapter's timeout: a failing target is retried
    and reported in the ``Delivery``, never propagated into the job that sends.
    """

    def send(self, batch: AlertBatch) -> Delivery:
        """Write ``batch`` as one message in its language and send it to every target."""
        ...


class StoreNotifier(Protocol):
    """Sends alert messages to a store's own targets (apprise URLs the merchant gave), guarding each one.

    A target that is not on the allow-list of services, or whose host is or resolves to an
    internal address, is refused (``refusal``): when it is saved, and again at every send, since
    DNS can change. ``send_to`` never raises, like ``Notifier.send``.
    """

    def refusal(self, target: str) -> str | None:
        """Why ``target`` may not be used (an ``alert_settings.TargetRefusal`` value), or None."""
        ...

    def send_to(self, batch: AlertBatch, targets: Sequence[str]) -> Delivery:
        """Write ``batch`` in its language and send it to each acceptable target; every outcome listed."""
        ...


@attrs.frozen(kw_only=True)
class AlertPolicy:
    """How often repeated news is sent: at most one message of a digested kind per store per ``digest_hours``."""

    digest_hours: float = attrs.field(default=24.0, validator=attrs.validators.ge(0))


def alerts_of(entry: ActivityEntry) -> list[Alert]:
    """The alerts an activity entry is worth (most entries are not news for the merchant: none).

    - a run that finished with approvals queued: ``approvals_waiting``; with price writes still
      pending: ``run_partially_applied``; a run that failed: ``run_failed``;
    - the store deactivated because Salla refused the refresh, or the app uninstalled: ``token_revoked``;
    - a refresh that failed for now (the token may lapse): ``token_expiring``;
    - Salla refusing price writes for good: ``writes_refused`` (a refusal to be retried is not news);
    - a change whose profit fell: ``profit_fell``;
    - a run that found competitors selling below a product's margin floor (it cannot match them):
      ``below_floor``.
    """
    if entry.store_id is None:
        return []
    meta = entry.metadata
    found: list[tuple[AlertKind, dict[str, Any]]] = []
    match entry.activity_type:
        case ActivityType.OPTIMIZATION_COMPLETED:
            if pending := int(meta.get("writes_pending") or 0):
                found.append((AlertKind.RUN_PARTIALLY_APPLIED, {"run_id": meta.get("run_id"), "pending": pending}))
            if queued := int(meta.get("products_queued") or 0):
                found.append((AlertKind.APPROVALS_WAITING, {"run_id": meta.get("run_id"), "queued": queued}))
            if below := int(meta.get("below_floor") or 0):
                found.append((AlertKind.BELOW_FLOOR, {"run_id": meta.get("run_id"), "count": below,
                                                      "products": list(meta.get("below_floor_products") or [])}))
        case ActivityType.OPTIMIZATION_FAILED:
            found.append((AlertKind.RUN_FAILED, {"run_id": meta.get("run_id"), "error": str(meta.get("error") or "")}))
        case ActivityType.SYSTEM_STORE_DEACTIVATED:
            found.append((AlertKind.TOKEN_REVOKED, {"reason": str(meta.get("reason") or ""), "uninstalled": False}))
        case ActivityType.STORE_UNINSTALLED:
            found.append((AlertKind.TOKEN_REVOKED, {"reason": "app uninstalled", "uninstalled": True}))
        case ActivityType.SYSTEM_TOKEN_REFRESH_FAILED:
            found.append((AlertKind.TOKEN_EXPIRING, {"error": str(meta.get("error") or "")}))
        case ActivityType.PRICE_APPLY_FAILED if not meta.get("retrying"):
            found.append((AlertKind.WRITES_REFUSED, {"run_id": meta.get("run_id"), "count": int(meta.get("count") or 0),
                                                     "failures": list(meta.get("failures") or [])[:5]}))
        case ActivityType.CHANGE_PROFIT_FELL:
            found.append((AlertKind.PROFIT_FELL, dict(meta)))
    return [Alert(kind=kind, store_id=entry.store_id, at=entry.created_at, facts=facts) for kind, facts in found]


# The activity types ``alerts_of`` may turn into an alert (the job reads only these).
ALERTING_ACTIVITY = (
    ActivityType.OPTIMIZATION_COMPLETED, ActivityType.OPTIMIZATION_FAILED, ActivityType.SYSTEM_STORE_DEACTIVATED,
    ActivityType.STORE_UNINSTALLED, ActivityType.SYSTEM_TOKEN_REFRESH_FAILED, ActivityType.PRICE_APPLY_FAILED,
    ActivityType.CHANGE_PROFIT_FELL,
)


def batches(alerts: Iterable[Alert]) -> list[AlertBatch]:
    """One batch per (store, kind), in the order each first appears; alerts oldest first within a batch."""
    grouped: dict[tuple[str, AlertKind], list[Alert]] = {}
    for alert in alerts:
        grouped.setdefault((alert.store_id, alert.kind), []).append(alert)
    return [AlertBatch(kind=kind, store_id=store_id, alerts=tuple(sorted(group, key=lambda a: a.at)))
            for (store_id, kind), group in grouped.items()]


def recently_sent(entries: Sequence[ActivityEntry], since: datetime) -> set[AlertKind]:
    """The digested kinds sent to a store since ``since``, from its ``alert_sent`` entries."""
    kinds = set()
    for entry in entries:
        if entry.activity_type is ActivityType.ALERT_SENT and entry.created_at >= since:
            kind = entry.metadata.get("kind")
            if kind in {k.value for k in DIGESTED}:
                kinds.add(AlertKind(kind))
    return kinds


__all__ = [
    "ALERTING_ACTIVITY",
    "DIGESTED",
    "Alert",
    "AlertBatch",
    "AlertKind",
    "AlertPolicy",
    "Delivery",
    "Notifier",
    "StoreNotifier",
    "TargetOutcome",
    "alerts_of",
    "batches",
    "recently_sent",
]
