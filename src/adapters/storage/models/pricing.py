"""What a store's sweeps read and decide.

Products, competitor offers, decisions, runs and what each priced from, price history, rules and
overrides.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)

from adapters.storage.models.base import SERIAL, STORE_ID, metadata, store_fk
from adapters.storage.types import Money, UTCDateTime

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
    store_fk(),
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
    store_fk(),
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
    store_fk(),
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

run_inputs = Table(
    "run_inputs",
    metadata,
    store_fk(),
    Column("run_id", String(64), ForeignKey("optimization_runs.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", String(64), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    # replay.input_json: the product snapshot, offers, last change and proposal, compactly.
    Column("data", JSON, nullable=False),
    PrimaryKeyConstraint("store_id", "run_id", "product_id"),
)

price_history = Table(
    "price_history",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    store_fk(),
    Column("product_id", String(64), nullable=False),
    Column("price", Money, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    Column("source", String(64), nullable=False),
    Index("ix_price_history_store_product_changed", "store_id", "product_id", "changed_at"),
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


__all__ = [
    "competitors",
    "optimization_runs",
    "price_history",
    "pricing_decisions",
    "pricing_rules",
    "product_overrides",
    "products",
    "run_inputs",
]
