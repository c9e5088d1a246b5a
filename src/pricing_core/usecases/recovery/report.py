"""What a recovery pass did: per store (decisions and runs), for lost queued work, and in total."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs


@attrs.frozen(kw_only=True)
class StoreRecovery:
    """What recovery did for one store (decision ids, run ids), and what it left for the next pass."""

    store_id: str
    applied: tuple[str, ...] = ()                                    # APPLYING, found applied in Salla
    returned: tuple[str, ...] = ()                                   # APPLYING, back to PENDING with a note
    failed: Mapping[str, str] = attrs.field(factory=dict)            # -> FAILED, with the reason
    reenqueued: tuple[str, ...] = ()                                 # APPROVED, application enqueued again
    resumed: tuple[str, ...] = ()                                    # runs enqueued again with their key
    closed: Mapping[str, str] = attrs.field(factory=dict)            # runs closed as failed, with the reason
    left: str | None = None                                          # why some work waits for the next pass
    error: str | None = None

    @property
    def acted(self) -> bool:
        """True when anything moved or was enqueued."""
        return bool(self.applied or self.returned or self.failed or self.reenqueued or self.resumed or self.closed)

    def counts(self) -> dict[str, int]:
        """How many of each action."""
        return {"applied": len(self.applied), "returned_to_pending": len(self.returned), "failed": len(self.failed),
                "reenqueued": len(self.reenqueued), "runs_resumed": len(self.resumed),
                "runs_closed": len(self.closed)}


@attrs.frozen(kw_only=True)
class WorkRecovery:
    """What recovery did with recorded work (intents) that no worker had done: by intent key.

    ``resent``: sent again (lost in the queue, or dead-lettered); ``found_done``: its run had
    finished after all (only the forgetting was lost), so it was forgotten; ``given_up``: sent
    too often already, marked dead with the reason (the operator sees it).
    """

    resent: tuple[str, ...] = ()
    found_done: tuple[str, ...] = ()
    given_up: Mapping[str, str] = attrs.field(factory=dict)
    kinds: Mapping[str, int] = attrs.field(factory=dict)      # command type -> how many were sent again
    error: str | None = None

    @property
    def acted(self) -> bool:
        """True when any intent was sent again, forgotten or given up."""
        return bool(self.resent or self.found_done or self.given_up)

    def counts(self) -> dict[str, int]:
        """How many of each action."""
        return {"work_resent": len(self.resent), "work_found_done": len(self.found_done),
                "work_given_up": len(self.given_up)}


@attrs.frozen(kw_only=True)
class RecoveryReport:
    """One recovery pass: when it looked, what it did per store (only stores with stalled work), and
    what it did with lost queued work."""

    at: datetime
    stores: tuple[StoreRecovery, ...] = ()
    work: WorkRecovery = attrs.field(factory=WorkRecovery)

    @property
    def acted(self) -> bool:
        """True when the pass moved or enqueued anything."""
        return any(s.acted for s in self.stores) or self.work.acted

    @property
    def errors(self) -> dict[str, str]:
        """What could not be done, by store id (``work`` for the lost queued work)."""
        found = {s.store_id: s.error for s in self.stores if s.error}
        if self.work.error:
            found["work"] = self.work.error
        return found

    def counts(self) -> dict[str, int]:
        """Totals over the stores, plus stores left for the next pass and stores that failed, plus
        the lost queued work's actions."""
        totals: dict[str, int] = defaultdict(int)
        for store in self.stores:
            for key, value in store.counts().items():
                totals[key] += value
        totals["stores_left"] = sum(1 for s in self.stores if s.left)
        totals["stores_failed"] = sum(1 for s in self.stores if s.error)
        totals.update(self.work.counts())
        return dict(totals)

    def as_dict(self) -> dict[str, Any]:
        """JSON shape (logs, the CLI)."""
        return {"at": self.at.isoformat(), **self.counts(),
                "stores": [{"store_id": s.store_id, **s.counts(), "left": s.left, "error": s.error}
                           for s in self.stores if s.acted or s.left or s.error],
                "work": {"resent": dict(self.work.kinds), "given_up": dict(self.work.given_up),
                         "error": self.work.error}}


_LABELS = {
    "applied": "price change(s) found applied in Salla",
    "returned_to_pending": "returned to pending approval (Salla still shows the old price)",
    "failed": "failed",
    "reenqueued": "approved change(s) sent to be applied again",
    "runs_resumed": "run(s) resumed",
    "runs_closed": "run(s) closed as interrupted",
    "work_resent": "lost queued task(s) sent again",
    "work_found_done": "queued task(s) found done",
    "work_given_up": "queued task(s) given up",
    "stores_left": "store(s) busy, left for the next pass",
    "stores_failed": "store(s) with errors",
}


def summary(counts: Mapping[str, int]) -> str:
    """One line for the activity log: each non-zero count with what it means."""
    parts = [f"{counts[key]} {label}" for key, label in _LABELS.items() if counts.get(key)]
    return ", ".join(parts) or "nothing to do"


__all__ = ["RecoveryReport", "StoreRecovery", "WorkRecovery", "summary"]
