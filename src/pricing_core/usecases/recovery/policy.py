"""When work in flight counts as abandoned, and how far one recovery pass goes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs


def _non_negative(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value < type(value)(0):
        raise ValueError(f"{attribute.name} must not be negative, got {value}")


@attrs.frozen(kw_only=True)
class RecoveryPolicy:
    """When work in flight counts as abandoned, and how far recovery goes.

    ``applying_after`` leaves Salla's bulk queue time to apply what was sent before a price is
    read back (Salla says its queue may take minutes); ``running_after`` is compared with a run's
    heartbeat, so it only needs to exceed the longest gap between two pages of a live sweep (the
    sweep lock is the proof that nobody runs it, the timeout only spares the lock probe);
    ``approved_after`` bounds how often a lost approval is enqueued again; ``queued_after`` is how
    long recorded work may wait in the queue with no worker taking it (or between a worker's
    retries) before it counts as lost and is sent again: longer than the queue's usual wait and
    the longest retry backoff. ``max_resumes`` bounds the resumes of a run and the sendings of
    lost work. ``limit`` bounds the decisions, runs and intents of each kind one pass looks at
    (the rest wait for the next pass).
    """

    applying_after: timedelta = attrs.field(default=timedelta(minutes=10), validator=_non_negative)
    approved_after: timedelta = attrs.field(default=timedelta(minutes=10), validator=_non_negative)
    running_after: timedelta = attrs.field(default=timedelta(minutes=15), validator=_non_negative)
    queued_after: timedelta = attrs.field(default=timedelta(minutes=15), validator=_non_negative)
    max_resumes: int = attrs.field(default=3, validator=_non_negative)
    apply_lock_wait: float = attrs.field(default=5.0, validator=_non_negative)
    limit: int = attrs.field(default=5000, validator=_non_negative)

    def after_restart(self) -> RecoveryPolicy:
        """The policy for the first pass of a process whose queue died with its predecessor.

        The embedded server's in-process queue is lost with the process: every APPROVED decision,
        every RUNNING run whose sweep lock is free and every recorded intent is orphaned at once,
        without waiting for the timeouts. APPLYING decisions still wait ``applying_after`` for
        Salla's bulk queue.
        """
        return attrs.evolve(self, approved_after=timedelta(0), running_after=timedelta(0),
                            queued_after=timedelta(0))


__all__ = ["RecoveryPolicy"]
