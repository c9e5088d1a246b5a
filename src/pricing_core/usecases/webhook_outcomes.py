"""What handling one webhook delivery came to, and the log line of a delivery refused for what it says."""

from __future__ import annotations

from enum import StrEnum

from pricing_core.activity import ActivityType
from pricing_core.events import APP_SETTINGS_UPDATED, StoreEvent
from pricing_core.ports import Clock, UnitOfWork, scope_of


class WebhookOutcome(StrEnum):
    """What handling a delivery did."""

    PROCESSED = "processed"  # effects stored (and follow-up work enqueued)
    DUPLICATE = "duplicate"  # seen before: dropped
    IGNORED = "ignored"  # an event we do not act on, or for a store we do not know
    REJECTED = "rejected"  # understood but refused (invalid settings, malformed payload); logged
    # An ``app.store.authorize`` whose tokens Salla did not confirm as the delivery's merchant's
    # (user info answered 401, or named another store): logged, nothing stored, final.
    REFUSED = "refused"


def log_rejected(uow: UnitOfWork, clock: Clock, event: StoreEvent, why: str) -> None:
    """Log a rejected delivery on the store's log when the store exists, on the system log otherwise."""
    target = scope_of(uow).activity if uow.stores.get(event.store_id) is not None else uow.system_activity
    activity = ActivityType.SETTINGS_UPDATED if event.name == APP_SETTINGS_UPDATED else ActivityType.TOKENS_AUTHORIZED
    target.log(
        activity,
        f"Webhook {event.name} rejected: {why}",
        at=clock.now(),
        metadata={
            "applied": False,
            "event": event.name,
            "delivery_id": event.delivery_id,
            "store_id": event.store_id,
        },
    )


__all__ = ["WebhookOutcome", "log_rejected"]
