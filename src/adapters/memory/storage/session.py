"""``MemorySession``: what an in-memory repository needs from its unit of work.

The repositories are written against this small protocol and the unit of work
(``unit_of_work.InMemoryUnitOfWork``) builds them: the arrow points one way only, as in
``adapters/storage/session.py``.
"""

from __future__ import annotations

from typing import Any, Protocol

from adapters.memory.storage.state import Op, State


class MemorySession(Protocol):
    """An open in-memory unit of work, as its repositories see it."""

    bound_store: str | None

    def read(self) -> State:
        """This unit of work's copy of the state (taken from the committed state on first use)."""
        ...

    def write(self, op: Op) -> Any:
        """Apply ``op`` to this unit of work's copy now and to the committed state on commit."""
        ...

    def seq(self) -> int:
        """A process-wide increasing number (insertion order, activity ids)."""
        ...


__all__ = ["MemorySession"]
