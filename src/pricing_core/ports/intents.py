"""Work recorded before its message is queued, until a worker has done it (``pricing_core.intents``)."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol

from pricing_core.intents import Intent, IntentStatus


class IntentRepository(Protocol):
    """Work recorded before its message is queued (``pricing_core.intents``), until a worker has done it.

    On a store-bound unit of work only that store's intents are visible (the scheduler's ticks,
    which belong to no store, only on an unscoped one).
    """

    def record(self, intent: Intent) -> None:
        """Insert ``intent``; for a key already recorded, queue it again as of ``intent.dispatched_at``
        (error cleared; its recoveries kept, unless it was given up: then a fresh count)."""
        ...

    def get(self, key: str) -> Intent | None:
        """The intent, or None (never recorded, or done)."""
        ...

    def taken(self, key: str, at: datetime) -> None:
        """A worker started on it at ``at`` (its sign of life while it runs or waits for a retry)."""
        ...

    def done(self, key: str, *, taken_at: datetime) -> bool:
        """Forget it, unless it was sent again after ``taken_at`` (that sending is still to be done)."""
        ...

    def stalled(self, before: datetime, *, limit: int = 1000) -> list[Intent]:
        """Queued intents with no sign of life since before ``before``, oldest first."""
        ...

    def resent(self, key: str, at: datetime) -> None:
        """The recovery sent it again at ``at`` (one more recovery)."""
        ...

    def give_up(self, key: str, reason: str) -> None:
        """Mark it ``dead`` with the reason (the operator sees it)."""
        ...

    def counts(self) -> dict[IntentStatus, int]:
        """How many visible intents in each status (statuses with none are left out)."""
        ...

    def list(self, *, status: IntentStatus | None = None, limit: int = 50) -> builtins.list[Intent]:
        """Visible intents, latest sending first."""
        ...

    def delete_dead_before(self, before: datetime) -> int:
        """Forget the intents given up whose last sending was before ``before``; how many."""
        ...


__all__ = ["IntentRepository"]
