"""The web process's own Redis connection: which URLs it speaks, and how it gives up a doubtful connection.

Against small asyncio servers that misbehave on purpose (no answer, garbage, a dropped socket),
on asyncio's loop and on uvloop's (what ``serve`` runs); that it speaks real Redis is proved by
the task-queue contract suite (``dispatch_many_async``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
import redis
import uvloop
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from runners.redis_async import AsyncRedisConnection, RedisAddress, address_of


def test_a_plain_url_is_spoken_with_its_user_password_and_database() -> None:
    client = redis.Redis.from_url("redis://ops:s3cret@cache.internal:6380/4", socket_timeout=3,
                                  socket_connect_timeout=1)
    address = address_of(client)
    assert address == RedisAddress(host="cache.internal", port=6380, db=4, username="ops", password="s3cret",
                                   connect_timeout=1.0, timeout=3.0)
    assert "s3cret" not in repr(address)


@pytest.mark.parametrize("url", ["rediss://cache.internal:6380/0", "unix:///run/redis.sock?db=1"])
def test_tls_and_unix_sockets_are_left_to_the_blocking_client(url: str) -> None:
    assert address_of(redis.Redis.from_url(url)) is None


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture(params=["asyncio", "uvloop"], autouse=True)
def event_loop_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs on asyncio's default loop and on uvloop's (``asyncio.run`` below uses it)."""
    if request.param == "uvloop":
        monkeypatch.setattr(asyncio, "run", uvloop.run)
    kind: str = request.param
    return kind


def _against(handler: Handler, scenario: Callable[[RedisAddress], Awaitable[None]]) -> None:
    async def main() -> None:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            await scenario(RedisAddress(port=port, timeout=0.3, connect_timeout=1.0))
        finally:
            server.close()

    asyncio.run(main())


def _answering(data: bytes) -> Handler:
    """A server that reads the first request, answers ``data`` and keeps the socket open."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(data)
        await writer.drain()
        await asyncio.sleep(1)

    return handler


def test_replies_come_back_in_order_with_error_replies_in_their_place() -> None:
    async def scenario(address: RedisAddress) -> None:
        connection = await AsyncRedisConnection.open(address)
        first, second, third = await connection.execute([("SET", "a", 1), ("EVALSHA", "x", 0), ("INCR", "n")])
        assert first == b"OK" and third == 7
        assert isinstance(second, ResponseError) and str(second).startswith("NOSCRIPT")
        connection.close()

    _against(_answering(b"+OK\r\n-NOSCRIPT No matching script\r\n:7\r\n"), scenario)


def test_no_answer_times_out_and_gives_the_connection_up() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        await asyncio.sleep(5)

    async def scenario(address: RedisAddress) -> None:
        connection = await AsyncRedisConnection.open(address)
        with pytest.raises(RedisTimeoutError):
            await connection.execute([("PING",)])
        assert connection.closed  # a late reply must not be taken for the next command's
        with pytest.raises(RedisConnectionError):
            await connection.execute([("PING",)])

    _against(silent, scenario)


def test_a_reply_that_is_not_redis_protocol_is_a_connection_error() -> None:
    async def scenario(address: RedisAddress) -> None:
        connection = await AsyncRedisConnection.open(address)
        with pytest.raises(RedisConnectionError, match="unreadable reply"):
            await connection.execute([("PING",)])
        assert connection.closed

    _against(_answering(b"HTTP/1.1 400 Bad Request\r\n\r\n"), scenario)


def test_a_dropped_socket_fails_what_waits_at_once() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.close()

    async def scenario(address: RedisAddress) -> None:
        connection = await AsyncRedisConnection.open(address)
        with pytest.raises(RedisConnectionError, match="lost"):
            await connection.execute([("PING",), ("PING",)])
        assert connection.closed

    _against(hang_up, scenario)


def test_a_refused_login_is_a_connection_error_naming_why() -> None:
    async def scenario(address: RedisAddress) -> None:
        with pytest.raises(RedisConnectionError, match="WRONGPASS"):
            await AsyncRedisConnection.open(RedisAddress(port=address.port, username="u", password="p"))

    _against(_answering(b"-WRONGPASS invalid username-password pair\r\n"), scenario)


def test_nothing_listening_is_a_connection_error() -> None:
    async def scenario() -> None:
        with pytest.raises(RedisConnectionError, match="cannot connect"):
            await AsyncRedisConnection.open(RedisAddress(port=1, connect_timeout=0.5))

    asyncio.run(scenario())
