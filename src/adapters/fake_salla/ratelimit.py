"""Salla's per-store rate limit as its docs describe it, driven by an injectable clock.

Salla's "Rate Limiting" page: each plan has a budget of requests per **1 minute**; "if you exceed
this, you can still send **1 request per second** until the minute resets". Every answer carries
``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (the window's reset
time, UTC epoch seconds); past the limit the answer is 429 with ``Retry-After`` (seconds).

What the docs leave open, and what this model chooses:

- When a window starts. Here a window opens with the first request after the previous one ended,
  at that second (``floor(now)``), and resets 60 s later; ``X-RateLimit-Reset`` is that instant.
  A client that reads the header, as ours does, does not depend on this choice.
- Whether unused leak seconds add up. Here they do: ``k`` whole seconds after the budget was
  spent, ``k`` more requests have been allowed in all (one more each second), as the "leaky
  bucket" the page names would leak them. A client that sends one per second meets both readings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs

WINDOW_SECONDS = 60
"""Length of a rate-limit window ("Timeout Duration: 1 minute")."""

LEAK_SECONDS = 1.0
"""Once the budget is spent: one more request per this many seconds, until the window resets."""

_EPSILON = 1e-9  # float seconds: 1.0000000001 - 0.0000000001 must still count as one whole second


@attrs.frozen(kw_only=True)
class RateDecision:
    """The outcome of one request, with the header values to send."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: int
    retry_after: int


@attrs.frozen(kw_only=True)
class RateWindow:
    """One minute window of a store, for inspection (``FakeSalla.rate_windows``).

    ``spent_at`` is when the budget ran out (None while some is left); ``admitted`` counts the
    requests let through (budget and leak), ``refused`` the 429s. ``prefilled`` is the part of
    the budget that ``fill`` marked as used by others.
    """

    started_at: int
    reset_at: int
    limit: int
    prefilled: int
    spent_at: float | None
    admitted: int
    refused: int


@attrs.define
class _Open:
    started_at: int
    used: int = 0  # requests counted against the budget (including ``prefilled``)
    prefilled: int = 0
    spent_at: float | None = None
    leaked: int = 0  # requests admitted after the budget was spent
    admitted: int = 0
    refused: int = 0

    @property
    def reset_at(self) -> int:
        return self.started_at + WINDOW_SECONDS

    def leak_allowance(self, now: float) -> int:
        """Requests the leak has allowed so far in this window: one per whole second since spent."""
        if self.spent_at is None:
            return 0
        return max(0, math.floor((now - self.spent_at) / LEAK_SECONDS + _EPSILON))

    def record(self, limit: int) -> RateWindow:
        return RateWindow(
            started_at=self.started_at,
            reset_at=self.reset_at,
            limit=limit,
            prefilled=self.prefilled,
            spent_at=self.spent_at,
            admitted=self.admitted,
            refused=self.refused,
        )


class PlanRateLimiter:
    """One store's limit: ``limit`` requests per minute window, then one per second until reset.

    Not thread-safe on its own: the fake calls it under its lock. Keeps the last
    ``history`` windows for inspection.
    """

    def __init__(self, limit: int, *, history: int = 1000) -> None:
        if limit <= 0:
            raise ValueError("limit must be positive")
        self.limit = limit
        self._history = history
        self._closed: list[RateWindow] = []
        self._open: _Open | None = None

    def _current(self, now: float, *, open_one: bool) -> _Open | None:
        window = self._open
        if window is not None and now >= window.reset_at:
            self._closed.append(window.record(self.limit))
            del self._closed[: -self._history]
            window = self._open = None
        if window is None and open_one:
            window = self._open = _Open(started_at=math.floor(now))
        return window

    def hit(self, now: float) -> RateDecision:
        """Account for one request at ``now`` (Unix seconds): admit it or refuse it."""
        window = self._current(now, open_one=True)
        assert window is not None
        if window.used < self.limit:
            window.used += 1
            if window.used == self.limit:
                window.spent_at = now
            allowed = True
        elif window.leaked < window.leak_allowance(now):
            window.leaked += 1
            allowed = True
        else:
            allowed = False
        window.admitted += allowed
        window.refused += not allowed
        return RateDecision(
            allowed=allowed,
            limit=self.limit,
            remaining=self._remaining(window, now),
            reset_at=window.reset_at,
            retry_after=0 if allowed else self._retry_after(window, now),
        )

    def _remaining(self, window: _Open, now: float) -> int:
        if window.used < self.limit:
            return self.limit - window.used
        return max(0, window.leak_allowance(now) - window.leaked)

    @staticmethod
    def _retry_after(window: _Open, now: float) -> int:
        """Whole seconds until the next leak second or the reset, whichever comes first."""
        assert window.spent_at is not None
        next_slot = window.spent_at + (window.leaked + 1) * LEAK_SECONDS
        return max(1, math.ceil(min(next_slot, window.reset_at) - now - _EPSILON))

    def fill(self, now: float, level: int | None = None) -> None:
        """Mark ``level`` requests of the current window's budget as used (default: all of it, now).

        As if other clients of the store had spent them; opens a window at ``now`` if none is open.
        """
        window = self._current(now, open_one=True)
        assert window is not None
        used = self.limit if level is None else max(0, min(int(level), self.limit))
        window.prefilled += max(0, used - window.used)
        window.used = used
        window.leaked = 0
        window.spent_at = now if used >= self.limit else None

    def level(self, now: float) -> int:
        """Requests counted against the current window's budget (0 when no window is open)."""
        window = self._current(now, open_one=False)
        return 0 if window is None else window.used

    def windows(self, now: float) -> list[RateWindow]:
        """The windows so far, oldest first, the open one (if any) last."""
        window = self._current(now, open_one=False)
        return [*self._closed, *([window.record(self.limit)] if window is not None else [])]


def allowed_by_model(windows: Sequence[RateWindow], *, until: float) -> int:
    """The most requests Salla's documented model lets one client send over ``windows``, up to ``until``.

    Per window: the budget others left (``limit - prefilled``) plus one request per whole second
    from the moment it was spent to the reset, or to ``until`` in the window still running:
    ``limit - prefilled + floor(min(reset, until) - spent_at)``, e.g. up to 120 + (60 - t_spent)
    on Plus. A window whose budget was never spent allows its budget, except the one that
    ``until`` falls in: there the client stopped before the model limited it, and what it was
    admitted is what it was allowed.
    """
    total = 0
    for window in windows:
        budget = window.limit - window.prefilled
        if window.spent_at is not None:
            end = min(float(window.reset_at), until)
            total += budget + max(0, math.floor((end - window.spent_at) / LEAK_SECONDS + _EPSILON))
        elif window.started_at <= until < window.reset_at:
            total += window.admitted
        else:
            total += budget
    return total
