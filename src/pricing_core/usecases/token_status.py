"""The system-wide token status (the original design's summary) and each store's token health.

Each store also carries its last store-event subscription check (``SubscriptionState``): a store
whose token is fine but that is not subscribed to ``product.price.updated`` never reacts to a
merchant's price change, which is the kind of gap an operator looks for here.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from pricing_core.ports import UnitOfWorkFactory
from pricing_core.store_events import SubscriptionState, subscription_gap
from pricing_core.stores import Store
from pricing_core.tokens import (
    TOKEN_EXPIRED,
    TOKEN_EXPIRES_SOON,
    TokenHealth,
    TokenStatusSummary,
    token_health,
)


@attrs.frozen(kw_only=True)
class StoreTokenHealth:
    """One store's token health, for the per-store table."""

    store: Store
    health: TokenHealth
    expires_at: datetime | None
    subscription: SubscriptionState | None = None

    @property
    def store_events_gap(self) -> str | None:
        """Why an active store does not receive every store event it needs (None: it does, or inactive)."""
        return subscription_gap(self.subscription) if self.store.is_active else None

    def as_dict(self) -> dict[str, object]:
        """The JSON shape: the store, its state, the original design's health fields, its store events."""
        return {
            "store_id": self.store.store_id,
            "store_name": self.store.store_name,
            "is_active": self.store.is_active,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "deactivation_reason": self.store.deactivation_reason,
            **self.health.as_dict(),
            "store_events": self.subscription.as_dict() if self.subscription else None,
            "store_events_gap": self.store_events_gap,
        }


@attrs.frozen(kw_only=True)
class TokenStatusReport:
    """The summary plus every store's health, ordered by store id."""

    summary: TokenStatusSummary
    stores: tuple[StoreTokenHealth, ...]

    @property
    def missing_store_events(self) -> tuple[StoreTokenHealth, ...]:
        """Active stores that lack a store-event subscription (or were never checked)."""
        return tuple(r for r in self.stores if r.store_events_gap is not None)


def summarize_token_status(
    uow_factory: UnitOfWorkFactory, now: datetime, *, threshold_hours: float = 24
) -> TokenStatusReport:
    """Count stores and classify the tokens of the active ones.

    ``tokens_expiring_soon``, ``tokens_expired`` and ``healthy_tokens`` count active stores only
    (an inactive store's token is dead whatever its date says), so for active stores with tokens
    they add up to the active count; an active store with no token is in none of the three.
    """
    with uow_factory() as uow:
        overview = uow.stores.token_overview()
        subscriptions = {state.store_id: state for state in uow.subscriptions.list_all()}
    rows = tuple(
        StoreTokenHealth(
            store=store,
            health=token_health(tokens, now, threshold_hours),
            expires_at=tokens.expires_at if tokens else None,
            subscription=subscriptions.get(store.store_id),
        )
        for store, tokens in overview
    )
    active = [r for r in rows if r.store.is_active]
    summary = TokenStatusSummary(
        total_stores=len(rows),
        active_stores=len(active),
        inactive_stores=len(rows) - len(active),
        tokens_expiring_soon=sum(1 for r in active if r.health.reason == TOKEN_EXPIRES_SOON),
        tokens_expired=sum(1 for r in active if r.health.reason == TOKEN_EXPIRED),
        healthy_tokens=sum(1 for r in active if r.health.healthy),
    )
    return TokenStatusReport(summary=summary, stores=rows)


__all__ = ["StoreTokenHealth", "TokenStatusReport", "summarize_token_status"]
