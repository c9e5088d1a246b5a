"""The unscoped repositories: stores and the sweep listings, system settings, webhooks, retention,
and the store-event subscription records.

On a store-bound unit of work they still see only that store's rows (the application-level
filter here, and RLS on PostgreSQL); cross-store work opens an unscoped unit of work.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, Table, bindparam, delete, func, select, update

from adapters.storage import models, rows
from adapters.storage.bulk import Upsert, insert_rows
from adapters.storage.session import StorageSession
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.errors import StoreNotFound
from pricing_core.runs import OptimizationRun, RunStatus
from pricing_core.settings import TenantSettings
from pricing_core.store_events import SubscriptionState
from pricing_core.stores import Store
from pricing_core.tokens import TokenSet

_STORE_UPDATE = tuple(c.name for c in models.stores.c if c.name != "store_id")
# Built once: every webhook reads its store, and building the query cost more than running it.
_STORE_BY_ID = select(models.stores).where(models.stores.c.store_id == bindparam("store_id"))


class _Unscoped:
    def __init__(self, uow: StorageSession) -> None:
        self._uow = uow

    def _visible(self, query: Select[Any], table: Table) -> Select[Any]:
        bound = self._uow.bound_store
        return query if bound is None else query.where(table.c.store_id == bound)


class SqlStores(_Unscoped):
    """``StoreRepository``."""

    def get(self, store_id: str) -> Store | None:
        bound = self._uow.bound_store
        if bound is not None and bound != str(store_id):
            return None  # another store's row is not visible to a store-bound unit of work
        row = self._uow.conn.execute(_STORE_BY_ID, {"store_id": str(store_id)}).mappings().first()
        return None if row is None else rows.store_from(row)

    def upsert(self, store: Store) -> None:
        bound = self._uow.bound_store
        if bound is not None and store.store_id != bound:
            raise ValueError(f"a unit of work bound to store {bound} cannot write store {store.store_id}")
        insert_rows(
            self._uow.conn, models.stores, [rows.store_row(store)], conflict=Upsert(("store_id",), _STORE_UPDATE)
        )

    def set_active(self, store_id: str, active: bool, *, reason: str | None, at: datetime) -> None:
        t = models.stores
        bound = self._uow.bound_store
        if bound is not None and str(store_id) != bound:
            return  # invisible from here, as a missing store is
        values: dict[str, object] = (
            {"is_active": True, "deactivated_at": None, "deactivation_reason": None}
            if active
            else {"is_active": False, "deactivated_at": at, "deactivation_reason": reason}
        )
        self._uow.conn.execute(update(t).where(t.c.store_id == str(store_id)).values(**values))

    def _ordered(self, query: Select[Any]) -> Select[Any]:
        return query.order_by(rows.by_code_point(models.stores.c.store_id, self._uow.dialect))

    def list_all(self) -> list[Store]:
        t = models.stores
        query = self._ordered(self._visible(select(t), t))
        return [rows.store_from(r) for r in self._uow.conn.execute(query).mappings()]

    def list_active_with_settings(self) -> list[tuple[Store, TenantSettings]]:
        t, s = models.stores, models.store_settings
        query = self._ordered(
            self._visible(select(t, s.c.settings).outerjoin(s, s.c.store_id == t.c.store_id), t).where(t.c.is_active)
        )
        return [
            (rows.store_from(r), rows.settings_from(r["store_id"], r["settings"]))
            for r in self._uow.conn.execute(query).mappings()
        ]

    def _with_tokens(self, query: Select[Any]) -> list[tuple[Store, TokenSet | None]]:
        secrets = self._uow.secrets
        result: list[tuple[Store, TokenSet | None]] = []
        for r in self._uow.conn.execute(self._ordered(query)).mappings():
            tokens = None
            if r["access_token_encrypted"] is not None:
                refresh = r["refresh_token_encrypted"]
                tokens = TokenSet(
                    access_token=secrets.decrypt(r["access_token_encrypted"]),
                    refresh_token=None if refresh is None else secrets.decrypt(refresh),
                    expires_at=r["expires_at"],
                    scope=r["scope"],
                    token_type=r["token_type"],
                )
            result.append((rows.store_from(r), tokens))
        return result

    def _token_query(self) -> Select[Any]:
        t, k = models.stores, models.store_tokens
        columns = [k.c.access_token_encrypted, k.c.refresh_token_encrypted, k.c.expires_at, k.c.scope, k.c.token_type]
        return self._visible(select(t, *columns).outerjoin(k, k.c.store_id == t.c.store_id), t)

    def tokens_expiring(self, before: datetime) -> list[tuple[Store, TokenSet]]:
        t, k = models.stores, models.store_tokens
        query = self._token_query().where(t.c.is_active, k.c.expires_at < before)
        return [(store, tokens) for store, tokens in self._with_tokens(query) if tokens is not None]

    def token_overview(self) -> list[tuple[Store, TokenSet | None]]:
        return self._with_tokens(self._token_query())

    def recent_failed_runs(self, limit: int = 20) -> list[OptimizationRun]:
        t = models.optimization_runs
        query = (
            self._visible(select(t), t)
            .where(t.c.status == RunStatus.FAILED.value)
            .order_by(t.c.started_at.desc(), rows.by_code_point(t.c.id, self._uow.dialect).desc())
            .limit(limit)
        )
        return [rows.run_from(r) for r in self._uow.conn.execute(query).mappings()]

    def stalled_decisions(
        self, statuses: Collection[DecisionStatus], updated_before: datetime, *, limit: int = 1000
    ) -> list[DecisionRecord]:
        t = models.pricing_decisions
        wanted = [DecisionStatus(s).value for s in statuses]
        if not wanted or limit <= 0:
            return []
        query = (
            self._visible(select(t), t)
            .where(t.c.status.in_(wanted), t.c.updated_at < updated_before)
            .order_by(t.c.updated_at, rows.by_code_point(t.c.id, self._uow.dialect))
            .limit(limit)
        )
        return [rows.decision_from(r) for r in self._uow.conn.execute(query).mappings()]

    def stalled_runs(self, progress_before: datetime, *, limit: int = 1000) -> list[OptimizationRun]:
        t = models.optimization_runs
        if limit <= 0:
            return []
        # Rows written before the heartbeat existed have none: their start is their last sign of life.
        progress = func.coalesce(t.c.updated_at, t.c.started_at)
        query = (
            self._visible(select(t), t)
            .where(t.c.status == RunStatus.RUNNING.value, progress < progress_before)
            .order_by(progress, rows.by_code_point(t.c.id, self._uow.dialect))
            .limit(limit)
        )
        return [rows.run_from(r) for r in self._uow.conn.execute(query).mappings()]


class SqlSystemSettings(_Unscoped):
    """``SystemSettingsRepository``: secret values are stored as Fernet tokens."""

    def get(self, key: str) -> str | None:
        t = models.system_settings
        row = self._uow.conn.execute(select(t).where(t.c.setting_key == key)).mappings().first()
        if row is None:
            return None
        value: str = row["setting_value"]
        return self._uow.secrets.decrypt(value) if row["is_secret"] else value

    def set(self, key: str, value: str, *, description: str = "", secret: bool = False) -> None:
        row = {
            "setting_key": key,
            "setting_value": self._uow.secrets.encrypt(value) if secret else value,
            "description": description,
            "is_secret": secret,
            "updated_at": datetime.now(UTC),
        }
        update_cols = ("setting_value", "description", "is_secret", "updated_at")
        insert_rows(self._uow.conn, models.system_settings, [row], conflict=Upsert(("setting_key",), update_cols))


class SqlWebhooks(_Unscoped):
    """``WebhookInbox``: a primary key on the delivery id makes ``record`` a single atomic insert."""

    def record(self, delivery_id: str, *, event: str, store_id: str | None, at: datetime) -> bool:
        row = {"delivery_id": delivery_id, "event": event, "store_id": store_id, "received_at": at}
        return insert_rows(self._uow.conn, models.processed_webhooks, [row], conflict="nothing") == 1


_SUBSCRIPTION_UPDATE = tuple(c.name for c in models.store_event_subscriptions.c if c.name != "store_id")


class SqlSubscriptions(_Unscoped):
    """``SubscriptionRepository``: one row per store, replaced by each check."""

    def get(self, store_id: str) -> SubscriptionState | None:
        t = models.store_event_subscriptions
        query = self._visible(select(t), t).where(t.c.store_id == str(store_id))
        row = self._uow.conn.execute(query).mappings().first()
        return None if row is None else _subscription_from(row)

    def save(self, state: SubscriptionState) -> None:
        bound = self._uow.bound_store
        if bound is not None and state.store_id != bound:
            raise ValueError(f"a unit of work bound to store {bound} cannot write store {state.store_id}")
        s = models.stores
        if self._uow.conn.execute(select(s.c.store_id).where(s.c.store_id == state.store_id)).first() is None:
            raise StoreNotFound(f"store {state.store_id} does not exist")
        row = {
            "store_id": state.store_id,
            "callback_url": state.callback_url,
            "subscribed": list(state.subscribed),
            "missing": list(state.missing),
            "checked_at": state.checked_at,
            "error": state.error,
            "scope_missing": state.scope_missing,
        }
        insert_rows(self._uow.conn, models.store_event_subscriptions, [row],
                    conflict=Upsert(("store_id",), _SUBSCRIPTION_UPDATE))

    def list_all(self) -> list[SubscriptionState]:
        t = models.store_event_subscriptions
        query = self._visible(select(t), t).order_by(rows.by_code_point(t.c.store_id, self._uow.dialect))
        return [_subscription_from(r) for r in self._uow.conn.execute(query).mappings()]


def _subscription_from(row: Any) -> SubscriptionState:
    return SubscriptionState(
        store_id=row["store_id"],
        callback_url=row["callback_url"],
        subscribed=tuple(str(e) for e in row["subscribed"]),
        missing=tuple(str(e) for e in row["missing"]),
        checked_at=row["checked_at"],
        error=row["error"],
        scope_missing=bool(row["scope_missing"]),
    )


class SqlRetention(_Unscoped):
    """``RetentionRepository``: deletes in batches of ``batch_size`` rows, each a bounded statement."""

    def delete_before(
        self,
        *,
        runs_before: datetime,
        activity_before: datetime,
        offers_before: datetime,
        batch_size: int = 1000,
    ) -> dict[str, int]:
        runs, activity, offers = models.optimization_runs, models.activity_logs, models.competitors
        return {
            "runs": self._delete(runs, runs.c.started_at < runs_before, batch_size),
            "activity": self._delete(activity, activity.c.created_at < activity_before, batch_size),
            "offers": self._delete(offers, offers.c.observed_at < offers_before, batch_size),
        }

    def delete_webhooks_before(self, received_before: datetime, *, batch_size: int = 1000) -> int:
        inbox = models.processed_webhooks
        return self._delete(inbox, inbox.c.received_at < received_before, batch_size, key=inbox.c.delivery_id)

    def _delete(self, table: Table, condition: Any, batch_size: int, *, key: Any = None) -> int:
        key = table.c.id if key is None else key
        deleted = 0
        while True:
            batch = self._visible(select(key).where(condition), table).limit(batch_size).scalar_subquery()
            count = self._uow.conn.execute(delete(table).where(key.in_(batch))).rowcount
            deleted += count
            if count < batch_size:
                return deleted


__all__ = ["SqlRetention", "SqlStores", "SqlSubscriptions", "SqlSystemSettings", "SqlWebhooks"]
