"""Pacing for Salla's documented rate limit: spend the budget, then 1/s until X-RateLimit-Reset.

Two kinds of test: the pacer fed documented header sequences by hand (what it waits, when), and
the pacer driving the fake Salla's limiter on a simulated clock with network latency (no 429,
and close to what the documented model allows).
"""

from __future__ import annotations

import itertools
import math
import random
import threading

import pytest

from adapters.fake_salla import PlanRateLimiter, allowed_by_model
from adapters.salla.pacing import RateLimitPacer, backoff_delay, retry_after_seconds

T0 = 1_700_000_000.0  # compare times as offsets from T0: pytest.approx is relative (1e-6 of 1.7e9 s is 28 min)


class Timeline:
    """A clock that moves only when slept on; records each sleep."""

    def __init__(self, start: float = T0) -> None:
        self.t = start
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def _headers(limit: int, remaining: int, reset: float) -> dict[str, str]:
    return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(int(reset))}


# ---------------------------------------------------------------------------------------------
# Documented header sequences, by hand


def test_spends_the_budget_without_waiting() -> None:
    time = Timeline()
    pacer = RateLimitPacer(answer_timeout=5, sleep=time.sleep, now=time.now)
    pacer.before_request("s")  # nothing known yet: goes, and its answer tells the window
    pacer.after_response("s", _headers(120, 119, T0 + 60))
    for remaining in range(118, 2, -1):  # down to the reserve of 2
        pacer.before_request("s")
        pacer.after_response("s", _headers(120, remaining, T0 + 60))
    assert time.slept == []


def test_once_the_budget_is_spent_one_request_per_second_counted_from_the_empty_answer() -> None:
    time = Timeline()
    pacer = RateLimitPacer(answer_timeout=5, sleep=time.sleep, now=time.now, reserve=0)
    pacer.before_request("s")
    time.t += 0.3  # the answer's latency
    pacer.after_response("s", _headers(120, 0, T0 + 60))  # budget spent at Salla before T0+0.3
    sent = []
    for _ in range(3):
        pacer.before_request("s")
        sent.append(time.t)
        time.t += 0.2  # each answer takes 0.2 s: the schedule does not drift with it
        pacer.after_response("s", _headers(120, 0, T0 + 60))
    assert [t - T0 for t in sent] == pytest.approx([1.3, 2.3, 3.3])


def test_seconds_a_late_caller_missed_are_used_not_lost() -> None:
    time = Timeline()
    pacer = RateLimitPacer(answer_timeout=5, sleep=time.sleep, now=time.now, reserve=0)
    pacer.before_request("s")
    pacer.after_response("s", _headers(120, 0, T0 + 60))  # empty at T0: leak seconds T0+1, T0+2, ...
    time.t += 3.5  # the caller was busy
    sent = []
    for banked in (2, 1, 0, 0):  # what Salla reports: leak seconds not used yet
        pacer.before_request("s")
        sent.append(time.t)
        time.t += 0.1
        pacer.after_response("s", _headers(120, banked, T0 + 60))
    assert [t - T0 for t in sent] == pytest.approx([3.5, 3.6, 3.7, 4.0])  # seconds 1-3 banked, then 4


def test_the_reserve_is_spent_at_the_leak_rate_too() -> None:
    time = Timeline()
    pacer = RateLimitPacer(answer_timeout=5, sleep=time.sleep, now=time.now, reserve=2)
    pacer.before_request("s")
    pacer.after_response("s", _headers(120, 2, T0 + 60))
    pacer.before_request("s")
    assert time.slept == [pytest.approx(1.0)]


def test_never_sends_into_a_known_empty_window_and_a_slow_answer_is_waited_for() -> None:
    time = Timeline()
    pacer = RateLimitPacer(answer_timeout=5, sleep=time.sleep, now=time.now, reserve=0)
    pacer.before_request("s")
    pacer.after_response("s", _headers(120, 0, T0 + 60))
    pacer.before_request("s")  # at T0+1
    started = threading.Event()
    sent_at: list[float] = []

    def second() -> None:
        started.set()
        pacer.before_request("s")
        sent_at.append(time.t)

    thread = threading.Thread(target=second)
    thread.start()
    started.wait()
    thread.join(timeout=0.2)
    assert thread.is_alive()  # the first is still in flight: the second waits for its answer
    time.t += 5  # a very slow answer
    pacer.after_response("s", _headers(120, 0, T0 + 60))
    thread.join(timeout=5)
    assert [t - T0 for t in sent_at] == [pytest.approx(6)]  # at once: 2 s after the empty answer came and went


def test_at_the_reset_one_request_reads_the_new_window_then_the_rest_follow() -> None:
    time = Timeline(T0 + 59.6)
    pacer = RateLimitPacer(answer_timeout=5, sleep=time.sleep, now=time.now, reserve=0)
    pacer.before_request("s")
    pacer.after_response("s", _headers(120, 0, T0 + 60))  # at T0+59.6, reset at T0+60
    pacer.before_request("s")
    assert time.t - T0 == pytest.approx(60)  # the reset comes before the next leak second
    released: list[float] = []
    threads = [threading.Thread(target=lambda: (pacer.before_request("s"), released.append(time.t)))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=0.2)
    assert released == []  # the new window is not known until the first request's answer
    pacer.after_response("s", _headers(120, 119, T0 + 120))
    for thread in threads:
        thread.join(timeout=5)
    assert [t - T0 for t in released] == [pytest.approx(60)] * 3  # fresh budget: no waiting


def test_answers_of_an_older_window_do_not_undo_a_newer_one() -> None:
    time = Timeline()
    pacer = RateLimitPacer(answer_timeout=5, sleep=time.sleep, now=time.now, reserve=2)
    pacer.before_request("s")
    pacer.after_response("s", _headers(120, 10, T0 + 60))
    for _ in range(2):
        pacer.before_request("s")
    time.t += 60  # a slow network: one of the two reached Salla in the next window
    pacer.after_response("s", _headers(120, 110, T0 + 120))
    pacer.after_response("s", _headers(120, 1, T0 + 60))  # late, about the previous window
    pacer.before_request("s")
    assert time.slept == []


def test_out_of_order_answers_of_one_window_keep_the_lowest_count() -> None:
    time = Timeline()
    pacer = RateLimitPacer(answer_timeout=5, sleep=time.sleep, now=time.now, reserve=2)
    pacer.before_request("s")
    pacer.after_response("s", _headers(120, 10, T0 + 60))
    for _ in range(2):
        pacer.before_request("s")
    pacer.after_response("s", _headers(120, 2, T0 + 60))
    pacer.after_response("s", _headers(120, 3, T0 + 60))  # the older of the two, arriving last
    pacer.before_request("s")
    assert time.slept == [pytest.approx(1.0)]


def test_a_429_stops_every_thread_of_the_key_for_retry_after() -> None:
    time = Timeline()
    pacer = RateLimitPacer(answer_timeout=5, sleep=time.sleep, now=time.now)
    pacer.before_request("s")
    pacer.after_response("s", {**_headers(120, 0, T0 + 60), "Retry-After": "4"})
    pacer.after_rate_limited("s", 4.0)
    pacer.before_request("s")
    assert time.slept == [pytest.approx(4.0)] and pacer.waited == pytest.approx(4.0)
    pacer.after_response("s", _headers(120, 0, T0 + 60))
    pacer.before_request("s")
    assert time.slept[-1] == pytest.approx(1.0)  # then the leak rate again, from that answer


def test_keys_are_independent() -> None:
    time = Timeline()
    pacer = RateLimitPacer(answer_timeout=5, sleep=time.sleep, now=time.now)
    pacer.before_request("a")
    pacer.after_response("a", _headers(120, 0, T0 + 60))
    pacer.before_request("b")
    assert time.slept == []
    pacer.before_request("a")
    assert time.slept == [pytest.approx(1.0)]


def test_a_frozen_clock_does_not_hang_the_pacer() -> None:
    slept: list[float] = []
    pacer = RateLimitPacer(sleep=slept.append, now=lambda: T0)
    pacer.before_request("s")
    pacer.after_response("s", _headers(120, 0, T0 + 60))
    for _ in range(3):
        pacer.before_request("s")
        pacer.after_response("s", _headers(120, 0, T0 + 60))
    assert len(slept) == 3


def test_retry_after_parsing_and_backoff_bounds() -> None:
    assert retry_after_seconds({"retry-after": "7"}) == 7
    assert retry_after_seconds({"retry-after": "soon"}, default=2) == 2
    assert retry_after_seconds({"retry-after": "nan"}, default=2) == 2
    assert retry_after_seconds({}) == 1
    rng = random.Random(1)
    delays = [backoff_delay(n, base=0.5, cap=8, rng=rng) for n in range(1, 10)]
    assert 0.25 <= delays[0] <= 0.5
    assert all(d <= 8 for d in delays) and delays[-1] >= 4


# ---------------------------------------------------------------------------------------------
# Against the fake Salla's limiter on a simulated clock


class SimulatedSalla:
    """A store's limiter on a simulated clock; each request travels ``latency`` seconds each way."""

    def __init__(self, limit: int, *, latency: tuple[float, float] = (0.02, 0.02), seed: int = 1) -> None:
        self.time = Timeline()
        self.limiter = PlanRateLimiter(limit)
        self.latency = latency
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.refused = 0
        self.admitted_at: list[float] = []

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.time.sleep(seconds)

    def request(self) -> dict[str, str]:
        with self.lock:
            self.time.t += self.rng.uniform(*self.latency)
            decision = self.limiter.hit(self.time.t)
            if decision.allowed:
                self.admitted_at.append(self.time.t)
            else:
                self.refused += 1
            self.time.t += self.rng.uniform(*self.latency)
            headers = _headers(decision.limit, decision.remaining, decision.reset_at)
            if not decision.allowed:
                headers["Retry-After"] = str(decision.retry_after)
            return headers

    def run(self, pacer: RateLimitPacer, count: int, *, think: tuple[float, float] = (0.0, 0.0)) -> None:
        """Send ``count`` requests as ``MerchantHttp`` does: a 429 is waited out and sent again.

        ``think``: the caller's own time between an answer and its next request (parsing a page).
        """
        sent = 0
        while sent < count:
            pacer.before_request("store")
            headers = self.request()
            pacer.after_response("store", headers)
            if "Retry-After" in headers:
                pacer.after_rate_limited("store", float(headers["Retry-After"]))
            else:
                sent += 1
            with self.lock:
                self.time.t += self.rng.uniform(*think)

    def share_of_allowed(self) -> float:
        return len(self.admitted_at) / allowed_by_model(self.limiter.windows(self.time.t), until=self.admitted_at[-1])


@pytest.mark.parametrize("limit", [60, 120, 360, 720])
def test_a_sweep_of_several_windows_meets_no_429_and_uses_what_the_model_allows(limit: int) -> None:
    salla = SimulatedSalla(limit)
    pacer = RateLimitPacer(sleep=salla.sleep, now=salla.time.now)
    salla.run(pacer, limit * 2 + 150)  # two budgets and more: budget, 1/s, reset, budget, ...
    assert salla.refused == 0
    windows = salla.limiter.windows(salla.time.t)
    assert len(windows) >= 2 and all(w.spent_at is not None for w in windows[:-1])
    assert salla.share_of_allowed() >= 0.95
    # Between spending a budget and the window's reset, no two requests within a second.
    first = windows[0]
    assert first.spent_at is not None
    leak = [t for t in salla.admitted_at if first.spent_at < t < first.reset_at]
    assert len(leak) >= math.floor(first.reset_at - first.spent_at) - 2  # the reserve's 2 s
    assert min(b - a for a, b in itertools.pairwise(leak)) >= 1.0 - 1e-9


def test_a_sweep_starting_in_a_window_others_spent_meets_one_429_then_paces() -> None:
    salla = SimulatedSalla(120)
    salla.limiter.fill(salla.time.t)
    pacer = RateLimitPacer(sleep=salla.sleep, now=salla.time.now)
    salla.run(pacer, 150)
    assert salla.refused == 1  # the first request, before the pacer had seen any header
    assert len(salla.admitted_at) == 150 and salla.share_of_allowed() >= 0.9


def test_jittery_latency_never_reaches_salla_before_the_next_leak_second() -> None:
    # One-way latency from 10 ms to 400 ms: a schedule counted from the previous *send* would
    # let a fast request overtake a slow one's second; counting from the empty answer does not.
    salla = SimulatedSalla(120, latency=(0.01, 0.4), seed=7)
    pacer = RateLimitPacer(sleep=salla.sleep, now=salla.time.now)
    salla.run(pacer, 400)
    assert salla.refused == 0
    assert salla.share_of_allowed() >= 0.9


def test_a_caller_sometimes_slower_than_a_second_loses_no_leak_second() -> None:
    # 0.9 s of its own work per request on average, up to 1.8 s: one request per second is
    # still possible, but only if a second the caller was late for is used by the next request
    # (restarting the count from each late answer got 47 of the 60 in this simulation).
    salla = SimulatedSalla(120, seed=3)
    salla.limiter.fill(salla.time.t)  # 1 request per second from the start
    pacer = RateLimitPacer(sleep=salla.sleep, now=salla.time.now)
    salla.run(pacer, 110, think=(0.0, 1.8))
    assert salla.refused == 1  # the first request, before any header was seen
    windows = salla.limiter.windows(salla.time.t)
    assert windows[0].admitted >= 55  # of the 60 leak seconds of the first window
    assert salla.share_of_allowed() >= 0.95


def test_threads_sharing_a_store_never_hit_429() -> None:
    salla = SimulatedSalla(120, latency=(0.005, 0.05))
    pacer = RateLimitPacer(sleep=salla.sleep, now=salla.time.now)
    threads = [threading.Thread(target=salla.run, args=(pacer, 80)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(salla.admitted_at) == 320 and salla.refused == 0
