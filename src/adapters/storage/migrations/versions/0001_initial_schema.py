"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23

The original design's tables plus store_tokens, store_settings, processed_webhooks and
price_history; on PostgreSQL, row-level security on every store-scoped table (see
``adapters/storage/rls.py``: the policy text is repeated here because a migration is frozen).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adapters.storage.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "processed_webhooks",
        sa.Column("delivery_id", sa.String(length=255), nullable=False),
        sa.Column("event", sa.String(length=128), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=True),
        sa.Column("received_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_processed_webhooks")),
    )
    with op.batch_alter_table("processed_webhooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processed_webhooks_received_at"), ["received_at"], unique=False)

    op.create_table(
        "stores",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("store_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("plan", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("installed_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deactivated_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deactivation_reason", sa.Text(), nullable=True),
        sa.Column("last_run_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_stores")),
    )
    op.create_table(
        "system_settings",
        sa.Column("setting_key", sa.String(length=128), nullable=False),
        sa.Column("setting_value", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("is_secret", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("setting_key", name=op.f("pk_system_settings")),
    )
    op.create_table(
        "activity_logs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=True),
        sa.Column("activity_type", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.store_id"], name=op.f("fk_activity_logs_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_logs")),
    )
    with op.batch_alter_table("activity_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_logs_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_activity_logs_store_created", ["store_id", "created_at"], unique=False)

    op.create_table(
        "competitors",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("competitor_name", sa.String(length=255), nullable=False),
        sa.Column("price", adapters.storage.types.Money(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("in_stock", sa.Boolean(), nullable=False),
        sa.Column("confidence_score", adapters.storage.types.Money(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("is_own_store", sa.Boolean(), nullable=False),
        sa.Column("previous_price", adapters.storage.types.Money(), nullable=True),
        sa.Column("second_reading", adapters.storage.types.Money(), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("observed_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.store_id"], name=op.f("fk_competitors_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitors")),
    )
    with op.batch_alter_table("competitors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_competitors_observed_at"), ["observed_at"], unique=False)
        batch_op.create_index(
            "ix_competitors_store_product_observed", ["store_id", "product_id", "observed_at"], unique=False
        )

    op.create_table(
        "optimization_runs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("run_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("products_analyzed", sa.Integer(), nullable=False),
        sa.Column("products_updated", sa.Integer(), nullable=False),
        sa.Column("products_queued", sa.Integer(), nullable=False),
        sa.Column("products_skipped", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.store_id"], name=op.f("fk_optimization_runs_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_optimization_runs")),
    )
    with op.batch_alter_table("optimization_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_optimization_runs_started_at"), ["started_at"], unique=False)
        batch_op.create_index("ix_optimization_runs_store_started", ["store_id", "started_at"], unique=False)

    op.create_table(
        "price_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("price", adapters.storage.types.Money(), nullable=False),
        sa.Column("changed_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.store_id"], name=op.f("fk_price_history_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_history")),
    )
    with op.batch_alter_table("price_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_price_history_store_product_changed", ["store_id", "product_id", "changed_at"], unique=False
        )

    op.create_table(
        "pricing_decisions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("old_price", adapters.storage.types.Money(), nullable=False),
        sa.Column("suggested_price", adapters.storage.types.Money(), nullable=False),
        sa.Column("cost_price", adapters.storage.types.Money(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("strategy_used", sa.String(length=64), nullable=False),
        sa.Column("reference_price", adapters.storage.types.Money(), nullable=True),
        sa.Column("floor_price", adapters.storage.types.Money(), nullable=True),
        sa.Column("risk_level", sa.String(length=16), nullable=False),
        sa.Column("action_taken", sa.String(length=32), nullable=False),
        sa.Column("change_pct", adapters.storage.types.Money(), nullable=False),
        sa.Column("margin_pct_after", adapters.storage.types.Money(), nullable=True),
        sa.Column("offers_considered", sa.Integer(), nullable=False),
        sa.Column("offers_used", sa.Integer(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("decided_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=255), nullable=True),
        sa.Column("created_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.store_id"], name=op.f("fk_pricing_decisions_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pricing_decisions")),
        sa.UniqueConstraint("store_id", "idempotency_key", name=op.f("uq_pricing_decisions_store_id_idempotency_key")),
    )
    with op.batch_alter_table("pricing_decisions", schema=None) as batch_op:
        batch_op.create_index("ix_pricing_decisions_store_created", ["store_id", "created_at"], unique=False)
        batch_op.create_index("ix_pricing_decisions_store_product", ["store_id", "product_id"], unique=False)
        batch_op.create_index("ix_pricing_decisions_store_run", ["store_id", "run_id"], unique=False)
        batch_op.create_index("ix_pricing_decisions_store_status", ["store_id", "status"], unique=False)

    op.create_table(
        "products",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=True),
        sa.Column("name", sa.Text(), server_default="", nullable=False),
        sa.Column("price", adapters.storage.types.Money(), nullable=False),
        sa.Column("cost_price", adapters.storage.types.Money(), nullable=True),
        sa.Column("prices_include_vat", sa.Boolean(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("gtin", sa.String(length=64), nullable=True),
        sa.Column("variant_of", sa.String(length=64), nullable=True),
        sa.Column("is_tracked", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("last_seen_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.store_id"], name=op.f("fk_products_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("store_id", "product_id", name=op.f("pk_products")),
    )
    op.create_table(
        "store_settings",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.store_id"], name=op.f("fk_store_settings_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_store_settings")),
    )
    op.create_table(
        "store_tokens",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("access_token_encrypted", sa.Text(), nullable=False),
        sa.Column("refresh_token_encrypted", sa.Text(), nullable=True),
        sa.Column("expires_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("scope", sa.Text(), server_default="", nullable=False),
        sa.Column("token_type", sa.String(length=32), server_default="bearer", nullable=False),
        sa.Column("updated_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.store_id"], name=op.f("fk_store_tokens_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_store_tokens")),
    )
    with op.batch_alter_table("store_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_store_tokens_expires_at"), ["expires_at"], unique=False)

    _enable_row_level_security()


def downgrade() -> None:
    with op.batch_alter_table("store_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_store_tokens_expires_at"))

    op.drop_table("store_tokens")
    op.drop_table("store_settings")
    op.drop_table("products")
    with op.batch_alter_table("pricing_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_pricing_decisions_store_status")
        batch_op.drop_index("ix_pricing_decisions_store_run")
        batch_op.drop_index("ix_pricing_decisions_store_product")
        batch_op.drop_index("ix_pricing_decisions_store_created")

    op.drop_table("pricing_decisions")
    with op.batch_alter_table("price_history", schema=None) as batch_op:
        batch_op.drop_index("ix_price_history_store_product_changed")

    op.drop_table("price_history")
    with op.batch_alter_table("optimization_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_optimization_runs_store_started")
        batch_op.drop_index(batch_op.f("ix_optimization_runs_started_at"))

    op.drop_table("optimization_runs")
    with op.batch_alter_table("competitors", schema=None) as batch_op:
        batch_op.drop_index("ix_competitors_store_product_observed")
        batch_op.drop_index(batch_op.f("ix_competitors_observed_at"))

    op.drop_table("competitors")
    with op.batch_alter_table("activity_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_logs_store_created")
        batch_op.drop_index(batch_op.f("ix_activity_logs_created_at"))

    op.drop_table("activity_logs")
    op.drop_table("system_settings")
    op.drop_table("stores")
    with op.batch_alter_table("processed_webhooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_webhooks_received_at"))

    op.drop_table("processed_webhooks")


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
)
_SCOPE = "current_setting('app.store_id', true)"
_VISIBLE = f"store_id = {_SCOPE} OR {_SCOPE} = '*'"


def _enable_row_level_security() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no RLS; the repositories' own store filter is the wall there
    for table in STORE_SCOPED_TABLES:
        # FORCE: the policy binds the table owner too (the application's role usually owns its tables).
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        # A store-bound transaction may still write system-wide (store_id NULL) activity entries.
        writable = f"{_VISIBLE} OR store_id IS NULL" if table == "activity_logs" else _VISIBLE
        op.execute(f"CREATE POLICY store_isolation ON {table} USING ({_VISIBLE}) WITH CHECK ({writable})")
