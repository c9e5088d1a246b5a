"""product group names: Salla's names of a product's categories and brand

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

Issue 13: the catalog snapshot kept the category and brand ids only (what pricing rules match
on), so pages showed ids. ``products.group_names`` keeps the names Salla gives with them
(``{"categories": {id: name}, "brand": name}``), NULL until the next catalog read.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_names", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("group_names")
