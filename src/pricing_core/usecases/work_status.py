"""What the database says about queued work and its recovery, for the operator view and the metrics.

The broker knows the messages (waiting, taken by a worker, waiting for a retry, dead-lettered);
the database knows the work behind them: recorded intents not done yet, those quiet long enough
to count as lost (the next recovery pass sends them again), those given up, and what the recovery
loop did lately (its system-wide ``system_recovery`` entries).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from pricing_core.activity import ActivityType
from pricing_core.intents import Intent, IntentStatus
from pricing_core.ports import Clock, UnitOfWorkFactory

# How many recovery entries are read to sum the window's actions (the system-wide ones are among them).
_RECOVERY_ENTRIES = 500
# The counters of a recovery entry that are actions (the others count stores left or failed).
RECOVERY_ACTIONS = ("applied", "returned_to_pending", "failed", "reenqueued", "runs_resumed", "runs_closed",
                    "work_resent", "work_found_done", "work_given_up")


@attrs.frozen(kw_only=True)
class WorkStatus:
    """Recorded work and recovery, as of ``at``.

    ``queued``: intents recorded and not done; ``lost``: of them, those with no sign of life for
    the recovery's ``queued_after`` (at most ``limit`` counted); ``dead``: given up, the latest in
    ``dead_recent``. ``recovery``: the recovery loop's actions summed over the window, by action;
    ``last_recovery_at``: its latest pass that did or met something.
    """

    at: datetime
    queued: int = 0
    lost: int = 0
    dead: int = 0
    dead_recent: tuple[Intent, ...] = ()
    recovery: Mapping[str, int] = attrs.field(factory=dict)
    recovery_window: timedelta = timedelta(hours=24)
    last_recovery_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON shape (the operator API)."""
        return {
            "intents": {"queued": self.queued, "lost": self.lost, "dead": self.dead,
                        "dead_recent": [{"key": i.key, "command": i.kind, "store_id": i.store_id,
                                         "dispatched_at": i.dispatched_at.isoformat(), "error": i.error}
                                        for i in self.dead_recent]},
            "recovery": {"window_hours": self.recovery_window.total_seconds() / 3600,
                         "actions": {k: self.recovery.get(k, 0) for k in RECOVERY_ACTIONS},
                         "last_pass_at": None if self.last_recovery_at is None else self.last_recovery_at.isoformat()},
        }


def summarize_work(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    queued_after: timedelta,
    window: timedelta = timedelta(hours=24),
    sample: int = 10,
    limit: int = 1000,
) -> WorkStatus:
    """Read the intents and the recovery loop's recent system-wide entries (one unscoped unit of work)."""
    now = clock.now()
    with uow_factory() as uow:
        counts = uow.intents.counts()
        lost = len(uow.intents.stalled(now - queued_after, limit=limit))
        dead = tuple(uow.intents.list(status=IntentStatus.DEAD, limit=sample)) if counts.get(IntentStatus.DEAD) else ()
        entries = [e for e in uow.system_activity.list(activity_type=ActivityType.SYSTEM_RECOVERY,
                                                       limit=_RECOVERY_ENTRIES)
                   if e.store_id is None and "stores_left" in e.metadata]   # the passes' summaries
    totals: Counter[str] = Counter()
    for entry in entries:
        if entry.created_at >= now - window:
            totals.update({k: v for k in RECOVERY_ACTIONS if isinstance(v := entry.metadata.get(k), int)})
    return WorkStatus(
        at=now, queued=counts.get(IntentStatus.QUEUED, 0), lost=lost, dead=counts.get(IntentStatus.DEAD, 0),
        dead_recent=dead, recovery=dict(totals), recovery_window=window,
        last_recovery_at=entries[0].created_at if entries else None,
    )


__all__ = ["RECOVERY_ACTIONS", "WorkStatus", "summarize_work"]
