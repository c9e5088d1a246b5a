"""Recovery of queued work that was lost: intents no worker has done, with no sign of life for a while.

A recorded command (``pricing_core.intents``) whose intent is still queued and quiet for
``queued_after`` was lost on its way (Redis restarted without persistence, the queue was down when
it was sent) or dead-lettered after its retries. Its command is sent again, at most
``max_resumes`` times; after that the intent is given up (``dead``, with the reason, logged where
the merchant or the operator sees it).

A command that names its run is checked against that run first: a run that finished means the
work was done and only its forgetting was lost (the intent is forgotten, nothing is sent); a run
that is alive (its heartbeat is recent) is left alone.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pricing_core.activity import ActivityType
from pricing_core.commands import RepriceProducts, SweepStoreNow
from pricing_core.intents import Intent
from pricing_core.ports import Clock, TaskQueue, UnitOfWork, UnitOfWorkFactory
from pricing_core.runs import RunStatus
from pricing_core.usecases.context import run_id_for
from pricing_core.usecases.recovery.policy import RecoveryPolicy
from pricing_core.usecases.recovery.report import WorkRecovery

_FINISHED = (RunStatus.COMPLETED, RunStatus.PARTIALLY_APPLIED)


def recover_lost_work(
    uow_factory: UnitOfWorkFactory, queue: TaskQueue, clock: Clock, policy: RecoveryPolicy, now: datetime
) -> WorkRecovery:
    """Send again, forget or give up every intent quiet since before ``now - policy.queued_after``.

    Stops at the first failure to send (the queue is down: the rest waits for the next pass) and
    records it in the result's ``error``.
    """
    cutoff = now - policy.queued_after
    with uow_factory() as uow:
        stalled = uow.intents.stalled(cutoff, limit=policy.limit)
    resent: list[str] = []
    found_done: list[str] = []
    given_up: dict[str, str] = {}
    kinds: Counter[str] = Counter()
    for listed in stalled:
        try:
            with uow_factory(listed.store_id) as uow:
                intent = uow.intents.get(listed.key)
                if intent is None or not intent.is_stalled(cutoff):
                    continue  # done, or sent again, since it was listed
                state = _run_state(uow, intent, now - policy.running_after)
                if state == "alive":
                    continue
                if state == "finished":
                    uow.intents.done(intent.key, taken_at=clock.now())
                    uow.commit()
                    found_done.append(intent.key)
                    continue
                if intent.recoveries >= policy.max_resumes:
                    reason = _give_up(uow, intent, clock)
                    uow.commit()
                    given_up[intent.key] = reason
                    continue
            # Outside the unit of work: the queue records the intent itself (a second transaction).
            queue.dispatch(intent.command)
            with uow_factory(intent.store_id) as uow:
                uow.intents.resent(intent.key, clock.now())
                uow.commit()
        except Exception as exc:  # the queue or the database is down: the rest waits for the next pass
            return WorkRecovery(resent=tuple(resent), found_done=tuple(found_done), given_up=given_up,
                                kinds=dict(kinds), error=f"{listed.kind} {listed.key}: {type(exc).__name__}: {exc}")
        resent.append(intent.key)
        kinds[intent.kind] += 1
    return WorkRecovery(resent=tuple(resent), found_done=tuple(found_done), given_up=given_up, kinds=dict(kinds))


def _run_state(uow: UnitOfWork, intent: Intent, alive_since: datetime) -> str | None:
    """For a command that names its run: ``finished``, ``alive`` (recent heartbeat), or None (send it)."""
    command = intent.command
    if not isinstance(command, RepriceProducts | SweepStoreNow) or command.run_key is None or uow.store is None:
        return None
    run = uow.store.runs.get(run_id_for(command.store_id, command.run_key))
    if run is None:
        return None
    if run.status in _FINISHED:
        return "finished"
    if run.status is RunStatus.RUNNING and run.last_progress_at >= alive_since:
        return "alive"
    return None


def _give_up(uow: UnitOfWork, intent: Intent, clock: Clock) -> str:
    sendings = intent.recoveries + 1
    reason = (f"not done after {sendings} sending(s) (lost, or failing every time); given up, "
              "send it again if it is still needed")
    uow.intents.give_up(intent.key, reason)
    log = uow.store.activity if uow.store is not None else uow.system_activity
    log.log(ActivityType.SYSTEM_RECOVERY, f"Recovery: queued work given up ({intent.kind}): {reason}",
            at=clock.now(), metadata={"intent": intent.key, "command": intent.kind,
                                      "message": intent.command.as_message(), "reason": reason})
    return reason


__all__ = ["recover_lost_work"]
