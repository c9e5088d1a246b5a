"""Storage outside any one store: system settings, the webhook inbox, retention of old rows."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class SystemSettingsRepository(Protocol):
    """``system_settings``: key/value pairs such as SALLA_CLIENT_ID (secrets encrypted at rest)."""

    def get(self, key: str) -> str | None:
        """The value, or None."""
        ...

    def set(self, key: str, value: str, *, description: str = "", secret: bool = False) -> None:
        """Insert or replace a setting; ``secret`` values are encrypted at rest."""
        ...


class WebhookInbox(Protocol):
    """Processed webhook deliveries, so repeated deliveries are dropped."""

    def record(self, delivery_id: str, *, event: str, store_id: str | None, at: datetime) -> bool:
        """Record a delivery; True when it is new, False when it was seen before."""
        ...


class RetentionRepository(Protocol):
    """Deletes old rows in batches (cleanup_old_data)."""

    def delete_before(
        self, *, runs_before: datetime, activity_before: datetime, offers_before: datetime, batch_size: int = 1000
    ) -> dict[str, int]:
        """Delete old runs, activity and offers across stores; counts by table."""
        ...

    def delete_webhooks_before(self, received_before: datetime, *, batch_size: int = 1000) -> int:
        """Forget webhook inbox entries received before ``received_before``; how many were deleted."""
        ...


__all__ = [
    "RetentionRepository",
    "SystemSettingsRepository",
    "WebhookInbox",
]
