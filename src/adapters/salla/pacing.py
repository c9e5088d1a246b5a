"""Client-side pacing from Salla's ``X-RateLimit-*`` headers, and retry backoff.

Salla meters each store with a leaky bucket of ``X-RateLimit-Limit`` requests per minute and
reports what is left in ``X-RateLimit-Remaining``. The pacer keeps an estimate of the free
slots per key (one key per store token): it spends them while more than ``reserve`` remain,
then waits just long enough for one slot to leak back. It uses no clock of its own, only the
headers and the injected ``sleep``, so a benchmark that speeds up the fake's clock only has to
scale ``sleep``. If Salla leaks slower than ``limit / 60`` per second, the next response shows
fewer slots than estimated and the pacer simply waits again: it never overdraws the reserve.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping

import attrs

Sleep = Callable[[float], None]


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, case-insensitively for plain dicts as well as ``httpx.Headers``."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    raw = header(headers, name)
    if raw is None:
        return None
    try:
        return int(float(raw))
    except ValueError:
        return None


def retry_after_seconds(headers: Mapping[str, str], default: float = 1.0) -> float:
    """``Retry-After`` in seconds (Salla sends delta seconds; an HTTP date is not expected)."""
    raw = header(headers, "retry-after")
    if raw is None:
        return default
    try:
        return max(0.0, float(raw))
    except ValueError:
        return default


@attrs.define
class _Window:
    """What the pacer believes about one key's bucket."""

    limit: int | None = None
    remaining: float | None = None
    in_flight: int = 0
    lock: threading.Lock = attrs.field(factory=threading.Lock)


class RateLimitPacer:
    """Paces requests per key so a sweep stays under Salla's limit without 429s. Thread-safe."""

    def __init__(self, *, reserve: int = 2, sleep: Sleep = time.sleep) -> None:
        self.reserve = reserve
        self._sleep = sleep
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds spent pacing (reported by benchmarks)

    def _window(self, key: str) -> _Window:
        with self._lock:
            return self._windows.setdefault(key, _Window())

    def before_request(self, key: str) -> None:
        """Wait, if needed, until a request under ``key`` fits in the bucket; then reserve its slot."""
        window = self._window(key)
        # Held while sleeping: waiting threads of one store queue up behind each other, and
        # only the waiting thread credits the slots that leak back during its sleep.
        with window.lock:
            if window.limit is not None and window.remaining is not None:
                rate = window.limit / 60.0
                if window.remaining < self.reserve + 1:
                    wait = (self.reserve + 1 - window.remaining) / rate
                    self._sleep(wait)
                    self.waited += wait
                    window.remaining = min(float(window.limit), window.remaining + wait * rate)
                window.remaining -= 1
            window.in_flight += 1

    def after_response(self, key: str, headers: Mapping[str, str]) -> None:
        """Learn the bucket's state from a response's headers and release the slot."""
        window = self._window(key)
        limit = _header_int(headers, "x-ratelimit-limit")
        remaining = _header_int(headers, "x-ratelimit-remaining")
        with window.lock:
            window.in_flight = max(0, window.in_flight - 1)
            if limit is not None and limit > 0:
                window.limit = limit
            if remaining is not None:
                # Other requests still in flight may not be counted in this header yet.
                window.remaining = float(remaining - window.in_flight)

    def after_rate_limited(self, key: str, retry_after: float) -> None:
        """A 429 came back: wait ``Retry-After`` and treat the bucket as nearly empty."""
        window = self._window(key)
        with window.lock:
            self._sleep(retry_after)
            self.waited += retry_after
            if window.limit is not None:
                window.remaining = float(self.reserve + 1)


def backoff_delay(attempt: int, *, base: float = 0.5, cap: float = 8.0, rng: random.Random | None = None) -> float:
    """Jittered exponential backoff for retry ``attempt`` (1-based): uniform in [c/2, c], c = min(cap, base * 2**(n-1)).

    The jitter keeps many workers that failed together from retrying together.
    """
    ceiling = min(cap, base * (2 ** (attempt - 1)))
    return (rng or random).uniform(ceiling / 2, ceiling)
