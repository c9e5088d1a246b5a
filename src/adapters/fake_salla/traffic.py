"""What the fake Salla does to each Merchant API request before a handler runs, and what it counts.

Per-store rate limits (``ratelimit.py``'s ``PlanRateLimiter``, by plan), injected faults,
outages of one route and latency (``faults.py``'s ``Fault``), and the request counts
(``StoreStats``). ``TrafficMixin`` is the part of ``FakeSalla`` (``fake.py``, which holds the
state) that does it: ``http_admin.py`` calls ``hit_bucket``, ``next_fault``, ``latency`` and
``record`` for every request; tests call the rest.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Protocol

from adapters.fake_salla.faults import Fault, FaultKind, StatsSnapshot, StoreStats
from adapters.fake_salla.ratelimit import PlanRateLimiter, RateDecision, RateWindow
from adapters.fake_salla.stores import FakeStore


class _Fake(Protocol):
    """What traffic control uses of the rest of ``FakeSalla``."""

    lock: threading.RLock
    unauthenticated_requests: int
    oauth_requests: int
    _stores: dict[int, FakeStore]
    _limiters: dict[int, PlanRateLimiter]
    _stats: dict[int, StoreStats]
    _faults: dict[int, deque[Fault]]
    _outages: dict[str, tuple[float, int]]  # route -> (monotonic end, status)
    _latency: dict[int, float]

    def now_seconds(self) -> float: ...
    def stats(self, merchant_id: int | str) -> StatsSnapshot: ...


class TrafficMixin:
    """``FakeSalla``'s request gate: rate limits, faults, outages, latency and counters."""

    def hit_bucket(self: _Fake, merchant_id: int) -> RateDecision:
        """Account one Merchant API request of a store against its rate limit (called by the app)."""
        with self.lock:
            return self._limiters[merchant_id].hit(self.now_seconds())

    def fill_bucket(self: _Fake, merchant_id: int | str, level: int | None = None) -> None:
        """Mark ``level`` requests of the store's current minute budget as used (default: all of it).

        As if other apps had spent them; a full budget leaves one request per second until the
        window resets. (Salla's docs call the limiter a leaky bucket, hence the name.)
        """
        with self.lock:
            self._limiters[int(merchant_id)].fill(self.now_seconds(), level)

    def bucket_level(self: _Fake, merchant_id: int | str) -> int:
        """Requests counted against the store's current minute budget (0 when no window is open)."""
        with self.lock:
            return self._limiters[int(merchant_id)].level(self.now_seconds())

    def rate_windows(self: _Fake, merchant_id: int | str) -> list[RateWindow]:
        """The store's rate-limit windows so far (the last 1,000), oldest first, the open one last."""
        with self.lock:
            return self._limiters[int(merchant_id)].windows(self.now_seconds())

    def inject_fault(
        self: _Fake, merchant_id: int | str, kind: FaultKind, *, count: int = 1, status: int = 503, seconds: float = 1.0
    ) -> None:
        """The next ``count`` Merchant API requests of the store fail with ``kind`` (see ``Fault``)."""
        fault = Fault(kind=kind, status=status, seconds=seconds)
        with self.lock:
            self._faults[int(merchant_id)].extend([fault] * count)

    def start_outage(self: _Fake, route: str, seconds: float, *, status: int = 503) -> None:
        """Every store's ``route`` requests (``"POST /products/prices/bulkPrice"``) answer ``status``
        for the next ``seconds`` of wall time (an outage of one Salla service, not of one store)."""
        with self.lock:
            self._outages[route] = (time.monotonic() + seconds, status)

    def next_fault(self: _Fake, merchant_id: int, route: str | None = None) -> Fault | None:
        """Pop the store's next injected fault, or the open outage of ``route`` (called by the app)."""
        with self.lock:
            outage = self._outages.get(route) if route is not None else None
            if outage is not None and time.monotonic() < outage[0]:
                return Fault(kind="error", status=outage[1])
            faults = self._faults[merchant_id]
            return faults.popleft() if faults else None

    def set_latency(self: _Fake, merchant_id: int | str, seconds: float) -> None:
        """Delay every Merchant API answer of the store by ``seconds`` (0 to stop)."""
        with self.lock:
            self._latency[int(merchant_id)] = max(0.0, seconds)

    def latency(self: _Fake, merchant_id: int) -> float:
        """The store's injected latency."""
        with self.lock:
            return self._latency.get(merchant_id, 0.0)

    def record(self: _Fake, merchant_id: int, route: str, *, rate_limited: bool = False, fault: bool = False) -> None:
        """Count one request of a store (called by the app)."""
        with self.lock:
            stats = self._stats[merchant_id]
            stats.requests += 1
            stats.rate_limited += int(rate_limited)
            stats.faults += int(fault)
            stats.by_route[route] += 1
            stats.times.append(self.now_seconds())

    def stats(self: _Fake, merchant_id: int | str) -> StatsSnapshot:
        """Requests a store received so far."""
        with self.lock:
            return self._stats[int(merchant_id)].snapshot()

    def requests(self: _Fake, merchant_id: int | str) -> int:
        """How many Merchant API requests the store received."""
        return self.stats(merchant_id).requests

    def rate_limited(self: _Fake, merchant_id: int | str) -> int:
        """How many of them were answered 429."""
        return self.stats(merchant_id).rate_limited

    def request_times(self: _Fake, merchant_id: int | str) -> list[float]:
        """When each request arrived (Unix seconds, fake clock)."""
        with self.lock:
            return list(self._stats[int(merchant_id)].times)

    def reset_stats(self: _Fake) -> None:
        """Forget the counters (rate-limit windows and faults stay)."""
        with self.lock:
            self._stats = {mid: StoreStats() for mid in self._stores}
            self.unauthenticated_requests = 0
            self.oauth_requests = 0


__all__ = ["TrafficMixin"]
