"""The unscoped repositories in memory: stores and the sweep listings, system settings, the webhook
inbox, store-event subscriptions and retention (as ``adapters/storage/cross_store.py``).

On a store-bound unit of work they still see only that store's rows, as on PostgreSQL where
row-level security applies to the whole transaction; cross-store work opens an unscoped one.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import attrs

from adapters.memory.storage.session import MemorySession
from adapters.memory.storage.state import State, SystemSetting, require_store
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.runs import OptimizationRun, RunStatus
from pricing_core.settings import TenantSettings
from pricing_core.store_events import SubscriptionState
from pricing_core.stores import Store
from pricing_core.tokens import TokenSet


class MemoryStores:
    """``StoreRepository`` in memory, with the sweep listings across stores."""

    def __init__(self, uow: MemorySession) -> None:
        self._uow = uow

    def _visible(self, store_id: str) -> bool:
        return self._uow.bound_store is None or self._uow.bound_store == store_id

    def get(self, store_id: str) -> Store | None:
        store_id = str(store_id)
        return self._uow.read().stores.get(store_id) if self._visible(store_id) else None

    def upsert(self, store: Store) -> None:
        if not self._visible(store.store_id):
            raise ValueError(
                f"a unit of work bound to store {self._uow.bound_store} cannot write store {store.store_id}"
            )

        def op(state: State) -> None:
            state.stores[store.store_id] = store

        self._uow.write(op)

    def set_active(self, store_id: str, active: bool, *, reason: str | None, at: datetime) -> None:
        store_id = str(store_id)
        if not self._visible(store_id):
            return  # invisible from here, as a missing store is

        def op(state: State) -> None:
            current = state.stores.get(store_id)
            if current is None:
                return
            if active:
                state.stores[store_id] = attrs.evolve(
                    current, is_active=True, deactivated_at=None, deactivation_reason=None
                )
            else:
                state.stores[store_id] = attrs.evolve(
                    current, is_active=False, deactivated_at=at, deactivation_reason=reason
                )

        self._uow.write(op)

    def list_all(self) -> list[Store]:
        stores = self._uow.read().stores
        return [stores[k] for k in sorted(stores) if self._visible(k)]

    def list_active_with_settings(self) -> list[tuple[Store, TenantSettings]]:
        state = self._uow.read()
        return [
            (store, state.settings.get(store.store_id, TenantSettings()))
            for store in self.list_all()
            if store.is_active
        ]

    def tokens_expiring(self, before: datetime) -> list[tuple[Store, TokenSet]]:
        state = self._uow.read()
        result = []
        for store in self.list_all():
            tokens = state.tokens.get(store.store_id)
            if store.is_active and tokens is not None and tokens.expires_at < before:
                result.append((store, tokens))
        return result

    def token_overview(self) -> list[tuple[Store, TokenSet | None]]:
        state = self._uow.read()
        return [(store, state.tokens.get(store.store_id)) for store in self.list_all()]

    def recent_failed_runs(self, limit: int = 20) -> list[OptimizationRun]:
        runs = [r for by_id in self._uow.read().runs.values() for r in by_id.values()]
        failed = [r for r in runs if r.status is RunStatus.FAILED and self._visible(r.store_id)]
        return sorted(failed, key=lambda r: (r.started_at, r.id), reverse=True)[:limit]

    def stalled_decisions(
        self, statuses: Collection[DecisionStatus], updated_before: datetime, *, limit: int = 1000
    ) -> list[DecisionRecord]:
        wanted = {DecisionStatus(s) for s in statuses}
        found = [
            r
            for store_id, by_id in self._uow.read().decisions.items()
            if self._visible(store_id)
            for r in by_id.values()
            if r.status in wanted and r.updated_at < updated_before
        ]
        return sorted(found, key=lambda r: (r.updated_at, r.id))[: max(limit, 0)]

    def stalled_runs(self, progress_before: datetime, *, limit: int = 1000) -> list[OptimizationRun]:
        found = [
            r
            for store_id, by_id in self._uow.read().runs.items()
            if self._visible(store_id)
            for r in by_id.values()
            if r.status is RunStatus.RUNNING and r.last_progress_at < progress_before
        ]
        return sorted(found, key=lambda r: (r.last_progress_at, r.id))[: max(limit, 0)]


class MemorySystemSettings:
    """``SystemSettingsRepository`` in memory (nothing to encrypt: the process holds the values)."""

    def __init__(self, uow: MemorySession) -> None:
        self._uow = uow

    def get(self, key: str) -> str | None:
        row = self._uow.read().system_settings.get(key)
        return None if row is None else row.value

    def set(self, key: str, value: str, *, description: str = "", secret: bool = False) -> None:
        def op(state: State) -> None:
            state.system_settings[key] = SystemSetting(value, description, secret)

        self._uow.write(op)


class MemoryWebhooks:
    """``WebhookInbox`` in memory: a delivery id is recorded once."""

    def __init__(self, uow: MemorySession) -> None:
        self._uow = uow

    def record(self, delivery_id: str, *, event: str, store_id: str | None, at: datetime) -> bool:
        if delivery_id in self._uow.read().webhooks:
            return False

        def op(state: State) -> None:
            state.webhooks[delivery_id] = (store_id, at)

        self._uow.write(op)
        return True


class MemorySubscriptions:
    """``SubscriptionRepository`` in memory: one subscription check per store."""

    def __init__(self, uow: MemorySession) -> None:
        self._uow = uow

    def _visible(self, store_id: str) -> bool:
        return self._uow.bound_store is None or self._uow.bound_store == store_id

    def get(self, store_id: str) -> SubscriptionState | None:
        store_id = str(store_id)
        return self._uow.read().subscriptions.get(store_id) if self._visible(store_id) else None

    def save(self, state: SubscriptionState) -> None:
        if not self._visible(state.store_id):
            raise ValueError(
                f"a unit of work bound to store {self._uow.bound_store} cannot write store {state.store_id}"
            )
        require_store(self._uow.read(), state.store_id)

        def op(state_: State) -> None:
            state_.subscriptions[state.store_id] = state

        self._uow.write(op)

    def list_all(self) -> list[SubscriptionState]:
        subscriptions = self._uow.read().subscriptions
        return [subscriptions[k] for k in sorted(subscriptions) if self._visible(k)]


class MemoryRetention:
    """``RetentionRepository`` in memory (``batch_size`` is moot: one pass deletes everything old)."""

    def __init__(self, uow: MemorySession) -> None:
        self._uow = uow

    def delete_before(
        self,
        *,
        runs_before: datetime,
        activity_before: datetime,
        offers_before: datetime,
        batch_size: int = 1000,
    ) -> dict[str, int]:
        bound = self._uow.bound_store

        def mine(store_id: str | None) -> bool:
            return bound is None or store_id == bound

        def op(state: State) -> dict[str, int]:
            runs = 0
            for store_id, by_id in list(state.runs.items()):
                if not mine(store_id):
                    continue
                kept = {k: r for k, r in by_id.items() if r.started_at >= runs_before}
                runs += len(by_id) - len(kept)
                state.runs[store_id] = kept
                for run_id in set(by_id) - set(kept):  # as the SQL foreign key cascades
                    state.run_inputs.pop((store_id, run_id), None)
            activity = [e for e in state.activity if e.created_at >= activity_before or not mine(e.store_id)]
            offers = [row for row in state.offers if row[3].observed_at >= offers_before or not mine(row[1])]
            counts = {
                "runs": runs,
                "activity": len(state.activity) - len(activity),
                "offers": len(state.offers) - len(offers),
            }
            state.activity, state.offers = activity, offers
            return counts

        counts: dict[str, int] = self._uow.write(op)
        return counts

    def delete_webhooks_before(self, received_before: datetime, *, batch_size: int = 1000) -> int:
        bound = self._uow.bound_store

        def op(state: State) -> int:
            old = [k for k, (store_id, at) in state.webhooks.items()
                   if at < received_before and (bound is None or store_id == bound)]
            for key in old:
                del state.webhooks[key]
            return len(old)

        deleted: int = self._uow.write(op)
        return deleted


__all__ = ["MemoryRetention", "MemoryStores", "MemorySubscriptions", "MemorySystemSettings", "MemoryWebhooks"]
