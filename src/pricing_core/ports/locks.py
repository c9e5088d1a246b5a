"""Per-store locks (a sweep, a token refresh, an apply: one holder per store and purpose)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol


class StoreLocks(Protocol):
    """Per-store mutual exclusion across threads and processes."""

    def hold(self, store_id: str, purpose: str, *, timeout: float | None = None) -> AbstractContextManager[bool]:
        """Hold the ``purpose`` lock of ``store_id`` while in the block.

        Yields True when acquired. With ``timeout=0`` it does not wait and yields False when the
        lock is taken; ``None`` waits as long as it takes.
        """
        ...


__all__ = [
    "StoreLocks",
]
