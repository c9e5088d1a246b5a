"""daily sales per product, the orders sync cursor, and each run's pricing inputs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

``daily_sales``: units and revenue of each product on each of the store's local days, filled
from Salla's orders (``usecases/sales_sync.py``); no customer data. ``sales_cursors``: the first
day each store's next orders sync reads again. ``run_inputs``: what each run priced each product
from (``pricing_core.replay.input_json``), deleted with its run. All three are store-scoped, with row-level security
on PostgreSQL like every store-scoped table (the policy text is repeated: a migration is frozen).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adapters.storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("daily_sales", "sales_cursors", "run_inputs")
_SCOPE = "current_setting('app.store_id', true)"
_VISIBLE = f"store_id = {_SCOPE} OR {_SCOPE} = '*'"


def upgrade() -> None:
    op.create_table(
        "daily_sales",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("revenue", adapters.storage.types.Money(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.store_id"], name=op.f("fk_daily_sales_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("store_id", "product_id", "day", name=op.f("pk_daily_sales")),
    )
    op.create_index("ix_daily_sales_store_day", "daily_sales", ["store_id", "day"], unique=False)
    op.create_table(
        "sales_cursors",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("resume_from", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.store_id"], name=op.f("fk_sales_cursors_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_sales_cursors")),
    )
    op.create_table(
        "run_inputs",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("decided_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["optimization_runs.id"], name=op.f("fk_run_inputs_run_id_optimization_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.store_id"], name=op.f("fk_run_inputs_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("store_id", "run_id", "product_id", name=op.f("pk_run_inputs")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            # FORCE: the policy binds the table owner too (the application's role usually owns its tables).
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY store_isolation ON {table} USING ({_VISIBLE}) WITH CHECK ({_VISIBLE})")


def downgrade() -> None:
    op.drop_table("run_inputs")  # policies go with their tables
    op.drop_table("sales_cursors")
    op.drop_index("ix_daily_sales_store_day", table_name="daily_sales")
    op.drop_table("daily_sales")
