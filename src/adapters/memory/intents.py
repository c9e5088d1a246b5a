"""``IntentRepository`` in memory: the intents live in the in-memory state's ``intents`` dict, by key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import attrs

from pricing_core.intents import Intent, IntentStatus


class _Journal(Protocol):
    """What this repository needs from the in-memory unit of work (``adapters.memory.storage``)."""

    bound_store: str | None

    def read(self) -> Any:
        """The unit of work's copy of the state (its ``intents`` dict, by key)."""
        ...

    def write(self, op: Callable[[Any], Any]) -> Any:
        """Apply ``op`` to the copy now and to the committed state on commit."""
        ...


class MemoryIntents:
    """``IntentRepository``. Writes go through the unit of work's journal (replayed on commit)."""

    def __init__(self, uow: _Journal) -> None:
        self._uow = uow

    def _visible(self, intent: Intent) -> bool:
        bound = self._uow.bound_store
        return bound is None or intent.store_id == bound

    def _all(self) -> list[Intent]:
        return [i for i in self._uow.read().intents.values() if self._visible(i)]

    def _update(self, key: str, change: Any) -> Any:
        """Apply ``change(intent) -> Intent | None`` to the visible intent ``key`` (None deletes it)."""
        def op(state: Any) -> bool:
            current = state.intents.get(key)
            if current is None or not self._visible(current):
                return False
            changed = change(current)
            if changed is None:
                del state.intents[key]
            elif changed is not current:
                state.intents[key] = changed
            return True

        return self._uow.write(op)

    def record(self, intent: Intent) -> None:
        if not self._visible(intent):
            raise ValueError(f"a unit of work bound to store {self._uow.bound_store} cannot record "
                             f"work for store {intent.store_id}")

        def op(state: Any) -> None:
            current = state.intents.get(intent.key)
            if current is None:
                state.intents[intent.key] = intent
                return
            recoveries = 0 if current.status is IntentStatus.DEAD else current.recoveries
            state.intents[intent.key] = attrs.evolve(current, command=intent.command, status=IntentStatus.QUEUED,
                                                     dispatched_at=intent.dispatched_at, recoveries=recoveries,
                                                     error=None)

        self._uow.write(op)

    def get(self, key: str) -> Intent | None:
        intent = self._uow.read().intents.get(key)
        return intent if intent is not None and self._visible(intent) else None

    def taken(self, key: str, at: datetime) -> None:
        self._update(key, lambda i: attrs.evolve(i, taken_at=at))

    def done(self, key: str, *, taken_at: datetime) -> bool:
        current = self.get(key)
        if current is None or current.dispatched_at > taken_at:
            return False
        result: bool = self._update(key, lambda i: None if i.dispatched_at <= taken_at else i)
        return result

    def stalled(self, before: datetime, *, limit: int = 1000) -> list[Intent]:
        found = [i for i in self._all() if i.is_stalled(before)]
        return sorted(found, key=lambda i: (i.dispatched_at, i.key))[:max(limit, 0)]

    def resent(self, key: str, at: datetime) -> None:
        self._update(key, lambda i: attrs.evolve(i, dispatched_at=at, recoveries=i.recoveries + 1))

    def give_up(self, key: str, reason: str) -> None:
        self._update(key, lambda i: attrs.evolve(i, status=IntentStatus.DEAD, error=reason))

    def counts(self) -> dict[IntentStatus, int]:
        counts: dict[IntentStatus, int] = {}
        for intent in self._all():
            counts[intent.status] = counts.get(intent.status, 0) + 1
        return counts

    def list(self, *, status: IntentStatus | None = None, limit: int = 50) -> list[Intent]:
        found = [i for i in self._all() if status is None or i.status is status]
        return sorted(found, key=lambda i: (i.dispatched_at, i.key), reverse=True)[:max(limit, 0)]

    def delete_dead_before(self, before: datetime) -> int:
        bound = self._uow.bound_store

        def op(state: Any) -> int:
            old = [k for k, i in state.intents.items() if i.status is IntentStatus.DEAD and i.dispatched_at < before
                   and (bound is None or i.store_id == bound)]
            for key in old:
                del state.intents[key]
            return len(old)

        deleted: int = self._uow.write(op)
        return deleted


__all__ = ["MemoryIntents"]
