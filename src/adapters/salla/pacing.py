"""Client-side pacing for Salla's documented rate limit, read from its headers; retry backoff.

Salla's model (docs, "Rate Limiting"): each store has a budget of ``X-RateLimit-Limit`` requests
per minute window; once it is spent, one request per second until the window resets at
``X-RateLimit-Reset`` (UTC epoch seconds); ``X-RateLimit-Remaining`` says what is left; past the
limit the answer is 429 with ``Retry-After``. ``RateLimitPacer`` plans for exactly that, per key
(one key per store token):

1. While more than ``reserve`` requests of the budget remain (the last ``X-RateLimit-Remaining``
   less the requests sent since), it sends at once.
2. Then one request at a time, one per second: once an answer shows nothing left, the k-th
   request after it goes k seconds after that answer arrived. The budget ran out before that
   answer, so Salla's k-th leak second has come by then, whatever the network's latency. The
   schedule does not drift: a request the caller was late for leaves its second to the next
   one, as Salla's leaky bucket keeps a second not used until the reset.
3. At ``X-RateLimit-Reset`` the window the headers described is over: one request reads the new
   window's headers, and the rest follow at once if they show a fresh budget.
4. After a 429 nothing is sent under that key for ``Retry-After``.

Time comes from the injected ``now`` (Unix seconds, the same clock as Salla's headers; a
benchmark passes the fake Salla's scaled clock) and waiting from the injected ``sleep``. A clock
that a test freezes does not hang it: a wait is counted as passed once slept.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping

import attrs

Sleep = Callable[[float], None]
Now = Callable[[], float]

LEAK_INTERVAL = 1.0
"""Seconds between requests once the budget is spent (Salla: "1 request per second")."""


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
        value = float(raw)
    except ValueError:
        return None
    return int(value) if value == value and abs(value) < 1e15 else None  # NaN and absurd values: unknown


def retry_after_seconds(headers: Mapping[str, str], default: float = 1.0) -> float:
    """``Retry-After`` in seconds (Salla sends delta seconds; an HTTP date is not expected)."""
    raw = header(headers, "retry-after")
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        return default
    return max(0.0, value) if value == value and value != float("inf") else default


@attrs.define
class _Window:
    """What the pacer believes about one key's rate-limit window."""

    remaining: float | None = None  # requests the budget still has, less those sent since the answer
    reset_at: float | None = None  # X-RateLimit-Reset of the newest window seen
    answered_at: float | None = None
    # Once an answer showed the budget empty: when it arrived, and requests sent since.
    paced_from: float | None = None
    paced: int = 0
    not_before: float = 0.0  # after a 429
    in_flight: int = 0
    answers: threading.Condition = attrs.field(factory=threading.Condition)
    turn: threading.Lock = attrs.field(factory=threading.Lock)


class RateLimitPacer:
    """Paces requests per key so a sweep spends Salla's budget, then slows to 1/s, without 429s.

    Thread-safe: the threads of one key take turns (a waiting thread holds the turn, so they
    queue in order), and answers are recorded by whichever thread receives them.
    """

    def __init__(
        self,
        *,
        reserve: int = 2,
        sleep: Sleep = time.sleep,
        now: Now = time.time,
        interval: float = LEAK_INTERVAL,
        answer_timeout: float = 60.0,
    ) -> None:
        self.reserve = reserve
        self.interval = interval
        # Real seconds to wait for an answer in flight before giving up on it (a request that
        # never reported back must not stop a store for good).
        self.answer_timeout = answer_timeout
        self._sleep = sleep
        self._now = now
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds spent pacing (reported by benchmarks)

    def _window(self, key: str) -> _Window:
        with self._lock:
            return self._windows.setdefault(key, _Window())

    def before_request(self, key: str) -> None:
        """Wait, if needed, until a request under ``key`` may go; then count it as sent."""
        window = self._window(key)
        with window.turn:
            slept_until: float | None = None
            while True:
                with window.answers:
                    now = self._now() if slept_until is None else max(self._now(), slept_until)
                    wait = self._wait(window, now)
                    if wait is None:
                        if not window.answers.wait(timeout=self.answer_timeout):
                            window.in_flight = 0
                        continue
                    if wait <= 0:
                        self._sent(window, now)
                        return
                self._sleep(wait)
                with self._lock:
                    self.waited += wait
                slept_until = now + wait

    def _wait(self, window: _Window, now: float) -> float | None:
        """Seconds to wait before the next request (<= 0: go now), None: wait for an answer in flight."""
        if now < window.not_before:
            return window.not_before - now
        if window.remaining is None or (window.reset_at is not None and now >= window.reset_at):
            # Nothing known yet, or the window the headers described is over: one request
            # reads the current window before any other goes.
            return None if window.in_flight else 0.0
        if window.remaining > self.reserve:
            return 0.0
        if window.in_flight:
            return None
        if window.paced_from is not None:
            due = window.paced_from + (window.paced + 1) * self.interval
        else:  # the reserve: Salla still has a few, spend them no faster than the leak
            due = (window.answered_at if window.answered_at is not None else now) + self.interval
        if window.reset_at is not None:
            due = min(due, window.reset_at)
        return due - now

    def _sent(self, window: _Window, now: float) -> None:
        if window.reset_at is not None and now >= window.reset_at:
            window.reset_at = None  # this request reads the new window
        if window.paced_from is not None:
            window.paced += 1
        if window.remaining is not None:
            window.remaining -= 1
        window.in_flight += 1

    def after_response(self, key: str, headers: Mapping[str, str]) -> None:
        """Record an answer's ``X-RateLimit-*`` headers (or none, after a timeout) and release its slot."""
        window = self._window(key)
        remaining = _header_int(headers, "x-ratelimit-remaining")
        reset_at = _header_int(headers, "x-ratelimit-reset")
        with window.answers:
            window.in_flight = max(0, window.in_flight - 1)
            now = self._now()
            window.answered_at = now
            if remaining is not None and not (
                reset_at is not None and window.reset_at is not None and reset_at < window.reset_at
            ):  # an answer about an older window than one already seen tells nothing now
                # Without X-RateLimit-Reset every answer is taken as news about the window.
                new_window = reset_at is None or window.reset_at is None or reset_at > window.reset_at
                # Requests still in flight may not be counted in this answer yet.
                estimate = float(max(0, remaining) - window.in_flight)
                if not new_window and window.remaining is not None:
                    # Answers of one window can arrive out of order: the lowest count is the newest.
                    estimate = min(estimate, window.remaining)
                window.remaining = estimate
                if reset_at is not None:
                    window.reset_at = float(reset_at)
                if new_window:
                    window.paced_from = None
                # The first answer of a window to show it empty starts the one-per-second count.
                # Later answers of that window may show leak seconds not used yet: the count
                # already includes them, and restarting it from a later answer would lose them.
                if remaining <= 0 and window.paced_from is None:
                    window.paced_from, window.paced = now, window.in_flight
            window.answers.notify_all()

    def after_rate_limited(self, key: str, retry_after: float) -> None:
        """A 429 came back: nothing more under ``key`` for ``retry_after`` seconds.

        The next ``before_request`` waits it out; pacing then starts again from the next answer.
        """
        window = self._window(key)
        with window.answers:
            window.not_before = max(window.not_before, self._now() + retry_after)
            window.paced_from = None
            if window.remaining is not None:
                window.remaining = min(window.remaining, 0.0)


def backoff_delay(attempt: int, *, base: float = 0.5, cap: float = 8.0, rng: random.Random | None = None) -> float:
    """Jittered exponential backoff for retry ``attempt`` (1-based): uniform in [c/2, c], c = min(cap, base * 2**(n-1)).

    The jitter keeps many workers that failed together from retrying together.
    """
    ceiling = min(cap, base * (2 ** (attempt - 1)))
    return (rng or random).uniform(ceiling / 2, ceiling)
