"""pricing rules, product overrides, product grouping

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

Issue 12: ``pricing_rules`` and ``product_overrides`` (store-scoped, with the same row-level
security policy as the other store-scoped tables on PostgreSQL; the policy text is repeated
because a migration is frozen), the products' categories, brand and tags, which rules match on,
and the shipping a competitor's offer states.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adapters.storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEW_TABLES = ("pricing_rules", "product_overrides")
_SCOPE = "current_setting('app.store_id', true)"
_VISIBLE = f"store_id = {_SCOPE} OR {_SCOPE} = '*'"


def upgrade() -> None:
    op.create_table(
        "pricing_rules",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("match", sa.JSON(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["stores.store_id"], name=op.f("fk_pricing_rules_store_id_stores"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("store_id", "name", name=op.f("pk_pricing_rules")),
    )
    op.create_table(
        "product_overrides",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("excluded", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("fixed_price", adapters.storage.types.Money(), nullable=True),
        sa.Column("cost_price", adapters.storage.types.Money(), nullable=True),
        sa.Column("min_price", adapters.storage.types.Money(), nullable=True),
        sa.Column("max_price", adapters.storage.types.Money(), nullable=True),
        sa.Column("map_price", adapters.storage.types.Money(), nullable=True),
        sa.Column("updated_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["stores.store_id"],
                                name=op.f("fk_product_overrides_store_id_stores"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("store_id", "product_id", name=op.f("pk_product_overrides")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("categories", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("brand", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("tags", sa.JSON(), nullable=True))
    with op.batch_alter_table("competitors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shipping", adapters.storage.types.Money(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        for table in _NEW_TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY store_isolation ON {table} USING ({_VISIBLE}) WITH CHECK ({_VISIBLE})")


def downgrade() -> None:
    with op.batch_alter_table("competitors", schema=None) as batch_op:
        batch_op.drop_column("shipping")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("tags")
        batch_op.drop_column("brand")
        batch_op.drop_column("categories")
    op.drop_table("product_overrides")
    op.drop_table("pricing_rules")
