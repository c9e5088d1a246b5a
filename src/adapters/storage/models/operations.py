"""The running service: the activity log, system settings, the webhook inbox and recorded work (intents)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    false,
)

from adapters.storage.models.base import SERIAL, STORE_ID, metadata
from adapters.storage.types import UTCDateTime

activity_logs = Table(
    "activity_logs",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    # NULL for system-wide entries (batch summaries).
    Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE")),
    Column("activity_type", String(64), nullable=False),
    Column("description", Text, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, index=True),
    Index("ix_activity_logs_store_created", "store_id", "created_at"),
)

system_settings = Table(
    "system_settings",
    metadata,
    Column("setting_key", String(128), primary_key=True),
    # Plaintext, or a Fernet token when is_secret.
    Column("setting_value", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("is_secret", Boolean, nullable=False, server_default=false()),
    Column("updated_at", UTCDateTime, nullable=False),
)

processed_webhooks = Table(
    "processed_webhooks",
    metadata,
    Column("delivery_id", String(255), primary_key=True),
    Column("event", String(128), nullable=False),
    # No foreign key: a delivery may concern a store not installed (yet, or any more).
    Column("store_id", STORE_ID),
    Column("received_at", UTCDateTime, nullable=False, index=True),
)

work_intents = Table(
    "work_intents",
    metadata,
    # pricing_core.intents: the work a command stands for, from before it is queued until it is done.
    Column("key", String(255), primary_key=True),
    # No foreign key: the intent is recorded whether or not the store is (still) there; its worker
    # drops work for a missing store. Null for the scheduler's ticks.
    Column("store_id", STORE_ID, index=True),
    Column("command", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("dispatched_at", UTCDateTime, nullable=False),
    Column("taken_at", UTCDateTime),
    Column("recoveries", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Index("ix_work_intents_status_dispatched", "status", "dispatched_at"),
)


__all__ = ["activity_logs", "processed_webhooks", "system_settings", "work_intents"]
