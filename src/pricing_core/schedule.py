"""The scheduling rule: which stores a periodic job should sweep."""

from __future__ import annotations

from datetime import datetime, timedelta

from pricing_core.settings import AutomationMode, TenantSettings
from pricing_core.stores import Store


def takes_scheduled_runs(store: Store, settings: TenantSettings) -> bool:
    """Active stores not in manual mode take scheduled sweeps; manual stores only run on demand."""
    return store.is_active and settings.automation_mode != AutomationMode.MANUAL


def is_due(store: Store, settings: TenantSettings, last_run_at: datetime | None, now: datetime) -> bool:
    """True when the store takes scheduled runs and ``update_frequency_hours`` has elapsed since its last run."""
    if not takes_scheduled_runs(store, settings):
        return False
    if last_run_at is None:
        return True
    return now - last_run_at >= timedelta(hours=settings.update_frequency_hours)


__all__ = ["is_due", "takes_scheduled_runs"]
