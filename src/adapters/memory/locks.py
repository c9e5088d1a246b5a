"""Per-store locks within one process."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ThreadStoreLocks:
    """``StoreLocks`` port for one process (the embedded default and unit tests)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[tuple[str, str], threading.Lock] = {}

    def _lock_for(self, store_id: str, purpose: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault((store_id, purpose), threading.Lock())

    @contextmanager
    def hold(self, store_id: str, purpose: str, *, timeout: float | None = None) -> Iterator[bool]:
        """Hold the (store, purpose) lock; yields False if it could not be had within ``timeout``."""
        lock = self._lock_for(store_id, purpose)
        if timeout is None:
            acquired = lock.acquire()
        elif timeout <= 0:
            acquired = lock.acquire(blocking=False)
        else:
            acquired = lock.acquire(timeout=timeout)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()
