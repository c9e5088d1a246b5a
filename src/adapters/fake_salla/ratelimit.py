"""Salla's per-store leaky bucket, driven by an injectable clock."""

from __future__ import annotations

import math

import attrs


@attrs.frozen(kw_only=True)
class BucketDecision:
    """The outcome of one request against the bucket, with the header values to send."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: int
    retry_after: int


class LeakyBucket:
    """A leaky bucket of ``capacity`` requests that drains ``leak_per_second``.

    Salla's table gives the plan limit per minute, so the default leak is ``capacity / 60``
    per second (120/min on Plus). Not thread-safe on its own: the fake calls it under its lock.
    """

    def __init__(self, capacity: int, *, leak_per_second: float | None = None) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self.leak_per_second = leak_per_second if leak_per_second is not None else capacity / 60
        self._level = 0.0
        self._at: float | None = None

    def _drain(self, now: float) -> None:
        if self._at is not None and now > self._at:
            self._level = max(0.0, self._level - (now - self._at) * self.leak_per_second)
        if self._at is None or now > self._at:
            self._at = now

    def level(self, now: float) -> float:
        """How full the bucket is at ``now`` (in requests)."""
        self._drain(now)
        return self._level

    def fill(self, now: float, level: float | None = None) -> None:
        """Set the bucket's level (default: full), as if other clients had used the allowance."""
        self._drain(now)
        self._level = float(self.capacity if level is None else min(level, self.capacity))

    def hit(self, now: float) -> BucketDecision:
        """Account for one request at ``now`` (Unix seconds): admit it or refuse it."""
        self._drain(now)
        allowed = self._level + 1 <= self.capacity + 1e-9
        if allowed:
            self._level += 1
        remaining = max(0, math.floor(self.capacity - self._level + 1e-9))
        overflow = self._level + 1 - self.capacity
        retry_after = 0 if allowed else max(1, math.ceil(overflow / self.leak_per_second))
        reset_at = math.ceil(now + self._level / self.leak_per_second)
        return BucketDecision(
            allowed=allowed,
            limit=self.capacity,
            remaining=remaining,
            reset_at=reset_at,
            retry_after=retry_after,
        )
