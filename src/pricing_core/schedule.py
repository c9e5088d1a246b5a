"""The scheduling rule: which stores a periodic job should sweep."""

from __future__ import annotations

from datetime import datetime, timedelta

from pricing_core.settings import AutomationMode, TenantSettings
from pricing_core.stores import Store


def takes_scheduled_runs(store: Store, settings: TenantSettings) -> bool:
    """Active stores not in manual mode take scheduled sweeps; manual stores only run on demand."""
    return store.is_active and settings.automation_mode != AutomationMode.MANUAL


DUE_SLACK = timedelta(minutes=5)
"""How early a store counts as due: the hourly check fires on the hour, and the last sweep started a
few seconds after the check before it; without slack, an hourly store would be swept every two hours
(59 min 58 s is not an hour). Well under the check's period, so no store is swept twice per interval."""


def is_due(store: Store, settings: TenantSettings, last_run_at: datetime | None, now: datetime) -> bool:
    """True when the store takes scheduled runs and ``update_frequency_hours`` has elapsed since its last run.

    "Elapsed" allows :data:`DUE_SLACK`, for the time between a check firing and the sweep starting.
    """
    if not takes_scheduled_runs(store, settings):
        return False
    if last_run_at is None:
        return True
    return now - last_run_at >= timedelta(hours=settings.update_frequency_hours) - DUE_SLACK


__all__ = ["DUE_SLACK", "is_due", "takes_scheduled_runs"]
