"""The system-wide token status (the original design's summary) and each store's token health."""

from __future__ import annotations

from datetime import datetime

import attrs

from pricing_core.ports import UnitOfWorkFactory
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

    def as_dict(self) -> dict[str, object]:
        """The JSON shape: the store, its state, and the original design's health fields."""
        return {
            "store_id": self.store.store_id,
            "store_name": self.store.store_name,
            "is_active": self.store.is_active,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "deactivation_reason": self.store.deactivation_reason,
            **self.health.as_dict(),
        }


@attrs.frozen(kw_only=True)
class TokenStatusReport:
    """The summary plus every store's health, ordered by store id."""

    summary: TokenStatusSummary
    stores: tuple[StoreTokenHealth, ...]


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
    rows = tuple(
        StoreTokenHealth(
            store=store,
            health=token_health(tokens, now, threshold_hours),
            expires_at=tokens.expires_at if tokens else None,
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
