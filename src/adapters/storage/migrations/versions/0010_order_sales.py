"""each order's part of the daily sales, and the time of the order webhook last applied per order

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27

Order webhooks (``order.created``, ``order.updated``, ``order.cancelled``, ...) keep the sales
history current between orders syncs. For an order seen twice (redelivered, updated, or read by
the sync too) to count once, each order's part of ``daily_sales`` is kept in ``order_sales`` and
replaced as a whole; ``order_versions`` holds Salla's time of the latest webhook applied per order,
so a late, older delivery is not applied over a newer one. No customer data. Days synced before
this revision have no per-order parts (the next sync of those days adds them). Both tables are
store-scoped, with row-level security on PostgreSQL like every store-scoped table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adapters.storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("order_sales", "order_versions")
_SCOPE = "current_setting('app.store_id', true)"
_VISIBLE = f"store_id = {_SCOPE} OR {_SCOPE} = '*'"


def upgrade() -> None:
    op.create_table(
        "order_sales",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("revenue", adapters.storage.types.Money(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.store_id"], name=op.f("fk_order_sales_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("store_id", "order_id", "product_id", "day", name=op.f("pk_order_sales")),
    )
    op.create_index("ix_order_sales_store_day", "order_sales", ["store_id", "day"], unique=False)
    op.create_table(
        "order_versions",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("seen_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.store_id"], name=op.f("fk_order_versions_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("store_id", "order_id", name=op.f("pk_order_versions")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            # FORCE: the policy binds the table owner too (the application's role usually owns its tables).
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY store_isolation ON {table} USING ({_VISIBLE}) WITH CHECK ({_VISIBLE})")


def downgrade() -> None:
    op.drop_table("order_versions")  # policies go with their tables
    op.drop_index("ix_order_sales_store_day", table_name="order_sales")
    op.drop_table("order_sales")
