"""runs whose price writes did not all land: ``writes_pending`` and the ``partially_applied`` status

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

``optimization_runs`` gains ``writes_pending`` (price writes Salla did not take for a transient
reason, waiting approved for another attempt) and its ``status`` widens to 32 characters for
``partially_applied``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("optimization_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("writes_pending", sa.Integer(), server_default="0", nullable=False))
        batch_op.alter_column("status", existing_type=sa.String(length=16), type_=sa.String(length=32),
                              existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Row-level security is forced on the table: the update must see every store's rows.
        op.execute("SELECT set_config('app.store_id', '*', true)")
    op.execute("UPDATE optimization_runs SET status = 'completed' WHERE status = 'partially_applied'")
    with op.batch_alter_table("optimization_runs", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=32), type_=sa.String(length=16),
                              existing_nullable=False)
        batch_op.drop_column("writes_pending")
