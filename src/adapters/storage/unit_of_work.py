"""The unit of work over SQLAlchemy Core: one connection, one transaction at a time.

A store-bound unit of work sets ``app.store_id`` for each of its transactions on PostgreSQL (the
row-level security wall, see ``rls.py``); its repositories also filter by store id themselves,
which is the only wall on SQLite. An unscoped one sets ``*``.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import Connection, Engine

from adapters.storage import cross_store, models, scoped
from adapters.storage.crypto import SecretBox
from adapters.storage.intents import SqlIntents
from adapters.storage.rls import ALL_STORES, SETTING
from pricing_core.errors import StoreNotFound
from pricing_core.ports import (
    ActivityRepository,
    AlertSettingsRepository,
    DecisionRepository,
    IntentRepository,
    OfferRepository,
    OverrideRepository,
    PriceHistoryRepository,
    ProductRepository,
    RetentionRepository,
    RuleRepository,
    RunInputRepository,
    RunRepository,
    SalesRepository,
    SettingsRepository,
    StoreRepository,
    StoreScope,
    SubscriptionRepository,
    SystemSettingsRepository,
    TokenRepository,
    WebhookInbox,
)

# Built once (checked by every first write of a transaction): building it cost more than running it.
_STORE_EXISTS = select(models.stores.c.store_id).where(models.stores.c.store_id == bindparam("store_id"))


class SqlUnitOfWorkFactory:
    """``UnitOfWorkFactory`` port over an engine. ``secrets`` encrypts tokens and secret settings."""

    def __init__(self, engine: Engine, secrets: SecretBox) -> None:
        self.engine = engine
        self.secrets = secrets

    def __call__(self, store_id: str | None = None) -> SqlUnitOfWork:
        """Open a unit of work (bound to ``store_id`` when given)."""
        return SqlUnitOfWork(self, None if store_id is None else str(store_id))


class SqlUnitOfWork:
    """``UnitOfWork`` port. Leaving the block without ``commit()`` rolls back.

    The connection is taken from the pool on first use and returned when the block ends; after
    ``commit()`` or ``rollback()`` the next statement starts a new transaction.
    """

    def __init__(self, factory: SqlUnitOfWorkFactory, store_id: str | None) -> None:
        self._factory = factory
        self.secrets = factory.secrets
        self.bound_store = store_id
        self._conn: Connection | None = None
        self._store_checked = False
        self.stores: StoreRepository = cross_store.SqlStores(self)
        self.system_settings: SystemSettingsRepository = cross_store.SqlSystemSettings(self)
        self.webhooks: WebhookInbox = cross_store.SqlWebhooks(self)
        self.system_activity: ActivityRepository = scoped.SqlActivity(self, None)
        self.retention: RetentionRepository = cross_store.SqlRetention(self)
        self.subscriptions: SubscriptionRepository = cross_store.SqlSubscriptions(self)
        self.intents: IntentRepository = SqlIntents(self)
        self.store: StoreScope | None = None if store_id is None else SqlStoreScope(self, store_id)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        """``postgresql`` or ``sqlite``."""
        return self._factory.engine.dialect.name

    @property
    def conn(self) -> Connection:
        """The connection, inside a transaction (begun, and scoped, on first use)."""
        if self._conn is None:
            self._conn = self._factory.engine.connect()
        if not self._conn.in_transaction():
            self._conn.begin()
            self._store_checked = False
            if self.dialect == "postgresql":
                self._conn.execute(
                    text("SELECT set_config(:name, :value, true)"),
                    # ``is None``, not falsiness: a bound store id must never widen to every store.
                    {"name": SETTING, "value": ALL_STORES if self.bound_store is None else self.bound_store},
                )
        return self._conn

    def commit(self) -> None:
        """Commit the current transaction."""
        if self._conn is not None and self._conn.in_transaction():
            self._conn.commit()

    def rollback(self) -> None:
        """Roll the current transaction back."""
        if self._conn is not None and self._conn.in_transaction():
            self._conn.rollback()

    def close(self) -> None:
        """Roll back anything uncommitted and return the connection to the pool."""
        if self._conn is not None:
            try:
                self.rollback()
            finally:
                self._conn.close()
                self._conn = None

    def require_store(self, store_id: str) -> None:
        """Raise ``StoreNotFound`` unless the store exists (checked once per transaction)."""
        conn = self.conn
        if self._store_checked:
            return
        found = conn.execute(_STORE_EXISTS, {"store_id": store_id}).first()
        if found is None:
            raise StoreNotFound(f"store {store_id} does not exist")
        self._store_checked = True


class SqlStoreScope:
    """``StoreScope`` port: repositories that read and write only ``store_id``'s rows."""

    def __init__(self, uow: SqlUnitOfWork, store_id: str) -> None:
        self.store_id = store_id
        self.tokens: TokenRepository = scoped.SqlTokens(uow, store_id)
        self.settings: SettingsRepository = scoped.SqlSettings(uow, store_id)
        self.products: ProductRepository = scoped.SqlProducts(uow, store_id)
        self.offers: OfferRepository = scoped.SqlOffers(uow, store_id)
        self.decisions: DecisionRepository = scoped.SqlDecisions(uow, store_id)
        self.runs: RunRepository = scoped.SqlRuns(uow, store_id)
        self.activity: ActivityRepository = scoped.SqlActivity(uow, store_id)
        self.price_history: PriceHistoryRepository = scoped.SqlPriceHistory(uow, store_id)
        self.sales: SalesRepository = scoped.SqlSales(uow, store_id)
        self.run_inputs: RunInputRepository = scoped.SqlRunInputs(uow, store_id)
        self.rules: RuleRepository = scoped.SqlRules(uow, store_id)
        self.overrides: OverrideRepository = scoped.SqlOverrides(uow, store_id)
        self.alerts: AlertSettingsRepository = scoped.SqlAlertSettings(uow, store_id)


__all__ = ["SqlStoreScope", "SqlUnitOfWork", "SqlUnitOfWorkFactory"]
