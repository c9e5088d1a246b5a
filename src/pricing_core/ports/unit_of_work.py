"""The transaction over every repository: a unit of work, a store's scope of it, and their factory."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from pricing_core.ports.activity import ActivityRepository
from pricing_core.ports.alerts import AlertSettingsRepository
from pricing_core.ports.decisions import DecisionRepository, RunInputRepository, RunRepository
from pricing_core.ports.intents import IntentRepository
from pricing_core.ports.pricing_config import OverrideRepository, RuleRepository, SettingsRepository
from pricing_core.ports.products import OfferRepository, PriceHistoryRepository, ProductRepository
from pricing_core.ports.sales import SalesRepository
from pricing_core.ports.stores import StoreRepository, SubscriptionRepository, TokenRepository
from pricing_core.ports.system import RetentionRepository, SystemSettingsRepository, WebhookInbox


class StoreScope(Protocol):
    """The repositories of one store. They cannot reach another store's rows."""

    store_id: str
    tokens: TokenRepository
    settings: SettingsRepository
    products: ProductRepository
    offers: OfferRepository
    decisions: DecisionRepository
    runs: RunRepository
    activity: ActivityRepository
    price_history: PriceHistoryRepository
    sales: SalesRepository
    run_inputs: RunInputRepository
    rules: RuleRepository
    overrides: OverrideRepository
    alerts: AlertSettingsRepository


class UnitOfWork(Protocol):
    """A transaction. Leaving the block without ``commit()`` rolls back.

    A unit of work opened for a store (``uow_factory(store_id)``) has ``store`` set to that
    store's scope; an unscoped one (``uow_factory()``) has ``store`` None and is for the
    cross-store sweep queries and system-wide records only.
    """

    stores: StoreRepository
    system_settings: SystemSettingsRepository
    webhooks: WebhookInbox
    system_activity: ActivityRepository
    retention: RetentionRepository
    subscriptions: SubscriptionRepository
    intents: IntentRepository
    store: StoreScope | None

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None:
        """Make everything done in this unit of work durable."""
        ...

    def rollback(self) -> None:
        """Discard everything not yet committed."""
        ...


class UnitOfWorkFactory(Protocol):
    """Opens units of work: ``uow_factory()`` unscoped, ``uow_factory(store_id)`` bound to one store."""

    def __call__(self, store_id: str | None = None) -> UnitOfWork: ...


def scope_of(uow: UnitOfWork) -> StoreScope:
    """The store scope of a store-bound unit of work (raises if the unit of work is unscoped)."""
    if uow.store is None:
        raise RuntimeError("this unit of work is not bound to a store; open it with uow_factory(store_id)")
    return uow.store


__all__ = [
    "StoreScope",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "scope_of",
]
