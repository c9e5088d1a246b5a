"""Runner knobs read from the environment: cron schedules and retention ages.

These are operational settings of the worker and scheduler processes, documented in
docs/operations.md; the service's main configuration is ``adapters.config.Config``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pricing_core.usecases.cleanup import RetentionPolicy

# job name -> (environment variable, default crontab expression, UTC)
DEFAULT_SCHEDULES: dict[str, tuple[str, str]] = {
    "optimize_all_stores": ("SCHEDULE_OPTIMIZE_ALL_STORES", "0 */6 * * *"),        # every 6 hours
    "check_and_optimize_stores": ("SCHEDULE_CHECK_AND_OPTIMIZE_STORES", "0 * * * *"),  # hourly
    "refresh_expiring_tokens": ("SCHEDULE_REFRESH_EXPIRING_TOKENS", "0 */12 * * *"),  # every 12 hours
    # weekly, Sunday 03:30; day names because APScheduler 3 numbers days from Monday, unlike cron
    "cleanup_old_data": ("SCHEDULE_CLEANUP_OLD_DATA", "30 3 * * sun"),
    # every 5 minutes: decisions and runs a stopped process left in flight (the timeouts are in Config)
    "recover_stuck_work": ("SCHEDULE_RECOVER_STUCK_WORK", "*/5 * * * *"),
}


def schedules(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Crontab expression per periodic job; an empty or ``off`` value disables that job."""
    env = os.environ if env is None else env
    result = {}
    for job, (key, default) in DEFAULT_SCHEDULES.items():
        value = env.get(key, default).strip()
        if value and value.lower() not in ("off", "none", "disabled"):
            result[job] = value
    return result


def _days(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{key} must be a number of days, got {raw!r}") from exc


def retention_policy(env: Mapping[str, str] | None = None) -> RetentionPolicy:
    """Retention ages from ``RETENTION_RUNS_DAYS``, ``RETENTION_ACTIVITY_DAYS``, ``RETENTION_OFFERS_DAYS``."""
    env = os.environ if env is None else env
    default = RetentionPolicy()
    return RetentionPolicy(
        runs_days=_days(env, "RETENTION_RUNS_DAYS", default.runs_days),
        activity_days=_days(env, "RETENTION_ACTIVITY_DAYS", default.activity_days),
        offers_days=_days(env, "RETENTION_OFFERS_DAYS", default.offers_days),
    )


__all__ = ["DEFAULT_SCHEDULES", "retention_policy", "schedules"]
