"""The fake Salla's rate limit against Salla's documented model, and its scaled clock.

Salla's "Rate Limiting" page: Plus 120 / Pro 360 / Special 720 requests per 1 minute; once
exceeded, "1 request per second until the minute resets"; ``X-RateLimit-Reset`` is the window's
reset time (epoch seconds); 429 with ``Retry-After`` past the limit.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from adapters.fake_salla import PLAN_LIMITS, PlanRateLimiter, SandboxStoreSpec, ScaledClock, create_fake_salla
from adapters.memory.clock import FakeClock

T0 = 1_700_000_000.0  # a whole second: the window opened by a request at T0 resets at T0 + 60


def _spend(limiter: PlanRateLimiter, now: float) -> None:
    for _ in range(limiter.limit):
        assert limiter.hit(now).allowed


def test_documented_budgets_by_plan_and_basic_at_the_strictest_documented_figure() -> None:
    assert PLAN_LIMITS == {"plus": 120, "pro": 360, "special": 720, "basic": 60}
    with pytest.raises(ValueError, match="unknown plan"):
        SandboxStoreSpec(name="x", plan="gold")


@pytest.mark.parametrize("limit", [60, 120, 360, 720])
def test_the_budget_is_admitted_at_once_then_refused(limit: int) -> None:
    limiter = PlanRateLimiter(limit)
    decisions = [limiter.hit(T0 + 0.5) for _ in range(limit + 1)]
    assert all(d.allowed for d in decisions[:limit])
    assert [d.remaining for d in decisions[:3]] == [limit - 1, limit - 2, limit - 3]
    assert decisions[limit - 1].remaining == 0
    refused = decisions[limit]
    assert not refused.allowed and refused.remaining == 0 and refused.limit == limit
    assert refused.retry_after == 1  # the next leak second


@pytest.mark.parametrize("limit", [60, 120, 360, 720])
def test_after_the_budget_exactly_one_request_per_second_for_every_plan(limit: int) -> None:
    limiter = PlanRateLimiter(limit)
    _spend(limiter, T0)  # spent at T0: leak seconds at T0+1, T0+2, ...
    assert not limiter.hit(T0 + 0.99).allowed
    first = limiter.hit(T0 + 1.0)
    assert first.allowed and first.remaining == 0
    refused = limiter.hit(T0 + 1.2)
    assert not refused.allowed and refused.retry_after == 1  # 0.8 s to T0+2, rounded up
    # Sending one every second from then on is always admitted, whatever the plan's budget.
    assert all(limiter.hit(T0 + s).allowed for s in range(2, 60))
    assert not limiter.hit(T0 + 59.5).allowed  # the last leak second of the window is used


def test_leak_seconds_not_used_are_allowed_later_in_the_window() -> None:
    limiter = PlanRateLimiter(120)
    _spend(limiter, T0 + 10)
    later = limiter.hit(T0 + 15.5)  # 5 whole seconds after the budget ran out: 5 allowed so far
    assert later.allowed and later.remaining == 4
    assert sum(limiter.hit(T0 + 15.5).allowed for _ in range(10)) == 4


def test_the_window_resets_a_minute_after_it_opened_with_a_full_budget() -> None:
    limiter = PlanRateLimiter(120)
    _spend(limiter, T0 + 0.3)
    assert limiter.hit(T0 + 0.3).reset_at == T0 + 60
    assert sum(limiter.hit(T0 + 59.6).allowed for _ in range(70)) == 59  # 59 whole leak seconds so far
    last = limiter.hit(T0 + 59.9)
    assert not last.allowed and last.retry_after == 1  # the reset (0.1 s away) comes before T0+60.3
    fresh = limiter.hit(T0 + 60.0)
    assert fresh.allowed and fresh.remaining == 119 and fresh.reset_at == T0 + 120


def test_a_window_opens_with_the_first_request_after_the_last_one_ended() -> None:
    limiter = PlanRateLimiter(120)
    assert limiter.hit(T0 + 7.8).reset_at == T0 + 67  # opened in second T0+7
    assert limiter.hit(T0 + 200.2).reset_at == T0 + 260
    windows = limiter.windows(T0 + 200.2)
    assert [(w.started_at, w.admitted) for w in windows] == [(T0 + 7, 1), (T0 + 200, 1)]


def test_fill_simulates_other_clients_and_windows_record_what_happened() -> None:
    limiter = PlanRateLimiter(120)
    limiter.fill(T0, level=100)
    assert limiter.level(T0) == 100
    assert limiter.hit(T0).remaining == 19
    limiter.fill(T0 + 1)  # the rest of the budget, spent at T0+1
    assert not limiter.hit(T0 + 1.5).allowed
    assert limiter.hit(T0 + 2).allowed
    assert limiter.level(T0 + 61) == 0  # the window ended
    [window] = limiter.windows(T0 + 61)
    assert (window.prefilled, window.spent_at, window.admitted, window.refused) == (119, T0 + 1, 2, 1)


def _fake_and_token(plan: str) -> tuple:  # type: ignore[type-arg]
    clock = FakeClock(datetime.fromtimestamp(T0, UTC))
    fake = create_fake_salla(clock=clock, stores=[SandboxStoreSpec(name="S", plan=plan, products=3,
                                                                   merchant_id=1234509876)])
    return fake, clock, {"Authorization": f"Bearer {fake.issue_tokens(1234509876)['access_token']}"}


@pytest.mark.parametrize(("plan", "limit"), [("basic", 60), ("plus", 120)])
def test_the_fake_sends_the_documented_headers_and_429_over_http(plan: str, limit: int) -> None:
    fake, clock, auth = _fake_and_token(plan)
    with TestClient(fake.app) as http:
        answers = [http.get("/admin/v2/store/info", headers=auth) for _ in range(limit)]
        assert all(a.status_code == 200 for a in answers)
        assert answers[0].headers["X-RateLimit-Limit"] == str(limit)
        assert [int(a.headers["X-RateLimit-Remaining"]) for a in answers[:2]] == [limit - 1, limit - 2]
        assert {a.headers["X-RateLimit-Reset"] for a in answers} == {str(int(T0) + 60)}
        refused = http.get("/admin/v2/store/info", headers=auth)
        assert refused.status_code == 429 and refused.json()["success"] is False
        assert refused.headers["Retry-After"] == "1" and refused.headers["X-RateLimit-Remaining"] == "0"
        clock.advance(seconds=1)
        assert http.get("/admin/v2/store/info", headers=auth).status_code == 200
        assert http.get("/admin/v2/store/info", headers=auth).status_code == 429
        clock.advance(seconds=59)
        fresh = http.get("/admin/v2/store/info", headers=auth)
        assert fresh.status_code == 200 and fresh.headers["X-RateLimit-Remaining"] == str(limit - 1)
    assert fake.rate_limited(1234509876) == 2
    assert [w.admitted for w in fake.rate_windows(1234509876)] == [limit + 1, 1]


def test_bucket_control_route_rejects_a_level_that_is_not_a_count() -> None:
    fake, _, _ = _fake_and_token("plus")
    with TestClient(fake.app) as http:
        assert http.post("/_fake/stores/1234509876/bucket", json={"level": "lots"}).status_code == 400
        assert http.post("/_fake/stores/1234509876/bucket", json={"level": 30}).json() == {"level": 30}


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
