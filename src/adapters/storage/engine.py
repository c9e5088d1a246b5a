"""Engines: PostgreSQL through psycopg 3 with a connection pool, or an SQLite file in WAL mode."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` (as ``DATABASE_URL`` is usually written) become psycopg 3 URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def sqlite_path(url: str) -> Path | None:
    """The database file of an SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the settings this service relies on.

    SQLite: WAL (a reader never blocks the writer), a 30 s busy timeout (the web app and the
    worker thread take turns instead of failing), foreign keys on. PostgreSQL: a small pool
    with pre-ping, and a warning when the role bypasses row-level security.
    """
    url = normalize_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            private_sqlite_files(path)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        options: dict[str, Any] = {
            "pool_size": 5,
            "max_overflow": 15,
            "pool_pre_ping": True,
            "pool_recycle": 1800,
        }
        options.update(kwargs)
        engine = create_engine(url, **options)
        event.listen(engine, "first_connect", _warn_if_rls_bypassed)
        return engine
    raise ValueError(f"unsupported database {backend!r}: use postgresql:// or sqlite:///")


# SQLite's own side files: the write-ahead log, its shared-memory index, a rollback journal.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_sqlite_files(path: Path) -> None:
    """Create the database file readable by its owner only (0600), like the key file beside it.

    The database holds the encrypted tokens next to everything else a store owns. SQLite creates
    the ``-wal`` and ``-shm`` files with the permissions of the database file, so creating that
    file 0600 before SQLite opens it covers them too, whatever the umask. Files left readable by
    an earlier version are tightened here as well.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    for candidate in (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_SIDE_FILES)):
        try:
            if candidate.stat().st_mode & 0o077:
                candidate.chmod(0o600)
        except FileNotFoundError:
            pass


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL, and much faster
    finally:
        cursor.close()


def _warn_if_rls_bypassed(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    finally:
        cursor.close()
    dbapi_connection.rollback()
    if row and row[0]:
        log.warning(
            "connected to PostgreSQL as a superuser or BYPASSRLS role: row-level security does not "
            "apply; run the service as an ordinary role that owns its tables"
        )


def ping(engine: Engine) -> None:
    """Raise if the database cannot be reached."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


__all__ = ["make_engine", "normalize_url", "ping", "private_sqlite_files", "sqlite_path"]
