"""A store: its record, OAuth tokens (encrypted), pricing settings, alert targets, store-event subscription."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    false,
)

from adapters.storage.models.base import STORE_ID, metadata
from adapters.storage.types import UTCDateTime

stores = Table(
    "stores",
    metadata,
    Column("store_id", STORE_ID, primary_key=True),
    Column("store_name", String(255), nullable=False, server_default=""),
    Column("is_active", Boolean, nullable=False),
    Column("plan", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("domain", String(255)),
    Column("email", String(255)),
    Column("installed_at", UTCDateTime),
    Column("deactivated_at", UTCDateTime),
    Column("deactivation_reason", Text),
    Column("last_run_at", UTCDateTime),
    # Salla's time of the latest processed app.uninstalled (an older authorization is refused).
    Column("uninstalled_at", UTCDateTime),
)

store_tokens = Table(
    "store_tokens",
    metadata,
    Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE"), primary_key=True),
    # Fernet tokens (URL-safe base64 text); never the plaintext.
    Column("access_token_encrypted", Text, nullable=False),
    Column("refresh_token_encrypted", Text),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
    Column("scope", Text, nullable=False, server_default=""),
    Column("token_type", String(32), nullable=False, server_default="bearer"),
    Column("updated_at", UTCDateTime, nullable=False),
)

store_settings = Table(
    "store_settings",
    metadata,
    Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE"), primary_key=True),
    Column("settings", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

store_alert_settings = Table(
    "store_alert_settings",
    metadata,
    Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE"), primary_key=True),
    # A Fernet token of the JSON list of the merchant's apprise URLs (they carry tokens and passwords).
    Column("targets_encrypted", Text, nullable=False),
    Column("language", String(8), nullable=False),
    Column("kinds", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

store_event_subscriptions = Table(
    "store_event_subscriptions",
    metadata,
    Column("store_id", STORE_ID, ForeignKey("stores.store_id", ondelete="CASCADE"), primary_key=True),
    Column("callback_url", Text, nullable=False),
    Column("subscribed", JSON, nullable=False),
    Column("missing", JSON, nullable=False),
    Column("checked_at", UTCDateTime, nullable=False),
    Column("error", Text),
    Column("scope_missing", Boolean, nullable=False, server_default=false()),
)


__all__ = ["store_alert_settings", "store_event_subscriptions", "store_settings", "store_tokens", "stores"]
