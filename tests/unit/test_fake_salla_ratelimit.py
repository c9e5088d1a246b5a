"""The fake Salla's leaky bucket and scaled clock."""

from __future__ import annotations

import time

import pytest

from adapters.fake_salla import LeakyBucket, ScaledClock


def test_plus_bucket_admits_its_capacity_then_refuses_with_retry_after() -> None:
    bucket = LeakyBucket(120)
    decisions = [bucket.hit(1000.0) for _ in range(121)]
    assert all(d.allowed for d in decisions[:120])
    assert [d.remaining for d in decisions[:3]] == [119, 118, 117]
    refused = decisions[120]
    assert not refused.allowed and refused.remaining == 0
    assert refused.retry_after == 1  # one slot leaks back in 0.5 s at 120/min
    assert refused.limit == 120


def test_bucket_leaks_at_the_plan_rate() -> None:
    bucket = LeakyBucket(120)
    for _ in range(120):
        bucket.hit(0.0)
    assert not bucket.hit(0.4).allowed
    assert bucket.hit(0.5).allowed
    assert not bucket.hit(0.5).allowed
    assert bucket.level(60.5) == pytest.approx(0.0)
    assert bucket.hit(60.5).remaining == 119


def test_slower_leak_as_salla_docs_state_after_exhaustion() -> None:
    bucket = LeakyBucket(120, leak_per_second=1.0)
    for _ in range(120):
        bucket.hit(0.0)
    refused = bucket.hit(0.5)
    assert not refused.allowed and refused.retry_after == 1
    assert bucket.hit(1.0).allowed


def test_reset_is_when_the_bucket_would_be_empty() -> None:
    bucket = LeakyBucket(360)
    for _ in range(60):
        decision = bucket.hit(100.0)
    assert decision.reset_at == 100 + 10  # 60 requests leak in 10 s at 6/s


def test_fill_simulates_other_clients() -> None:
    bucket = LeakyBucket(120)
    bucket.fill(0.0)
    assert not bucket.hit(0.0).allowed
    bucket.fill(0.0, level=100)
    assert bucket.hit(0.0).remaining == 19


def test_scaled_clock_runs_faster_and_stays_continuous() -> None:
    clock = ScaledClock(100.0)
    start = clock.now()
    time.sleep(0.05)
    middle = clock.now()
    assert (middle - start).total_seconds() >= 4.5
    clock.set_scale(1.0)
    after = clock.now()
    assert after >= middle
    time.sleep(0.05)
    assert 0.04 <= (clock.now() - after).total_seconds() < 1.0  # back to wall-clock speed
    with pytest.raises(ValueError):
        clock.set_scale(0)
