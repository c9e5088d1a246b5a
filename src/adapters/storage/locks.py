"""``StoreLocks`` backed by the database, so the lock holds across processes and machines.

PostgreSQL: a session-level advisory lock ``pg_advisory_lock(hashtext(store_id), hashtext(purpose))``
held on a dedicated pooled connection for the duration of the block; the server releases it if
the holder dies. SQLite: an exclusive ``flock`` on a file per (store, purpose) beside the
database file. We do not hold SQLite's own write lock (``BEGIN IMMEDIATE``) instead, because
a token refresh waits on Salla while holding the lock, and the write lock would stall every
other writer of the embedded database meanwhile.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

POLL_SECONDS = 0.05


def _deadline(timeout: float | None) -> float | None:
    return None if timeout is None else time.monotonic() + max(timeout, 0.0)


class PostgresStoreLocks:
    """Per-store advisory locks on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def hold(self, store_id: str, purpose: str, *, timeout: float | None = None) -> Iterator[bool]:
        """Hold the (store, purpose) lock; yields False if it could not be had within ``timeout``."""
        key = {"store": str(store_id), "purpose": purpose}
        # AUTOCOMMIT: the advisory lock belongs to the session, not to a transaction left open.
        with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if timeout is None:
                conn.execute(text("SELECT pg_advisory_lock(hashtext(:store), hashtext(:purpose))"), key)
                acquired = True
            else:
                deadline = _deadline(timeout)
                try_lock = text("SELECT pg_try_advisory_lock(hashtext(:store), hashtext(:purpose))")
                while True:
                    acquired = bool(conn.execute(try_lock, key).scalar())
                    if acquired or deadline is None or time.monotonic() >= deadline:
                        break
                    time.sleep(POLL_SECONDS)
            try:
                yield acquired
            finally:
                if acquired:
                    conn.execute(text("SELECT pg_advisory_unlock(hashtext(:store), hashtext(:purpose))"), key)


class FileStoreLocks:
    """Per-store ``flock`` locks in a directory (the embedded SQLite default).

    ``flock`` locks belong to an open file description, so two threads of one process exclude
    each other as two processes do (each ``hold`` opens the file anew).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._mkdir = threading.Lock()

    def _path(self, store_id: str, purpose: str) -> Path:
        digest = hashlib.sha256(f"{store_id}\0{purpose}".encode()).hexdigest()[:32]
        return self.directory / f"{digest}.lock"

    @contextmanager
    def hold(self, store_id: str, purpose: str, *, timeout: float | None = None) -> Iterator[bool]:
        """Hold the (store, purpose) lock; yields False if it could not be had within ``timeout``."""
        with self._mkdir:
            self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path(str(store_id), purpose), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if timeout is None:
                fcntl.flock(fd, fcntl.LOCK_EX)  # releases the GIL while it waits
                acquired = True
            else:
                deadline = _deadline(timeout)
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        acquired = True
                        break
                    except BlockingIOError:
                        if deadline is None or time.monotonic() >= deadline:
                            acquired = False
                            break
                        time.sleep(POLL_SECONDS)
            try:
                yield acquired
            finally:
                if acquired:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


__all__ = ["FileStoreLocks", "PostgresStoreLocks"]
