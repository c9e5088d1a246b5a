"""Pacing from X-RateLimit headers: no 429 in steady state, the plan's rate used, thread-safe."""

from __future__ import annotations

import random
import threading

import pytest

from adapters.fake_salla import LeakyBucket
from adapters.memory.clock import FakeClock
from adapters.salla.pacing import RateLimitPacer, backoff_delay, retry_after_seconds


class Simulated:
    """A store's bucket on a fake clock; each request also takes ``latency`` seconds."""

    def __init__(self, capacity: int, *, leak: float | None = None, latency: float = 0.05) -> None:
        self.clock = FakeClock()
        self.bucket = LeakyBucket(capacity, leak_per_second=leak)
        self.latency = latency
        self.lock = threading.Lock()
        self.refused = 0
        self.admitted = 0

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)

    def request(self) -> dict[str, str]:
        with self.lock:
            self.clock.advance(seconds=self.latency)
            decision = self.bucket.hit(self.clock.now().timestamp())
            self.refused += not decision.allowed
            self.admitted += decision.allowed
            headers = {"X-RateLimit-Limit": str(decision.limit), "X-RateLimit-Remaining": str(decision.remaining)}
            if not decision.allowed:
                headers["Retry-After"] = str(decision.retry_after)
            return headers


def _run(sim: Simulated, pacer: RateLimitPacer, key: str, count: int) -> None:
    for _ in range(count):
        pacer.before_request(key)
        headers = sim.request()
        pacer.after_response(key, headers)


@pytest.mark.parametrize("capacity", [120, 360, 720])
def test_a_long_sweep_never_hits_429_and_uses_the_plan_rate(capacity: int) -> None:
    sim = Simulated(capacity)
    pacer = RateLimitPacer(sleep=sim.sleep)
    start = sim.clock.now()
    _run(sim, pacer, "store", capacity * 4)
    elapsed = (sim.clock.now() - start).total_seconds()
    assert sim.refused == 0
    sustained = (capacity * 4 - capacity) / elapsed * 60  # beyond the initial burst
    assert 0.9 * capacity <= sustained <= capacity * 1.01


def test_slower_leak_than_assumed_still_never_overdraws() -> None:
    sim = Simulated(120, leak=1.0)  # Salla's docs: "leak 1 req/s" once exhausted
    pacer = RateLimitPacer(sleep=sim.sleep)
    _run(sim, pacer, "store", 400)
    assert sim.refused == 0


def test_threads_sharing_a_store_never_hit_429() -> None:
    sim = Simulated(120, latency=0.01)
    pacer = RateLimitPacer(sleep=sim.sleep)
    threads = [threading.Thread(target=_run, args=(sim, pacer, "store", 100)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sim.admitted == 400 and sim.refused == 0


def test_keys_are_independent() -> None:
    slept: list[float] = []
    pacer = RateLimitPacer(sleep=slept.append)
    pacer.before_request("a")
    pacer.after_response("a", {"X-RateLimit-Limit": "120", "X-RateLimit-Remaining": "0"})
    pacer.before_request("b")
    assert slept == []
    pacer.before_request("a")
    assert slept == [pytest.approx(1.5)]  # (reserve 2 + 1 - 0) slots at 2 per second


def test_rate_limited_waits_retry_after() -> None:
    slept: list[float] = []
    pacer = RateLimitPacer(sleep=slept.append)
    pacer.after_rate_limited("a", 4.0)
    assert slept == [4.0] and pacer.waited == 4.0


def test_retry_after_parsing_and_backoff_bounds() -> None:
    assert retry_after_seconds({"retry-after": "7"}) == 7
    assert retry_after_seconds({"retry-after": "soon"}, default=2) == 2
    assert retry_after_seconds({}) == 1
    rng = random.Random(1)
    delays = [backoff_delay(n, base=0.5, cap=8, rng=rng) for n in range(1, 10)]
    assert 0.25 <= delays[0] <= 0.5
    assert all(d <= 8 for d in delays) and delays[-1] >= 4
