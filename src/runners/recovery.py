"""Running the recovery of interrupted work: on the start of every process that does work, and periodically.

The use case (``pricing_core.usecases.recovery``) reads what the database says is in flight, so
it does not need the lost messages. This module builds its policy from the configuration, runs a
pass with logging, and starts the pass a process makes when it starts (in a thread, so a slow
Salla does not delay serving or consuming). The periodic pass is the ``RecoverStuckWork``
command's actor, dispatched by the scheduler (or the embedded server's in-process scheduler).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from prometheus_client import Counter

from adapters.config import Config
from adapters.services import Services
from pricing_core.usecases.recovery import RecoveryPolicy, RecoveryReport, recover_stuck_work
from pricing_core.usecases.work_status import RECOVERY_ACTIONS
from runners.broker import process_metric

log = logging.getLogger("salla_optimizer.recovery")

# In the process's registry: the worker's ``--metrics-port`` serves it, and so does ``serve``'s
# ``/metrics`` in the embedded default (where the recovery runs in the same process).
ACTIONS = process_metric(Counter, "salla_optimizer_recovery_actions",
                         "What the recovery loop did: prices settled, approvals and lost tasks sent again, "
                         "runs resumed or closed, tasks given up.", ("action",))
PASSES = process_metric(Counter, "salla_optimizer_recovery_passes", "Recovery passes, by outcome.", ("outcome",))


def recovery_policy(config: Config) -> RecoveryPolicy:
    """The timeouts of ``RECOVERY_*`` (see the README's configuration table)."""
    return RecoveryPolicy(
        applying_after=timedelta(seconds=config.recovery_applying_after_seconds),
        approved_after=timedelta(seconds=config.recovery_approved_after_seconds),
        running_after=timedelta(seconds=config.recovery_running_after_seconds),
        queued_after=timedelta(seconds=config.recovery_queued_after_seconds),
        max_resumes=config.recovery_max_resumes,
    )


def recover_now(services: Services, *, after_restart: bool = False) -> RecoveryReport:
    """One recovery pass with the configured policy; ``after_restart`` when this process's queue was lost.

    Logs what it did (INFO when anything moved, WARNING for stores it could not recover).
    """
    policy = recovery_policy(services.config)
    if after_restart:
        policy = policy.after_restart()
    report = recover_stuck_work(services, services.queue, policy=policy,
                                threshold_hours=services.token_threshold_hours)
    counts = report.counts()
    for action in RECOVERY_ACTIONS:
        if counts.get(action):
            ACTIONS.labels(action).inc(counts[action])
    PASSES.labels("error" if report.errors else "acted" if report.acted else "idle").inc()
    for where, error in report.errors.items():
        log.warning("recovery of %s: %s", "lost queued work" if where == "work" else f"store {where}", error)
    if report.acted:
        log.info("recovery: %s", report.as_dict())
    else:
        log.debug("recovery: nothing to do")
    return report


def recover_in_background(services: Services, *, after_restart: bool = False) -> threading.Thread:
    """Run the start-up pass in a daemon thread (a failure is logged; the periodic pass tries again)."""

    def run() -> None:
        try:
            recover_now(services, after_restart=after_restart)
        except Exception:  # the database may not be reachable yet: the next periodic pass runs anyway
            log.exception("recovery at start failed")

    thread = threading.Thread(target=run, name="recovery-at-start", daemon=True)
    thread.start()
    return thread


__all__ = ["recover_in_background", "recover_now", "recovery_policy"]
