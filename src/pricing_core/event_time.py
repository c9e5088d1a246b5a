"""When Salla says an event happened: its ``created_at``, in any of the spellings Salla uses."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

# Salla's app events give a naive "Y-m-d H:i:s"; Salla runs on Riyadh time (its store events
# carry GMT+0300 explicitly), so naive times are read as UTC+3.
SALLA_TZ = timezone(timedelta(hours=3))
# Salla's app-event spelling "Y-m-d H:i[:s]", read without ``strptime`` (which takes the locale lock
# on every call: twice the time, on every webhook); the same strings ``strptime`` accepted with
# "%Y-%m-%d %H:%M[:%S]" (its space matches any run of whitespace).
_APP_EVENT_TIME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?")


def parse_event_time(value: object) -> datetime | None:
    """A timezone-aware ``created_at``, or None when it is missing or unreadable.

    Accepts a ``datetime`` (naive ones are Riyadh time), ``"2022-12-31 12:31:25"`` (app events),
    ``"Sun Dec 14 2025 11:41:40 GMT+0300"`` (store events, optionally followed by a zone name in
    brackets), ISO 8601 (what our web route hands the queue), or Unix seconds. Out-of-range
    numbers and dates are unreadable, never an exception.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=SALLA_TZ)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, ValueError, OSError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().split(" (")[0]
    if (m := _APP_EVENT_TIME.fullmatch(text)) is not None:
        try:
            year, month, day, hour, minute, second = (int(part) for part in m.groups("0"))
            return datetime(year, month, day, hour, minute, second, tzinfo=SALLA_TZ)
        except ValueError:
            return None  # a month, day or hour out of range: no other spelling reads it either
    try:
        return datetime.strptime(text, "%a %b %d %Y %H:%M:%S GMT%z")
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=SALLA_TZ)


__all__ = ["SALLA_TZ", "parse_event_time"]
