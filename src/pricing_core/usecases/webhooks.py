"""Handle one Salla webhook delivery, as a domain event (``pricing_core.events``).

Deliveries are at least once and unordered. Each one is recorded in the webhook inbox in the
same transaction as its effects, so a delivery counts as processed exactly when what it changed
is stored, and a repeat is dropped. Work that is slow or talks to Salla (repricing) is enqueued
after the commit. The Salla adapter turns a verified delivery into its event
(``adapters.salla.events.to_domain_event``); each kind of event has its use case:

- ``StoreAuthorized``: ``usecases.store_authorization`` (token ownership, then the store and its tokens).
- ``AppInstalled``, ``AppUninstalled``: ``usecases.app_installation``.
- ``SettingsUpdated``: ``usecases.settings_from_salla``.
- ``ProductPriceChanged``: ``usecases.price_events`` (reprice, unless it is our own echo).
- ``OrderChanged``: ``usecases.order_events`` (the order's part of the daily sales, counted once).
- ``MalformedEvent``: rejected and logged; ``UnhandledEvent``: ignored. Both are recorded.
"""

from __future__ import annotations

from pricing_core.commands import Command
from pricing_core.events import (
    APP_INSTALLED,
    APP_SETTINGS_UPDATED,
    APP_STORE_AUTHORIZE,
    APP_UNINSTALLED,
    HANDLED_EVENTS,
    PRODUCT_PRICE_UPDATED,
    AppInstalled,
    AppUninstalled,
    DomainEvent,
    MalformedEvent,
    OrderChanged,
    ProductPriceChanged,
    SettingsUpdated,
    StoreAuthorized,
)
from pricing_core.ports import Clock, TaskQueue, UnitOfWork, UnitOfWorkFactory
from pricing_core.usecases.app_installation import app_installed, app_uninstalled
from pricing_core.usecases.order_events import order_changed
from pricing_core.usecases.price_events import product_price_changed
from pricing_core.usecases.settings_from_salla import settings_updated
from pricing_core.usecases.store_authorization import Ownership, UserInfo, authorize, check_ownership, log_refused
from pricing_core.usecases.webhook_outcomes import WebhookOutcome, log_rejected

# The events that may create a store: a malformed one is logged even for a store we do not know.
_STORE_CREATING = frozenset({APP_STORE_AUTHORIZE, APP_INSTALLED})


def handle_webhook_event(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    clock: Clock,
    event: DomainEvent,
    *,
    user_info: UserInfo,
) -> WebhookOutcome:
    """Apply one delivery exactly once; returns what happened.

    Token ownership: the tokens of a ``StoreAuthorized`` are accepted only after ``user_info``
    called with them (``SallaAuth.user_info``, before the transaction: it is network I/O) names
    the event's store. A token Salla refuses (401) or that belongs to another store is
    ``REFUSED``: recorded in the inbox and the system log (both store ids, never the tokens),
    nothing stored. When user info cannot be read (Salla unavailable, rate limited, unreadable
    answer) the error is logged and raised, and nothing is recorded, so Salla's redelivery of the
    same event is processed afresh.
    """
    ownership = check_ownership(uow_factory, clock, event, user_info) if isinstance(event, StoreAuthorized) else None
    followups: list[Command] = []
    with uow_factory(event.store_id) as uow:
        if not uow.webhooks.record(event.delivery_id, event=event.name, store_id=event.store_id, at=clock.now()):
            return WebhookOutcome.DUPLICATE
        outcome = _apply(uow, clock, event, ownership, followups)
        # Commit also for ignored and rejected deliveries: the inbox must remember them.
        uow.commit()
    for command in followups:
        queue.dispatch(command)
    return outcome


def _apply(
    uow: UnitOfWork,
    clock: Clock,
    event: DomainEvent,
    ownership: Ownership | None,
    followups: list[Command],
) -> WebhookOutcome:
    match event:
        case StoreAuthorized() if ownership is not None:
            if ownership.merchant is None:
                log_refused(uow, clock, event, ownership)
                return WebhookOutcome.REFUSED
            return authorize(uow, clock, event, ownership.merchant, followups)
        case AppInstalled():
            return app_installed(uow, clock, event)
        case AppUninstalled():
            return app_uninstalled(uow, clock, event)
        case SettingsUpdated():
            return settings_updated(uow, clock, event, followups)
        case ProductPriceChanged():
            return product_price_changed(uow, event, followups)
        case OrderChanged():
            return order_changed(uow, clock, event)
        case MalformedEvent():
            return _malformed(uow, clock, event)
    return WebhookOutcome.IGNORED  # an UnhandledEvent


def _malformed(uow: UnitOfWork, clock: Clock, event: MalformedEvent) -> WebhookOutcome:
    """Log a payload we cannot use; like its well-formed kind, only install events speak of unknown stores."""
    if event.name not in _STORE_CREATING and uow.stores.get(event.store_id) is None:
        return WebhookOutcome.IGNORED
    log_rejected(uow, clock, event, event.reason)
    return WebhookOutcome.REJECTED


__all__ = [
    "APP_INSTALLED",
    "APP_SETTINGS_UPDATED",
    "APP_STORE_AUTHORIZE",
    "APP_UNINSTALLED",
    "HANDLED_EVENTS",
    "PRODUCT_PRICE_UPDATED",
    "UserInfo",
    "WebhookOutcome",
    "handle_webhook_event",
]
