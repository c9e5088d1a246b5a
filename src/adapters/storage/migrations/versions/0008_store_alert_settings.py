"""store alert settings: a store's own alert targets (encrypted), their language and kinds

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

Issue 13: ``store_alert_settings`` holds the apprise URLs a merchant gives for the store's alerts
(one Fernet token of their JSON list), the language of the messages and the kinds wanted.
Store-scoped, with the same row-level security policy as the other store-scoped tables on
PostgreSQL (the policy text is repeated because a migration is frozen).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import adapters.storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SCOPE = "current_setting('app.store_id', true)"
_VISIBLE = f"store_id = {_SCOPE} OR {_SCOPE} = '*'"


def upgrade() -> None:
    op.create_table(
        "store_alert_settings",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("targets_encrypted", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("updated_at", adapters.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["stores.store_id"],
                                name=op.f("fk_store_alert_settings_store_id_stores"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_store_alert_settings")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE store_alert_settings ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE store_alert_settings FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY store_isolation ON store_alert_settings USING ({_VISIBLE}) WITH CHECK ({_VISIBLE})")


def downgrade() -> None:
    op.drop_table("store_alert_settings")
