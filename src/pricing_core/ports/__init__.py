"""The ports: everything the core needs from the world, as ``typing.Protocol``s, one module per concept.

Adapters implement them (``adapters/salla``, ``adapters/storage``, ...); each port has one
in-memory fake used by the unit tests and one contract suite in ``tests/contract`` that runs
against every implementation. All ports are synchronous: the use cases are plain functions,
runners call them from worker threads and the web app from its threadpool.

- ``salla``: Salla's accounts (OAuth), catalog, orders and webhooks APIs, and their values.
- ``competitors``, ``advisors``: competitor offers; optional price proposals.
- ``clock``, ``task_queue``, ``locks``, ``echoes``: time and ids, the runners' queue, per-store
  locks, the expected echoes of the prices we write.
- Storage: ``unit_of_work`` (the transaction and a store's scope of it) over the repositories of
  ``stores``, ``pricing_config``, ``products``, ``sales``, ``decisions``, ``activity``, ``alerts``,
  ``system``.

Every public name is importable from ``pricing_core.ports`` itself.
"""

from __future__ import annotations

from pricing_core.ports.activity import ActivityRepository
from pricing_core.ports.advisors import PricingAdvisor, StoreContext
from pricing_core.ports.alerts import AlertSettingsRepository
from pricing_core.ports.clock import Clock, IdFactory
from pricing_core.ports.competitors import CompetitorSource
from pricing_core.ports.decisions import DecisionRepository, RunInputRepository, RunRepository, checked_expected
from pricing_core.ports.echoes import PriceEchoes, echo_price_key
from pricing_core.ports.intents import IntentRepository
from pricing_core.ports.locks import StoreLocks
from pricing_core.ports.pricing_config import OverrideRepository, RuleRepository, SettingsRepository
from pricing_core.ports.products import OfferRepository, PriceHistoryRepository, ProductRepository
from pricing_core.ports.sales import SalesRepository
from pricing_core.ports.salla import (
    DEFAULT_SCOPE,
    ApplyReport,
    MerchantInfo,
    PriceUpdate,
    ProductPage,
    RejectedItem,
    SallaAuth,
    SallaCatalog,
    SallaOrders,
    SallaWebhooks,
)
from pricing_core.ports.stores import StoreRepository, SubscriptionRepository, TokenRepository
from pricing_core.ports.system import RetentionRepository, SystemSettingsRepository, WebhookInbox
from pricing_core.ports.task_queue import TaskQueue
from pricing_core.ports.unit_of_work import StoreScope, UnitOfWork, UnitOfWorkFactory, scope_of

__all__ = [
    "DEFAULT_SCOPE",
    "ActivityRepository",
    "AlertSettingsRepository",
    "ApplyReport",
    "Clock",
    "CompetitorSource",
    "DecisionRepository",
    "IdFactory",
    "IntentRepository",
    "MerchantInfo",
    "OfferRepository",
    "OverrideRepository",
    "PriceEchoes",
    "PriceHistoryRepository",
    "PriceUpdate",
    "PricingAdvisor",
    "ProductPage",
    "ProductRepository",
    "RejectedItem",
    "RetentionRepository",
    "RuleRepository",
    "RunInputRepository",
    "RunRepository",
    "SalesRepository",
    "SallaAuth",
    "SallaCatalog",
    "SallaOrders",
    "SallaWebhooks",
    "SettingsRepository",
    "StoreContext",
    "StoreLocks",
    "StoreRepository",
    "StoreScope",
    "SubscriptionRepository",
    "SystemSettingsRepository",
    "TaskQueue",
    "TokenRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "WebhookInbox",
    "checked_expected",
    "echo_price_key",
    "scope_of",
]
