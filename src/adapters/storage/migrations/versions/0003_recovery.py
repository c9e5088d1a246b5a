"""recovery of interrupted work: run keys, run heartbeats, resume counts, stalled-work indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

``optimization_runs`` gains the run key its id derives from (so the recovery loop can resume a
run by sending the key again), ``updated_at`` (the heartbeat a sweep moves on every page; filled
from ``finished_at`` or ``started_at`` for existing rows) and ``recoveries`` (how often recovery
resumed it). Two indexes on (status, updated_at) serve the cross-store listings of decisions and
runs left in flight.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adapters.storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("optimization_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_key", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("updated_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("recoveries", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index("ix_optimization_runs_status_updated", ["status", "updated_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # Row-level security is forced on the table: the backfill must see every store's rows.
        op.execute("SELECT set_config('app.store_id', '*', true)")
    op.execute("UPDATE optimization_runs SET updated_at = COALESCE(finished_at, started_at)")
    with op.batch_alter_table("pricing_decisions", schema=None) as batch_op:
        batch_op.create_index("ix_pricing_decisions_status_updated", ["status", "updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pricing_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_pricing_decisions_status_updated")
    with op.batch_alter_table("optimization_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_optimization_runs_status_updated")
        batch_op.drop_column("recoveries")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("run_key")
