"""``app.installed`` and ``app.uninstalled``: a store appears, or leaves and is deactivated.

An install without tokens creates the store with default settings, waiting for its
``app.store.authorize`` (which may also have come first). An uninstall deactivates the store and
remembers Salla's time of it, so a late authorization created before it is told apart from a
reinstall (``usecases.store_authorization``).
"""

from __future__ import annotations

import attrs

from pricing_core.activity import ActivityType
from pricing_core.events import APP_INSTALLED, AppInstalled, AppUninstalled
from pricing_core.ports import Clock, MerchantInfo, UnitOfWork, scope_of
from pricing_core.settings import TenantSettings
from pricing_core.usecases.onboard import merge_store
from pricing_core.usecases.webhook_outcomes import WebhookOutcome


def app_installed(uow: UnitOfWork, clock: Clock, event: AppInstalled) -> WebhookOutcome:
    """Create the store with default settings, waiting for its tokens, unless it exists already."""
    store_id = event.store_id
    existing = uow.stores.get(store_id)
    if existing is not None:
        # Authorize came first (or this is a repeat install of a live store): nothing to add.
        # A deactivated store is reactivated by the tokens of ``app.store.authorize``, not here.
        return WebhookOutcome.PROCESSED
    now = clock.now()
    store = merge_store(None, MerchantInfo(merchant_id=store_id, store_name=""), at=now)
    uow.stores.upsert(store)
    scope = scope_of(uow)
    scope.settings.save(TenantSettings())
    scope.activity.log(
        ActivityType.STORE_ONBOARDED,
        f"Store {store_id} installed (app.installed); waiting for its tokens",
        at=now,
        metadata={
            "source": APP_INSTALLED,
            "created": True,
            "store_type": event.store_type,
            "app_scopes": list(event.app_scopes) if event.app_scopes is not None else None,
        },
    )
    return WebhookOutcome.PROCESSED


def app_uninstalled(uow: UnitOfWork, clock: Clock, event: AppUninstalled) -> WebhookOutcome:
    """Deactivate the store, remember Salla's time of the uninstall, and log it (unknown store: ignored)."""
    existing = uow.stores.get(event.store_id)
    if existing is None:
        return WebhookOutcome.IGNORED
    # Salla's time of the uninstall, so a late authorization created before it is told apart from
    # a reinstall. An unreadable time records nothing: the tokens check still refuses the old
    # tokens (Salla revokes them on uninstall), and a wrong guess could lock a reinstall out.
    when = event.occurred_at
    uninstalled_at = existing.uninstalled_at
    if when is not None and (uninstalled_at is None or when > uninstalled_at):
        uninstalled_at = when
    if not existing.is_active:
        if uninstalled_at != existing.uninstalled_at:
            uow.stores.upsert(attrs.evolve(existing, uninstalled_at=uninstalled_at))
        return WebhookOutcome.PROCESSED  # already inactive: keep the first reason
    now = clock.now()
    uow.stores.upsert(attrs.evolve(existing, is_active=False, deactivated_at=now,
                                   deactivation_reason="app uninstalled", uninstalled_at=uninstalled_at))
    scope_of(uow).activity.log(
        ActivityType.STORE_UNINSTALLED,
        "App uninstalled from the store; store deactivated",
        at=now,
        metadata={
            "uninstallation_date": event.uninstallation_date,
            "refunded": event.refunded,
        },
    )
    return WebhookOutcome.PROCESSED


__all__ = ["app_installed", "app_uninstalled"]
