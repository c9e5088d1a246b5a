"""The activity log: every system and merchant action, with a description and JSON metadata."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

import attrs


class ActivityType(StrEnum):
    """Activity types. The first four are the original design's, kept verbatim."""

    SYSTEM_TOKEN_REFRESH = "system_token_refresh"
    SYSTEM_TOKEN_REFRESH_BATCH = "system_token_refresh_batch"
    SYSTEM_STORE_DEACTIVATED = "system_store_deactivated"
    OPTIMIZATION_COMPLETED = "optimization_completed"
    OPTIMIZATION_FAILED = "optimization_failed"
    STORE_ONBOARDED = "store_onboarded"
    STORE_UNINSTALLED = "store_uninstalled"
    TOKENS_AUTHORIZED = "tokens_authorized"
    DECISION_APPROVED = "decision_approved"
    DECISION_REJECTED = "decision_rejected"
    PRICE_APPLIED = "price_applied"
    PRICE_APPLY_FAILED = "price_apply_failed"
    SETTINGS_UPDATED = "settings_updated"
    SYSTEM_TOKEN_REFRESH_FAILED = "system_token_refresh_failed"
    SYSTEM_CLEANUP = "system_cleanup"
    SYSTEM_KEYS_ROTATED = "system_keys_rotated"
    # An ``app.store.authorize`` whose tokens were not stored: Salla did not confirm them for the
    # delivery's merchant (refused), or could not be asked (left for Salla's redelivery).
    SYSTEM_TOKENS_UNVERIFIED = "system_tokens_unverified"
    STORE_EVENTS_SUBSCRIBED = "store_events_subscribed"
    STORE_EVENTS_SUBSCRIPTION_FAILED = "store_events_subscription_failed"
    WEBHOOK_REFUSED = "webhook_refused"
    SYSTEM_RECOVERY = "system_recovery"
    SALES_SYNCED = "sales_synced"
    # A watched price change whose gross profit per day fell beyond the policy's share
    # (``usecases/change_watch.py``); its metadata carries the figures.
    CHANGE_PROFIT_FELL = "change_profit_fell"
    # An alert message sent, or not sent (``usecases/alerts.py``); metadata: the kind and the targets.
    ALERT_SENT = "alert_sent"
    ALERT_FAILED = "alert_failed"
    # A rollback of a run's prices (``usecases/rollback.py``); metadata: counts, restored and left.
    PRICE_ROLLED_BACK = "price_rolled_back"


@attrs.frozen(kw_only=True)
class ActivityEntry:
    """One activity-log line. ``store_id`` is None for system-wide entries (batch summaries)."""

    activity_type: ActivityType
    description: str
    created_at: datetime
    store_id: str | None = None
    metadata: Mapping[str, Any] = attrs.field(factory=dict)
    id: str | None = None


__all__ = ["ActivityEntry", "ActivityType"]
