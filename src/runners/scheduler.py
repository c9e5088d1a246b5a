"""The periodic scheduler: APScheduler cron triggers that enqueue the periodic actors.

Jobs (crontab expressions in UTC, ``SCHEDULE_<JOB>`` in ``Config``; their commands in
``runners.commands.PERIODIC``): ``optimize_all_stores`` every 6 h, ``check_and_optimize_stores``
hourly, ``refresh_expiring_tokens`` every 12 h, ``cleanup_old_data`` weekly, ``recover_stuck_work``
every 5 minutes (work a stopped process left in flight, see ``runners.recovery``).

Several scheduler processes may run (for availability); each fire is enqueued once. Before
enqueueing, a scheduler *claims* the (job, scheduled fire time) pair: with Redis a ``SET NX``
key with a TTL, otherwise a unique row in the database (the processed-deliveries inbox). Only the
claimant enqueues. The fire time comes from the trigger, not the wall clock, so two processes
firing a few seconds apart claim the same key. The fan-out messages also carry a batch key
derived from the fire time, so even a duplicate message would address the same sweep runs.

Each tick but the recovery's is recorded as an intent by the queue before it is sent
(``pricing_core.intents``): a tick whose message is lost (Redis restarted without persistence)
is sent again by the recovery loop instead of waiting for the next fire.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from pricing_core.commands import BATCHED, Command
from pricing_core.ports import Clock, TaskQueue, UnitOfWorkFactory
from pricing_core.usecases.sweeps import batch_key_for
from runners.commands import PERIODIC

log = logging.getLogger("salla_optimizer.scheduler")

CLAIM_TTL = timedelta(days=2)


class FireClaims(Protocol):
    """Who gets to enqueue one fire of one job."""

    def claim(self, job: str, fire_time: datetime) -> bool:
        """True for exactly one caller per (job, fire_time), however many schedulers ask."""
        ...


def claim_key(job: str, fire_time: datetime) -> str:
    """The dedupe key of one fire."""
    return f"schedule:{job}:{fire_time.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"


class RedisFireClaims:
    """Claims as Redis keys: ``SET key owner NX EX ttl`` succeeds for the first scheduler only."""

    def __init__(self, client: Any, *, namespace: str = "salla-optimizer", owner: str = "scheduler") -> None:
        self.client = client
        self.namespace = namespace
        self.owner = owner

    def claim(self, job: str, fire_time: datetime) -> bool:
        """Atomically create the fire's key; False when another scheduler created it first."""
        key = f"{self.namespace}:{claim_key(job, fire_time)}"
        return bool(self.client.set(key, self.owner, nx=True, ex=int(CLAIM_TTL.total_seconds())))


class DatabaseFireClaims:
    """Claims as rows of the processed-deliveries table, whose primary key makes the insert unique."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def claim(self, job: str, fire_time: datetime) -> bool:
        """Insert the fire's row; False when it exists (or a concurrent insert won the race)."""
        try:
            with self.uow_factory() as uow:
                fresh = uow.webhooks.record(claim_key(job, fire_time), event=f"schedule.{job}", store_id=None,
                                            at=self.clock.now())
                if fresh:
                    uow.commit()
                return fresh
        except Exception as exc:  # a unique violation from a concurrent scheduler: it won the claim
            log.info("claim of %s at %s lost: %s", job, fire_time, exc)
            return False


class PeriodicScheduler:
    """Builds the APScheduler jobs and enqueues each claimed fire on the task queue."""

    def __init__(
        self,
        queue: TaskQueue,
        claims: FireClaims,
        schedules: Mapping[str, str],
        *,
        grace_seconds: int = 300,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.queue = queue
        self.claims = claims
        unknown = set(schedules) - set(PERIODIC)
        if unknown:
            raise ValueError(f"no periodic job named {sorted(unknown)}; known: {sorted(PERIODIC)}")
        self.triggers = {job: CronTrigger.from_crontab(expr, timezone=UTC) for job, expr in schedules.items()}
        self.grace = timedelta(seconds=grace_seconds)
        self.now = now

    def fire_time(self, job: str) -> datetime | None:
        """The scheduled time of the fire being handled: the trigger's latest time within the grace window."""
        now = self.now()
        trigger = self.triggers[job]
        candidate: datetime | None = trigger.get_next_fire_time(None, now - self.grace)
        if candidate is None or candidate > now:
            return None
        # A schedule more frequent than the grace window has several fires in it: the latest one
        # is being handled (the earlier ones were claimed when they fired).
        while True:
            following: datetime | None = trigger.get_next_fire_time(candidate, candidate + timedelta(microseconds=1))
            if following is None or following > now:
                return candidate
            candidate = following

    def fire(self, job: str) -> bool:
        """Handle one fire of ``job``: claim it, then enqueue its actor. True when this process enqueued."""
        when = self.fire_time(job)
        if when is None:
            log.warning("%s fired outside its schedule; ignored", job)
            return False
        if not self.claims.claim(job, when):
            log.info("%s at %s already enqueued by another scheduler", job, when.isoformat())
            return False
        self.queue.dispatch(command_for(job, batch_key_for(when)))
        log.info("enqueued %s for %s", job, when.isoformat())
        return True

    def install(self, scheduler: BaseScheduler) -> BaseScheduler:
        """Add one cron job per periodic actor to ``scheduler``."""
        for job, trigger in self.triggers.items():
            scheduler.add_job(
                self.fire, trigger=trigger, args=[job], id=job, name=job, replace_existing=True,
                misfire_grace_time=int(self.grace.total_seconds()), coalesce=True, max_instances=1,
            )
        return scheduler

    def build(self) -> BlockingScheduler:
        """A blocking scheduler with the jobs installed (``.start()`` runs until interrupted)."""
        scheduler = BlockingScheduler(timezone=UTC)
        self.install(scheduler)
        return scheduler


def command_for(job: str, batch_key: str | None = None) -> Command:
    """The command of one fire of ``job``; fan-outs carry the batch key of the fire time."""
    kind = PERIODIC[job]
    return kind(batch_key=batch_key) if kind in BATCHED else kind()  # type: ignore[call-arg]


def claims_for(redis_client: Any, uow_factory: UnitOfWorkFactory, clock: Clock) -> FireClaims:
    """Redis claims over the process's Redis pool when Redis is configured (it is already the broker),
    database claims otherwise."""
    if redis_client is not None:
        return RedisFireClaims(redis_client)
    return DatabaseFireClaims(uow_factory, clock)


__all__ = [
    "CLAIM_TTL",
    "DatabaseFireClaims",
    "FireClaims",
    "PeriodicScheduler",
    "RedisFireClaims",
    "claim_key",
    "claims_for",
    "command_for",
]
