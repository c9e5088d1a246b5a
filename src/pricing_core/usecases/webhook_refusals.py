"""Record a verified webhook delivery that was refused as bad input, once per delivery.

Salla counts anything but 200/201 as a failure and delivers the same bytes again (three times,
about five minutes apart). A refusal is remembered in the webhook inbox under the delivery's
id, so each retry gets the same 4xx answer without a second log line, and logged with its
reason: on the store's activity log when the store is known, on the system log otherwise.
"""

from __future__ import annotations

from pricing_core.activity import ActivityType
from pricing_core.ports import Clock, UnitOfWorkFactory, scope_of

# The inbox's event column for a delivery whose event name could not be read.
UNREADABLE_EVENT = "(unreadable)"
MAX_REASON = 300


def record_refused_delivery(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    delivery_id: str,
    event: str | None,
    merchant_id: str | None,
    status: int,
    reason: str,
) -> bool:
    """Remember a refused delivery and log why; True the first time, False for a retry (nothing logged).

    ``event`` and ``merchant_id`` are what could be read of the delivery (None when unreadable);
    ``reason`` must already be safe to store (the parser renders bad values in ASCII).
    """
    reason = reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 3] + "..."
    name = event or UNREADABLE_EVENT
    now = clock.now()
    known = False
    if merchant_id is not None:
        with uow_factory(merchant_id) as peek:
            known = peek.stores.get(merchant_id) is not None
    # A system-wide entry needs an unscoped unit of work (row-level security refuses it in a
    # store-bound one); a known store's entry goes to that store's log.
    with uow_factory(merchant_id if known else None) as uow:
        if not uow.webhooks.record(delivery_id, event=name, store_id=merchant_id, at=now):
            return False
        log = scope_of(uow).activity if known else uow.system_activity
        log.log(
            ActivityType.WEBHOOK_REFUSED,
            f"Webhook {name} refused ({status}): {reason}",
            at=now,
            metadata={
                "event": name,
                "delivery_id": delivery_id,
                "store_id": merchant_id,
                "status": status,
                "reason": reason,
                "applied": False,
            },
        )
        uow.commit()
    return True


__all__ = ["UNREADABLE_EVENT", "record_refused_delivery"]
