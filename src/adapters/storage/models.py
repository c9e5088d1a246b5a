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
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)

from adapters.storage.types import Money, UTCDateTime

# Deterministic constraint names, so migrations can refer to them on both databases.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

STORE_ID = String(64)
# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
SERIAL = BigInteger().with_variant(Integer(), "sqlite")


def _store_fk() -> Column[str]:
    return Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE"), nullable=False)


stores = Table(
    "stores",
    metadata,
    Column("store_id", STORE_ID, primary_key=True),
    Column("store_name", String(255), nullable=False, server_default=""),
    Column("is_active", Boolean, nullable=False),
    Column("plan", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("domain", String(255)),
    Column("email", String(255)),
    Column("installed_at", UTCDateTime),
    Column("deactivated_at", UTCDateTime),
    Column("deactivation_reason", Text),
    Column("last_run_at", UTCDateTime),
    # Salla's time of the latest processed app.uninstalled (an older authorization is refused).
    Column("uninstalled_at", UTCDateTime),
)

store_tokens = Table(
    "store_tokens",
    metadata,
    Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE"), primary_key=True),
    # Fernet tokens (URL-safe base64 text); never the plaintext.
    Column("access_token_encrypted", Text, nullable=False),
    Column("refresh_token_encrypted", Text),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
    Column("scope", Text, nullable=False, server_default=""),
    Column("token_type", String(32), nullable=False, server_default="bearer"),
    Column("updated_at", UTCDateTime, nullable=False),
)

store_settings = Table(
    "store_settings",
    metadata,
    Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE"), primary_key=True),
    Column("settings", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", String(64), primary_key=True),
    Column("sku", String(128)),
    Column("name", Text, nullable=False, server_default=""),
    Column("price", Money, nullable=False),
    Column("cost_price", Money),
    Column("prices_include_vat", Boolean, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(32), nullable=False),
    Column("quantity", Integer),
    Column("gtin", String(64)),
    Column("variant_of", String(64)),
    # What pricing rules match on: category ids, brand id, tag names (JSON lists; NULL before migration 0002).
    Column("categories", JSON),
    Column("brand", String(255)),
    # Salla's names for them, for pages: {"categories": {id: name}, "brand": name} (migration 0009).
    Column("group_names", JSON),
    Column("tags", JSON),
    Column("is_tracked", Boolean, nullable=False, server_default=true()),
    Column("last_seen_at", UTCDateTime, nullable=False),
)

competitors = Table(
    "competitors",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    _store_fk(),
    Column("product_id", String(64), nullable=False),
    Column("competitor_name", String(255), nullable=False),
    Column("price", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("in_stock", Boolean, nullable=False),
    Column("confidence_score", Money, nullable=False),
    Column("url", Text),
    Column("is_own_store", Boolean, nullable=False),
    Column("previous_price", Money),
    Column("second_reading", Money),
    Column("source", String(64), nullable=False),
    Column("shipping", Money),
    Column("observed_at", UTCDateTime, nullable=False, index=True),
    Index("ix_competitors_store_product_observed", "store_id", "product_id", "observed_at"),
)

pricing_decisions = Table(
    "pricing_decisions",
    metadata,
    Column("id", String(64), primary_key=True),
    _store_fk(),
    # No foreign key: decisions are the audit trail and outlive their run (retention deletes runs).
    Column("run_id", String(64)),
    Column("idempotency_key", String(255), nullable=False),
    Column("product_id", String(64), nullable=False),
    Column("sku", String(128)),
    Column("name", Text, nullable=False),
    Column("old_price", Money, nullable=False),
    Column("suggested_price", Money, nullable=False),
    Column("cost_price", Money),
    Column("currency", String(3), nullable=False),
    Column("strategy_used", String(64), nullable=False),
    Column("reference_price", Money),
    Column("floor_price", Money),
    Column("risk_level", String(16), nullable=False),
    Column("action_taken", String(32), nullable=False),
    Column("change_pct", Money, nullable=False),
    Column("margin_pct_after", Money),
    Column("offers_considered", Integer, nullable=False),
    Column("offers_used", Integer, nullable=False),
    Column("explanation", JSON, nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("error", Text),
    Column("decided_by", String(255)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("store_id", "idempotency_key"),
    Index("ix_pricing_decisions_store_created", "store_id", "created_at"),
    Index("ix_pricing_decisions_store_status", "store_id", "status"),
    Index("ix_pricing_decisions_store_product", "store_id", "product_id"),
    Index("ix_pricing_decisions_store_run", "store_id", "run_id"),
    # The recovery loop's cross-store listing of decisions left APPLYING or APPROVED.
    Index("ix_pricing_decisions_status_updated", "status", "updated_at"),
)

optimization_runs = Table(
    "optimization_runs",
    metadata,
    Column("id", String(64), primary_key=True),
    _store_fk(),
    Column("run_type", String(16), nullable=False),
    Column("status", String(32), nullable=False),
    Column("started_at", UTCDateTime, nullable=False, index=True),
    Column("finished_at", UTCDateTime),
    Column("duration_seconds", Float),
    Column("products_analyzed", Integer, nullable=False),
    Column("products_updated", Integer, nullable=False),
    Column("products_queued", Integer, nullable=False),
    Column("products_skipped", Integer, nullable=False),
    Column("error", Text),
    # The key the run id derives from (resuming a run sends it again), the heartbeat a sweep moves
    # on every page, and how often the recovery loop resumed the run.
    Column("run_key", String(255)),
    Column("updated_at", UTCDateTime),
    Column("recoveries", Integer, nullable=False, server_default="0"),
    # Price writes Salla did not take for a transient reason, waiting for another attempt.
    Column("writes_pending", Integer, nullable=False, server_default="0"),
    Index("ix_optimization_runs_store_started", "store_id", "started_at"),
    Index("ix_optimization_runs_status_updated", "status", "updated_at"),
)

activity_logs = Table(
    "activity_logs",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    # NULL for system-wide entries (batch summaries).
    Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE")),
    Column("activity_type", String(64), nullable=False),
    Column("description", Text, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, index=True),
    Index("ix_activity_logs_store_created", "store_id", "created_at"),
)

price_history = Table(
    "price_history",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    _store_fk(),
    Column("product_id", String(64), nullable=False),
    Column("price", Money, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    Column("source", String(64), nullable=False),
    Index("ix_price_history_store_product_changed", "store_id", "product_id", "changed_at"),
)

daily_sales = Table(
    "daily_sales",
    metadata,
    _store_fk(),
    Column("product_id", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("units", Integer, nullable=False),
    Column("revenue", Money, nullable=False),
    PrimaryKeyConstraint("store_id", "product_id", "day"),
    Index("ix_daily_sales_store_day", "store_id", "day"),
)

run_inputs = Table(
    "run_inputs",
    metadata,
    _store_fk(),
    Column("run_id", String(64), ForeignKey("optimization_runs.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", String(64), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    # replay.input_json: the product snapshot, offers, last change and proposal, compactly.
    Column("data", JSON, nullable=False),
    PrimaryKeyConstraint("store_id", "run_id", "product_id"),
)

# Each order's part of the daily sales (the sync and order webhooks replace an order's part, so it counts once).
order_sales = Table(
    "order_sales",
    metadata,
    _store_fk(),
    Column("order_id", String(64), nullable=False),
    Column("product_id", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("units", Integer, nullable=False),
    Column("revenue", Money, nullable=False),
    PrimaryKeyConstraint("store_id", "order_id", "product_id", "day"),
    Index("ix_order_sales_store_day", "store_id", "day"),
)

# Salla's time of the latest order webhook applied per order: an older delivery arriving later is not applied.
order_versions = Table(
    "order_versions",
    metadata,
    _store_fk(),
    Column("order_id", String(64), nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("store_id", "order_id"),
)

sales_cursors = Table(
    "sales_cursors",
    metadata,
    Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE"), primary_key=True),
    # The first local day the next orders sync reads again (earlier days are final).
    Column("resume_from", Date, nullable=False),
)

pricing_rules = Table(
    "pricing_rules",
    metadata,
    Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("priority", Integer, nullable=False),
    # RuleMatch and the partial TenantSettings, as JSON (the core validates both when reading them back).
    Column("match", JSON, nullable=False),
    Column("settings", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

product_overrides = Table(
    "product_overrides",
    metadata,
    Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", String(64), primary_key=True),
    Column("excluded", Boolean, nullable=False, server_default=false()),
    Column("fixed_price", Money),
    Column("cost_price", Money),
    Column("min_price", Money),
    Column("max_price", Money),
    Column("map_price", Money),
    Column("updated_at", UTCDateTime, nullable=False),
)

store_alert_settings = Table(
    "store_alert_settings",
    metadata,
    Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE"), primary_key=True),
    # A Fernet token of the JSON list of the merchant's apprise URLs (they carry tokens and passwords).
    Column("targets_encrypted", Text, nullable=False),
    Column("language", String(8), nullable=False),
    Column("kinds", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

system_settings = Table(
    "system_settings",
    metadata,
    Column("setting_key", String(128), primary_key=True),
    # Plaintext, or a Fernet token when is_secret.
    Column("setting_value", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("is_secret", Boolean, nullable=False, server_default=false()),
    Column("updated_at", UTCDateTime, nullable=False),
)

processed_webhooks = Table(
    "processed_webhooks",
    metadata,
    Column("delivery_id", String(255), primary_key=True),
    Column("event", String(128), nullable=False),
    # No foreign key: a delivery may concern a store not installed (yet, or any more).
    Column("store_id", STORE_ID),
    Column("received_at", UTCDateTime, nullable=False, index=True),
)

store_event_subscriptions = Table(
    "store_event_subscriptions",
    metadata,
    Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE"), primary_key=True),
    Column("callback_url", Text, nullable=False),
    Column("subscribed", JSON, nullable=False),
    Column("missing", JSON, nullable=False),
    Column("checked_at", UTCDateTime, nullable=False),
    Column("error", Text),
    Column("scope_missing", Boolean, nullable=False, server_default=false()),
)

work_intents = Table(
    "work_intents",
    metadata,
    # pricing_core.intents: the work a command stands for, from before it is queued until it is done.
    Column("key", String(255), primary_key=True),
    # No foreign key: the intent is recorded whether or not the store is (still) there; its worker
    # drops work for a missing store. Null for the scheduler's ticks.
    Column("store_id", STORE_ID, index=True),
    Column("command", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("dispatched_at", UTCDateTime, nullable=False),
    Column("taken_at", UTCDateTime),
    Column("recoveries", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Index("ix_work_intents_status_dispatched", "status", "dispatched_at"),
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
