"""Session-scoped throwaway servers for the tests: PostgreSQL (initdb/pg_ctl) and Redis.

Each server starts on first use only, on 127.0.0.1 and a free port, and is stopped at the end of
the session. A missing binary fails the test that asked for it, with a message naming what to
install. ``fresh_postgres_url`` gives each test module its own empty database.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.servers import PostgresServer, RedisServer


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """``postgresql://salla_app@127.0.0.1:PORT/DB``: a database shared by the session, owned by a
    non-superuser role (so row-level security applies to it)."""
    return postgres_server.create_database("salla_test")


@pytest.fixture(scope="module")
def fresh_postgres_url(postgres_server: PostgresServer) -> str:
    """A new, empty database for this test module (same non-superuser owner)."""
    return postgres_server.create_database()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """``redis://127.0.0.1:PORT/0`` of a throwaway redis-server without persistence."""
    server = RedisServer().start()
    try:
        yield server.url
    finally:
        server.stop()
