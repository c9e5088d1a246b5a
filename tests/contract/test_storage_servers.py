"""The throwaway servers of ``tests/servers_plugin.py`` work as the other suites expect."""

from __future__ import annotations

import psycopg
import pytest
import redis

from support.servers import PostgresServer, RedisServer, ServerUnavailable, find_pg_bin


@pytest.mark.postgres
def test_storage_postgres_fixture_hands_out_a_non_superuser_database(
    postgres_url: str, fresh_postgres_url: str
) -> None:
    assert postgres_url.startswith("postgresql://salla_app@127.0.0.1:")
    assert fresh_postgres_url != postgres_url
    for url in (postgres_url, fresh_postgres_url):
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT current_setting('server_version_num')::int / 10000, rolsuper, rolbypassrls,"
                " pg_catalog.has_database_privilege(current_database(), 'CREATE')"
                " FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
            assert row is not None and row[0] >= 14 and row[1:] == (False, False, True)


@pytest.mark.redis
def test_storage_redis_fixture_answers(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.ping() is True
        client.set("k", "v")
        assert client.get("k") == b"v"
    finally:
        client.close()


def test_storage_missing_binaries_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PG_BIN", "/nonexistent/bin")
    with pytest.raises(ServerUnavailable, match="initdb, pg_ctl"):
        find_pg_bin()
    with pytest.raises(ServerUnavailable, match="initdb, pg_ctl"):
        PostgresServer()
    monkeypatch.setattr("support.servers.shutil.which", lambda _name: None)
    monkeypatch.setattr("support.servers.Path.exists", lambda _self: False)
    with pytest.raises(ServerUnavailable, match="redis-server not found"):
        RedisServer()
