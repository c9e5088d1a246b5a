"""What the in-memory storage holds: the committed state, which each unit of work copies, and its writes.

A write is an ``Op``: a function of the state, applied to a unit of work's copy at once and
replayed on the committed state by ``commit()`` (see ``unit_of_work``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeAlias

import attrs

from pricing_core.activity import ActivityEntry
from pricing_core.alert_settings import StoreAlertSettings
from pricing_core.catalog import CompetitorOffer, PricePoint, Product
from pricing_core.decision import DecisionRecord
from pricing_core.errors import StoreNotFound
from pricing_core.intents import Intent
from pricing_core.overrides import ProductOverride
from pricing_core.replay import PricingInput
from pricing_core.rules import PricingRule
from pricing_core.runs import OptimizationRun
from pricing_core.sales import DailySales, OrderSale
from pricing_core.settings import TenantSettings
from pricing_core.store_events import SubscriptionState
from pricing_core.stores import Store
from pricing_core.tokens import TokenSet


@attrs.define
class SystemSetting:
    """One system-wide setting, as a ``system_settings`` row holds it."""

    value: str
    description: str
    secret: bool


@attrs.define
class State:
    """Everything stored. Outer containers are copied per unit of work; values are immutable."""

    stores: dict[str, Store] = attrs.Factory(dict)
    tokens: dict[str, TokenSet] = attrs.Factory(dict)
    settings: dict[str, TenantSettings] = attrs.Factory(dict)
    products: dict[str, dict[str, Product]] = attrs.Factory(dict)
    # (seq, store_id, product_id, offer); seq orders equal observation times by insertion
    offers: list[tuple[int, str, str, CompetitorOffer]] = attrs.Factory(list)
    decisions: dict[str, dict[str, DecisionRecord]] = attrs.Factory(dict)
    runs: dict[str, dict[str, OptimizationRun]] = attrs.Factory(dict)
    activity: list[ActivityEntry] = attrs.Factory(list)
    price_history: list[tuple[int, str, PricePoint]] = attrs.Factory(list)
    system_settings: dict[str, SystemSetting] = attrs.Factory(dict)
    webhooks: dict[str, tuple[str | None, datetime]] = attrs.Factory(dict)  # delivery id -> (store, received)
    subscriptions: dict[str, SubscriptionState] = attrs.Factory(dict)
    # store_id -> (product_id, day) -> DailySales
    sales: dict[str, dict[tuple[str, date], DailySales]] = attrs.Factory(dict)
    sales_resume: dict[str, date] = attrs.Factory(dict)
    # store_id -> order_id -> its parts of the daily sales, and Salla's time of what they show
    order_sales: dict[str, dict[str, tuple[OrderSale, ...]]] = attrs.Factory(dict)
    order_seen: dict[str, dict[str, datetime]] = attrs.Factory(dict)
    # (store_id, run_id) -> product_id -> input
    run_inputs: dict[tuple[str, str], dict[str, PricingInput]] = attrs.Factory(dict)
    rules: dict[str, tuple[PricingRule, ...]] = attrs.Factory(dict)
    overrides: dict[str, dict[str, ProductOverride]] = attrs.Factory(dict)
    intents: dict[str, Intent] = attrs.Factory(dict)  # key -> intent (pricing_core.intents)
    alerts: dict[str, StoreAlertSettings] = attrs.Factory(dict)

    def copy(self) -> State:
        """A copy a unit of work may write to without touching this one."""
        return State(
            stores=dict(self.stores),
            tokens=dict(self.tokens),
            settings=dict(self.settings),
            products={k: dict(v) for k, v in self.products.items()},
            offers=list(self.offers),
            decisions={k: dict(v) for k, v in self.decisions.items()},
            runs={k: dict(v) for k, v in self.runs.items()},
            activity=list(self.activity),
            price_history=list(self.price_history),
            system_settings={k: attrs.evolve(v) for k, v in self.system_settings.items()},
            webhooks=dict(self.webhooks),
            subscriptions=dict(self.subscriptions),
            sales={k: dict(v) for k, v in self.sales.items()},
            sales_resume=dict(self.sales_resume),
            order_sales={k: dict(v) for k, v in self.order_sales.items()},
            order_seen={k: dict(v) for k, v in self.order_seen.items()},
            run_inputs={k: dict(v) for k, v in self.run_inputs.items()},
            rules=dict(self.rules),
            overrides={k: dict(v) for k, v in self.overrides.items()},
            intents=dict(self.intents),
            alerts=dict(self.alerts),
        )


Op: TypeAlias = Callable[[State], Any]
"""One write: applied to a unit of work's copy now, replayed on the committed state at commit."""


def require_store(state: State, store_id: str) -> None:
    """Raise ``StoreNotFound`` unless ``store_id`` is stored."""
    # The SQL implementation has foreign keys to stores; the fake refuses the same writes.
    if store_id not in state.stores:
        raise StoreNotFound(f"store {store_id} does not exist")


__all__ = ["Op", "State", "SystemSetting", "require_store"]
