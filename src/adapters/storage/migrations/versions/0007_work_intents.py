"""work intents: work recorded before its message is queued, until a worker has done it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

Issue 17: ``work_intents`` holds the commands whose loss nobody else would notice (event and
manual repricing, an install's follow-ups, the scheduler's ticks) from before they are queued
until a worker has done them, so the recovery loop sends again what a queue lost. Store-scoped
rows get the same row-level security policy as the other store-scoped tables on PostgreSQL (the
scheduler's ticks, with no store, are seen only by unscoped units of work).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adapters.storage.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SCOPE = "current_setting('app.store_id', true)"
_VISIBLE = f"store_id = {_SCOPE} OR {_SCOPE} = '*'"


def upgrade() -> None:
    op.create_table(
        "work_intents",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=True),
        sa.Column("command", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("taken_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recoveries", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_work_intents")),
    )
    with op.batch_alter_table("work_intents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_intents_store_id"), ["store_id"], unique=False)
        batch_op.create_index("ix_work_intents_status_dispatched", ["status", "dispatched_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE work_intents ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE work_intents FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY store_isolation ON work_intents USING ({_VISIBLE}) WITH CHECK ({_VISIBLE})")


def downgrade() -> None:
    with op.batch_alter_table("work_intents", schema=None) as batch_op:
        batch_op.drop_index("ix_work_intents_status_dispatched")
        batch_op.drop_index(batch_op.f("ix_work_intents_store_id"))
    op.drop_table("work_intents")
