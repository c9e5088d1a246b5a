"""Storage of the stores themselves: the store rows (and the cross-store listings), tokens, event subscriptions."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.runs import OptimizationRun
from pricing_core.settings import TenantSettings
from pricing_core.store_events import SubscriptionState
from pricing_core.stores import Store
from pricing_core.tokens import TokenSet


class StoreRepository(Protocol):
    """The stores table and the few cross-store queries (sweep listings, token expiry, operator view)."""

    def get(self, store_id: str) -> Store | None:
        """One store, or None."""
        ...

    def upsert(self, store: Store) -> None:
        """Create the store or replace its row (the Salla merchant id is the key)."""
        ...

    def set_active(self, store_id: str, active: bool, *, reason: str | None, at: datetime) -> None:
        """Activate or deactivate a store, recording the reason and time of a deactivation."""
        ...

    def list_all(self) -> list[Store]:
        """Every store, ordered by store id."""
        ...

    def list_active_with_settings(self) -> list[tuple[Store, TenantSettings]]:
        """Active stores with their settings, ordered by store id (the sweep listing)."""
        ...

    def tokens_expiring(self, before: datetime) -> list[tuple[Store, TokenSet]]:
        """Active stores whose access token expires before ``before`` (expired ones included)."""
        ...

    def token_overview(self) -> list[tuple[Store, TokenSet | None]]:
        """Every store with its tokens (for the token summary and the operator view)."""
        ...

    def recent_failed_runs(self, limit: int = 20) -> list[OptimizationRun]:
        """Failed runs of every store, newest first (operator view)."""
        ...

    def stalled_decisions(
        self, statuses: Collection[DecisionStatus], updated_before: datetime, *, limit: int = 1000
    ) -> list[DecisionRecord]:
        """Decisions of every store in one of ``statuses`` and last moved before ``updated_before``.

        Oldest ``updated_at`` first, at most ``limit`` (the recovery loop's listing of work left
        in flight: APPLYING, APPROVED).
        """
        ...

    def stalled_runs(self, progress_before: datetime, *, limit: int = 1000) -> list[OptimizationRun]:
        """RUNNING runs of every store whose last progress (``last_progress_at``) is before ``progress_before``.

        Oldest progress first, at most ``limit`` (the recovery loop's listing of runs whose process
        may have died).
        """
        ...


class TokenRepository(Protocol):
    """One store's tokens, encrypted at rest by the real implementation."""

    def get(self) -> TokenSet | None:
        """The store's tokens, or None before the first authorization."""
        ...

    def save(self, tokens: TokenSet) -> None:
        """Replace both tokens."""
        ...


class SubscriptionRepository(Protocol):
    """The last store-event subscription check of each store (``SubscriptionState``).

    On a store-bound unit of work only that store's record is visible, as for ``stores``.
    """

    def get(self, store_id: str) -> SubscriptionState | None:
        """The store's last check, or None when never checked."""
        ...

    def save(self, state: SubscriptionState) -> None:
        """Replace the store's record (the store must exist)."""
        ...

    def list_all(self) -> list[SubscriptionState]:
        """Every visible record, ordered by store id."""
        ...


__all__ = [
    "StoreRepository",
    "SubscriptionRepository",
    "TokenRepository",
]
