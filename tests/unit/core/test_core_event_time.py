"""``parse_event_time``: Salla's spellings of ``created_at``; the app-event spelling read without strptime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing_core.event_time import SALLA_TZ, parse_event_time


def _by_strptime(text: str) -> datetime | None:
    """The whole reading of a string before the fast path (strptime first, then ISO 8601)."""
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=SALLA_TZ)
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=SALLA_TZ)


@given(st.integers(1, 9999), st.integers(0, 13), st.integers(0, 32), st.integers(0, 25), st.integers(0, 61),
       st.integers(0, 61), st.booleans(), st.booleans(), st.sampled_from([" ", "  ", "\t", " \t "]))
def test_the_app_event_spelling_reads_as_strptime_read_it(year: int, month: int, day: int, hour: int, minute: int,
                                                          second: int, with_seconds: bool, padded: bool,
                                                          gap: str) -> None:
    # Out-of-range fields included: both readings must refuse them alike.
    width = 2 if padded else 1
    text = f"{year:04d}-{month:0{width}d}-{day:0{width}d}{gap}{hour:0{width}d}:{minute:0{width}d}"
    if with_seconds:
        text += f":{second:0{width}d}"
    assert parse_event_time(text) == _by_strptime(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("2022-12-31 12:31:25", datetime(2022, 12, 31, 12, 31, 25, tzinfo=SALLA_TZ)),
    ("2022-1-5 1:02", datetime(2022, 1, 5, 1, 2, tzinfo=SALLA_TZ)),
    ("Sun Dec 14 2025 11:41:40 GMT+0300 (Arabian Standard Time)",
     datetime(2025, 12, 14, 11, 41, 40, tzinfo=timezone(timedelta(hours=3)))),
    ("2026-03-01T12:00:00+00:00", datetime(2026, 3, 1, 12, tzinfo=UTC)),
    ("2026-03-01T12:00:00", datetime(2026, 3, 1, 12, tzinfo=SALLA_TZ)),
    ("2022-02-30 10:00:00", None),
    ("2022-12-31 25:00:00", None),
    ("yesterday", None),
    ("", None),
])
def test_each_spelling(text: str, expected: datetime | None) -> None:
    assert parse_event_time(text) == expected
