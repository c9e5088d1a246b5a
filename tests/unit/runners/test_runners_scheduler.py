"""The periodic scheduler: cron jobs, fire times, and no double enqueue across scheduler processes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from adapters.config import Config, ConfigError
from adapters.memory.clock import FakeClock
from adapters.memory.queue import RecordingQueue
from adapters.memory.storage import InMemoryUnitOfWorkFactory
from pricing_core.commands import RefreshExpiringTokens, SweepAllStores, SweepDueStores
from runners.commands import PERIODIC
from runners.scheduler import DatabaseFireClaims, PeriodicScheduler, RedisFireClaims, claim_key

FIRE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(when: datetime):  # type: ignore[no-untyped-def]
    return lambda: when


def schedules(env: dict[str, str]) -> dict[str, str]:
    return Config.from_env(env).schedules


def test_default_schedules_match_the_design() -> None:
    assert schedules({}) == {
        "optimize_all_stores": "0 */6 * * *",
        "check_and_optimize_stores": "0 * * * *",
        "refresh_expiring_tokens": "0 */12 * * *",
        "cleanup_old_data": "30 3 * * sun",
        "recover_stuck_work": "*/5 * * * *",
        "watch_competitors": "*/30 * * * *",
        "send_alerts": "*/5 * * * *",
        "watch_price_changes": "30 5 * * *",
        "sync_orders": "15 */6 * * *",
    }
    custom = schedules({"SCHEDULE_REFRESH_EXPIRING_TOKENS": "0 */6 * * *", "SCHEDULE_CLEANUP_OLD_DATA": "off"})
    assert custom["refresh_expiring_tokens"] == "0 */6 * * *" and "cleanup_old_data" not in custom
    assert set(PERIODIC) == set(schedules({}))


def test_jobs_are_installed_with_their_next_fire_times() -> None:
    scheduler = BackgroundScheduler(timezone=UTC)
    PeriodicScheduler(RecordingQueue(), DatabaseFireClaims(InMemoryUnitOfWorkFactory(), FakeClock()),
                      schedules({})).install(scheduler)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == set(PERIODIC)
    after = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    next_times = {name: job.trigger.get_next_fire_time(None, after) for name, job in jobs.items()}
    assert next_times["check_and_optimize_stores"] == datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
    assert next_times["optimize_all_stores"] == datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
    assert next_times["refresh_expiring_tokens"] == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert next_times["cleanup_old_data"] == datetime(2026, 3, 1, 3, 30, tzinfo=UTC) + timedelta(days=7)
    assert next_times["recover_stuck_work"] == datetime(2026, 3, 1, 12, 30, tzinfo=UTC)   # every 5 minutes


def test_fire_enqueues_the_actor_with_a_batch_key_from_the_scheduled_time() -> None:
    queue = RecordingQueue()
    scheduler = PeriodicScheduler(queue, DatabaseFireClaims(InMemoryUnitOfWorkFactory(), FakeClock()),
                                  schedules({}), now=at(FIRE + timedelta(seconds=7)))
    assert scheduler.fire("optimize_all_stores")
    assert scheduler.fire("refresh_expiring_tokens")
    assert queue.of(SweepAllStores) == [SweepAllStores(batch_key="20260301T1200")]
    assert queue.of(RefreshExpiringTokens) == [RefreshExpiringTokens()]


def test_two_schedulers_enqueue_each_fire_once_database_claims() -> None:
    uow_factory = InMemoryUnitOfWorkFactory()
    queue = RecordingQueue()
    # two processes, firing a few seconds apart, sharing the database
    first = PeriodicScheduler(queue, DatabaseFireClaims(uow_factory, FakeClock()), schedules({}),
                              now=at(FIRE + timedelta(seconds=1)))
    second = PeriodicScheduler(queue, DatabaseFireClaims(uow_factory, FakeClock()), schedules({}),
                               now=at(FIRE + timedelta(seconds=4)))
    results = []
    barrier = threading.Barrier(2)

    def fire(s: PeriodicScheduler) -> None:
        barrier.wait()
        results.append(s.fire("check_and_optimize_stores"))

    threads = [threading.Thread(target=fire, args=(s,)) for s in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    assert len(queue.of(SweepDueStores)) == 1
    # the next hour is a new fire
    third = PeriodicScheduler(queue, DatabaseFireClaims(uow_factory, FakeClock()), schedules({}),
                              now=at(FIRE + timedelta(hours=1, seconds=2)))
    assert third.fire("check_and_optimize_stores")
    assert [m.batch_key for m in queue.of(SweepDueStores)] == ["20260301T1200", "20260301T1300"]


def test_fire_outside_the_schedule_is_ignored() -> None:
    queue = RecordingQueue()
    scheduler = PeriodicScheduler(queue, DatabaseFireClaims(InMemoryUnitOfWorkFactory(), FakeClock()),
                                  schedules({}), now=at(FIRE + timedelta(hours=2)), grace_seconds=60)
    assert not scheduler.fire("optimize_all_stores")   # last 6-hourly fire was 2 h ago
    assert queue.commands == []


def test_claim_key_is_stable_across_timezones() -> None:
    riyadh = FIRE.astimezone(datetime.now().astimezone().tzinfo)
    assert claim_key("job", riyadh) == claim_key("job", FIRE) == "schedule:job:2026-03-01T12:00:00Z"


def test_retention_from_env() -> None:
    from runners.handlers import retention_policy

    config = Config.from_env({"RETENTION_RUNS_DAYS": "10", "RETENTION_OFFERS_DAYS": "3"})
    policy = retention_policy(attrs_services(config))
    assert (policy.runs_days, policy.offers_days, policy.activity_days) == (10, 3, 180)
    with pytest.raises(ConfigError, match="RETENTION_RUNS_DAYS"):
        Config.from_env({"RETENTION_RUNS_DAYS": "ten"})


def attrs_services(config: Config):  # type: ignore[no-untyped-def]
    """Just enough of a services bundle for ``retention_policy`` (it reads the configuration only)."""
    from types import SimpleNamespace

    return SimpleNamespace(config=config)


def test_recovery_policy_from_env() -> None:
    from adapters.config import Config
    from runners.recovery import recovery_policy

    default = recovery_policy(Config.from_env({}))
    assert (default.applying_after, default.approved_after, default.running_after, default.max_resumes) == (
        timedelta(minutes=10), timedelta(minutes=10), timedelta(minutes=15), 3)
    custom = recovery_policy(Config.from_env({"RECOVERY_APPLYING_AFTER_SECONDS": "5",
                                              "RECOVERY_RUNNING_AFTER_SECONDS": "0", "RECOVERY_MAX_RESUMES": "1"}))
    assert (custom.applying_after, custom.running_after, custom.max_resumes) == (timedelta(seconds=5), timedelta(0), 1)
    with pytest.raises(ValueError, match="RECOVERY_APPROVED_AFTER_SECONDS"):
        Config.from_env({"RECOVERY_APPROVED_AFTER_SECONDS": "-1"})
    with pytest.raises(ValueError, match="RECOVERY_RUNNING_AFTER_SECONDS"):
        Config.from_env({"RECOVERY_RUNNING_AFTER_SECONDS": "soon"})


@pytest.mark.redis
def test_two_schedulers_enqueue_each_fire_once_redis_claims(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    namespace = f"test-{datetime.now().timestamp()}"
    queue = RecordingQueue()
    schedulers = [
        PeriodicScheduler(queue, RedisFireClaims(client, namespace=namespace, owner=f"s{i}"), schedules({}),
                          now=at(FIRE + timedelta(seconds=i)))
        for i in range(3)
    ]
    outcomes = [s.fire("optimize_all_stores") for s in schedulers]
    assert outcomes.count(True) == 1 and len(queue.of(SweepAllStores)) == 1
    key = f"{namespace}:{claim_key('optimize_all_stores', FIRE)}"
    assert client.get(key) == b"s0" and 0 < client.ttl(key) <= 2 * 24 * 3600
