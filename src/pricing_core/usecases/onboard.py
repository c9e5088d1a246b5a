"""Onboard a store: create or update it from a fresh token set and what Salla says about the merchant.

Both install paths end here: the custom-mode OAuth callback (tokens from the code exchange,
merchant from ``/oauth2/user/info``) and the easy-mode ``app.store.authorize`` webhook (tokens in
the payload, merchant confirmed through ``/oauth2/user/info`` with those tokens). Re-onboarding
a known store rotates its tokens and reactivates it (a reinstall after an uninstall or a revoked
refresh chain). Every onboarding is followed by a check of the store's store-event subscriptions
(``EnsureStoreEvents``): new tokens may carry the scope a previous install lacked.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from pricing_core.activity import ActivityType
from pricing_core.commands import Command, EnsureStoreEvents, SweepStoreNow
from pricing_core.ports import Clock, MerchantInfo, TaskQueue, UnitOfWork, UnitOfWorkFactory, scope_of
from pricing_core.settings import TenantSettings
from pricing_core.stores import Store
from pricing_core.tokens import TokenSet


@attrs.frozen(kw_only=True)
class OnboardResult:
    """What onboarding did: the stored store, and whether it was new or came back from inactive."""

    store: Store
    created: bool
    reactivated: bool
    first_tokens: bool = False

    @property
    def needs_first_sweep(self) -> bool:
        """New, reinstalled, or authorized for the first time (``app.installed`` came first)."""
        return self.created or self.reactivated or self.first_tokens

    def followups(self) -> list[Command]:
        """What to dispatch once the onboarding is committed: the first sweep when needed (``SweepStoreNow``
        runs whatever the schedule and the automation mode say, as a merchant who just installed
        expects), and the store-event subscription check after every authorization."""
        store_id = self.store.store_id
        commands: list[Command] = []
        if self.needs_first_sweep:
            commands.append(SweepStoreNow(store_id=store_id))
        commands.append(EnsureStoreEvents(store_id=store_id))
        return commands


def merge_store(existing: Store | None, merchant: MerchantInfo, *, at: datetime) -> Store:
    """The active store row after an install: new values win, blanks keep what was known before."""
    if existing is None:
        return Store(
            store_id=merchant.merchant_id,
            store_name=merchant.store_name,
            is_active=True,
            plan=merchant.plan,
            currency=merchant.currency,
            domain=merchant.domain,
            email=merchant.email,
            installed_at=at,
        )
    return attrs.evolve(
        existing,
        store_name=merchant.store_name or existing.store_name,
        plan=merchant.plan if merchant.plan else existing.plan,
        currency=merchant.currency or existing.currency,
        domain=merchant.domain or existing.domain,
        email=merchant.email or existing.email,
        # A reinstall starts a new installation; an update of an active store keeps the date.
        installed_at=at if not existing.is_active or existing.installed_at is None else existing.installed_at,
        is_active=True,
        deactivated_at=None,
        deactivation_reason=None,
    )


def onboard_in(
    uow: UnitOfWork, clock: Clock, *, tokens: TokenSet, merchant: MerchantInfo, source: str
) -> OnboardResult:
    """Onboard inside an open store-bound unit of work (the caller commits).

    Used by :func:`onboard_store` and by the webhook handler, which records the delivery in the
    same transaction so a delivery is marked processed exactly when its effects are stored.
    """
    scope = scope_of(uow)
    if scope.store_id != merchant.merchant_id:
        raise ValueError(f"unit of work is bound to store {scope.store_id}, not {merchant.merchant_id}")
    now = clock.now()
    existing = uow.stores.get(merchant.merchant_id)
    store = merge_store(existing, merchant, at=now)
    created = existing is None
    reactivated = existing is not None and not existing.is_active
    first_tokens = existing is not None and scope.tokens.get() is None
    uow.stores.upsert(store)
    scope.tokens.save(tokens)
    if created:
        # Persist the safe defaults explicitly, so the settings row exists from day one.
        scope.settings.save(TenantSettings())
    if created or reactivated:
        how = "installed" if created else "reinstalled"
        scope.activity.log(
            ActivityType.STORE_ONBOARDED,
            f"Store {store.store_name or store.store_id} {how} ({source})",
            at=now,
            metadata={"source": source, "plan": store.plan, "created": created, "reactivated": reactivated},
        )
    scope.activity.log(
        ActivityType.TOKENS_AUTHORIZED,
        f"OAuth tokens authorized ({source}); access token valid until {tokens.expires_at.isoformat()}",
        at=now,
        metadata={
            "source": source,
            "scope": tokens.scope,
            "expires_at": tokens.expires_at,
            "has_refresh_token": tokens.refresh_token is not None,
        },
    )
    return OnboardResult(store=store, created=created, reactivated=reactivated, first_tokens=first_tokens)


def onboard_store(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    clock: Clock,
    *,
    tokens: TokenSet,
    merchant: MerchantInfo,
    source: str = "oauth",
) -> OnboardResult:
    """Create or update the store, save its tokens (encrypted by the storage adapter), log, and
    dispatch its first sweep when it is new, back from inactive, or authorized for the first time,
    and the check of its store-event subscriptions."""
    with uow_factory(merchant.merchant_id) as uow:
        result = onboard_in(uow, clock, tokens=tokens, merchant=merchant, source=source)
        uow.commit()
    # After the commit: the worker must find the store and its tokens.
    for command in result.followups():
        queue.dispatch(command)
    return result


__all__ = ["OnboardResult", "merge_store", "onboard_in", "onboard_store"]
