"""store-event subscriptions and the uninstall time

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

``store_event_subscriptions``: each store's last check of its store-event subscriptions (which
events are subscribed, which are missing, when, the last error, a missing webhooks scope), with
row-level security on PostgreSQL like every store-scoped table. ``stores.uninstalled_at``:
Salla's time of the latest processed ``app.uninstalled``, so an older ``app.store.authorize``
does not reactivate the store. The policy text is repeated here because a migration is frozen.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adapters.storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "store_event_subscriptions"
_SCOPE = "current_setting('app.store_id', true)"
_VISIBLE = f"store_id = {_SCOPE} OR {_SCOPE} = '*'"


def upgrade() -> None:
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("uninstalled_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=True)
        )

    op.create_table(
        _TABLE,
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("callback_url", sa.Text(), nullable=False),
        sa.Column("subscribed", sa.JSON(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("checked_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("scope_missing", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.store_id"], name=op.f("fk_store_event_subscriptions_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_store_event_subscriptions")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # FORCE: the policy binds the table owner too (the application's role usually owns its tables).
        op.execute(f"ALTER TABLE {_TABLE} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {_TABLE} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY store_isolation ON {_TABLE} USING ({_VISIBLE}) WITH CHECK ({_VISIBLE})")


def downgrade() -> None:
    op.drop_table(_TABLE)  # its policy goes with it
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.drop_column("uninstalled_at")
