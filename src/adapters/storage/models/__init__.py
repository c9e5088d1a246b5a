"""The schema, as SQLAlchemy Core tables. The migrations in ``migrations/versions`` create exactly this.

Tables of the original design keep their names (stores, products, competitors,
pricing_decisions, optimization_runs, activity_logs, system_settings); the service adds
store_tokens (encrypted), store_settings, processed_webhooks, price_history and
store_event_subscriptions (each store's last store-event subscription check), daily_sales and
sales_cursors (each store's sales history per product and day, and where its orders sync resumes),
order_sales and order_versions (each order's part of that history, and Salla's time of the order
webhook last applied),
run_inputs (what each run priced from, for replay), work_intents (work recorded before it is
queued, until it is done), store_alert_settings (a store's own alert targets, encrypted). Every
store-scoped table carries ``store_id`` and, on PostgreSQL, a row-level security policy
(see ``rls.py``).

The tables live by concept: ``stores``, ``pricing``, ``sales`` and ``operations``, on the shared
``base`` (the metadata); every table is importable from ``adapters.storage.models`` itself.
"""

from __future__ import annotations

from adapters.storage.models.base import metadata
from adapters.storage.models.operations import activity_logs, processed_webhooks, system_settings, work_intents
from adapters.storage.models.pricing import (
    competitors,
    optimization_runs,
    price_history,
    pricing_decisions,
    pricing_rules,
    product_overrides,
    products,
    run_inputs,
)
from adapters.storage.models.sales import daily_sales, order_sales, order_versions, sales_cursors
from adapters.storage.models.stores import (
    store_alert_settings,
    store_event_subscriptions,
    store_settings,
    store_tokens,
    stores,
)

# Tables with a store_id column get a row-level security policy on PostgreSQL.
STORE_SCOPED_TABLES = (
    "stores",
    "store_tokens",
    "store_settings",
    "products",
    "competitors",
    "pricing_decisions",
    "optimization_runs",
    "activity_logs",
    "price_history",
    "pricing_rules",
    "product_overrides",
    "store_alert_settings",
    "store_event_subscriptions",
    "daily_sales",
    "sales_cursors",
    "run_inputs",
    "work_intents",
    "order_sales",
    "order_versions",
)

__all__ = [
    "STORE_SCOPED_TABLES",
    "activity_logs",
    "competitors",
    "daily_sales",
    "metadata",
    "optimization_runs",
    "order_sales",
    "order_versions",
    "price_history",
    "pricing_decisions",
    "pricing_rules",
    "processed_webhooks",
    "product_overrides",
    "products",
    "run_inputs",
    "sales_cursors",
    "store_alert_settings",
    "store_event_subscriptions",
    "store_settings",
    "store_tokens",
    "stores",
    "system_settings",
    "work_intents",
]
