"""One asyncio connection to Redis for a web process's enqueue: a batch of commands, replies in order.

A webhook delivery is acknowledged once its message is in Redis, so each delivery pays one send.
Measured in one process on this machine (``bench/redis_send.py``, docs/benchmarks.md), the CPU of
sending one webhook's Dramatiq message, beyond building it, was about 440 µs through redis-py's
blocking client from a thread (the way the web process sent before), 360 µs through
``redis.asyncio``, 320 µs through valkey-glide and 500 µs through coredis, against about 140 µs
here: hiredis packs the commands and parses the replies (both in C), and an ``asyncio.Protocol``
hands each reply to the command that waits for it (Redis answers in order).

It does only what the enqueue needs: connect (AUTH and SELECT as the URL says), send commands
and wait for their replies, and give the connection up at the first doubt (a timeout, a broken
reply, a lost socket); the next send opens a new one. ``address_of`` tells whether a redis-py
client's connection can be spoken this way (plain TCP, with a password or a user and password);
TLS, a Unix socket or a credential provider cannot, and then the caller sends from a thread.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Sequence
from typing import Any, cast

import attrs

try:  # in the ``redis`` extra, like redis itself; without it the web process sends from a thread
    import hiredis
except ImportError:  # pragma: no cover - every supported install has it
    hiredis = None  # type: ignore[assignment]

import redis.connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError


@attrs.frozen
class RedisAddress:
    """Where and as whom to connect (TCP)."""

    host: str = "127.0.0.1"
    port: int = 6379
    db: int = 0
    username: str | None = attrs.field(default=None, repr=False)
    password: str | None = attrs.field(default=None, repr=False)
    connect_timeout: float = 2.0
    timeout: float = 5.0  # for the replies of one send, as the blocking client's socket timeout


def address_of(client: Any) -> RedisAddress | None:
    """The address of a redis-py ``client``'s connections, or None when this module cannot speak it."""
    pool = client.connection_pool
    kwargs = pool.connection_kwargs
    # The exact class: a subclass (SSLConnection is one) speaks through another layer.
    if hiredis is None or pool.connection_class is not redis.connection.Connection:
        return None
    if kwargs.get("credential_provider") is not None:
        return None
    return RedisAddress(
        host=kwargs.get("host", "localhost"), port=int(kwargs.get("port", 6379)), db=int(kwargs.get("db") or 0),
        username=kwargs.get("username"), password=kwargs.get("password"),
        connect_timeout=float(kwargs.get("socket_connect_timeout") or 2.0),
        timeout=float(kwargs.get("socket_timeout") or 5.0),
    )


class _Replies(asyncio.Protocol):
    """Parses what Redis sends and resolves the oldest waiting command with each reply."""

    def __init__(self) -> None:
        # An error reply becomes a ResponseError instance in the results, as redis-py's pipelines give it.
        self.reader = hiredis.Reader(replyError=ResponseError)
        self.waiting: collections.deque[asyncio.Future[Any]] = collections.deque()
        self.transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not ``asyncio.Transport`` subclasses, though they are one.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self.reader.feed(data)
            while (reply := self.reader.gets()) is not False:
                if not self.waiting:
                    raise RedisConnectionError("Redis sent a reply nothing waited for")
                future = self.waiting.popleft()
                if not future.done():  # a cancelled waiter still takes its reply: the order holds
                    future.set_result(reply)
        except Exception as exc:  # a broken stream: nothing after it can be matched to its command
            self._fail(exc if isinstance(exc, RedisConnectionError) else RedisConnectionError(
                f"unreadable reply from Redis: {exc}"))
            if self.transport is not None:
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(RedisConnectionError(f"connection to Redis lost: {exc or 'closed'}"))

    def _fail(self, exc: Exception) -> None:
        self.closed = True
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(exc)


class AsyncRedisConnection:
    """One connection; ``execute`` sends commands in one write and returns their replies in order."""

    def __init__(self, transport: asyncio.Transport, replies: _Replies, timeout: float) -> None:
        self._transport = transport
        self._replies = replies
        self._timeout = timeout

    @classmethod
    async def open(cls, address: RedisAddress) -> AsyncRedisConnection:
        """Connect to ``address``, authenticate and select its database; raises redis-py's errors."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(address.connect_timeout):
                transport, replies = await loop.create_connection(_Replies, address.host, address.port)
        except (OSError, TimeoutError) as exc:
            raise RedisConnectionError(
                f"cannot connect to Redis at {address.host}:{address.port}: {exc or type(exc).__name__}") from exc
        connection = cls(transport, replies, address.timeout)
        greeting: list[tuple[Any, ...]] = []
        if address.password is not None:
            greeting.append(("AUTH", address.username, address.password) if address.username
                            else ("AUTH", address.password))
        if address.db:
            greeting.append(("SELECT", address.db))
        try:
            errors = [r for r in await connection.execute(greeting) if isinstance(r, ResponseError)]
        except BaseException:
            connection.close()
            raise
        if errors:
            connection.close()
            raise RedisConnectionError(f"Redis refused the connection's set-up: {errors[0]}")
        return connection

    @property
    def closed(self) -> bool:
        """True once the connection is lost or given up; a new one must be opened."""
        return self._replies.closed or self._transport.is_closing()

    async def execute(self, commands: Sequence[Sequence[Any]]) -> list[Any]:
        """Each command's reply, in order; an error reply is a ``ResponseError`` in its place.

        Raises redis-py's ``ConnectionError`` when the connection is lost and ``TimeoutError``
        when the replies take longer than the address's timeout; the connection is then closed.
        """
        if not commands:
            return []
        if self.closed:
            raise RedisConnectionError("connection to Redis closed")
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in commands]
        self._replies.waiting.extend(futures)
        self._transport.write(b"".join(hiredis.pack_command(tuple(command)) for command in commands))
        try:
            async with asyncio.timeout(self._timeout):
                await futures[-1]  # Redis answers in order: the last reply comes last
        except TimeoutError as exc:
            self.close()
            _retrieved(futures)
            raise RedisTimeoutError(f"no reply from Redis within {self._timeout:g} s") from exc
        except BaseException:
            _retrieved(futures)  # one error is raised for the whole send
            raise
        # A cancelled send leaves its futures cancelled: their replies still come, and are skipped in order.
        return [future.result() for future in futures]

    def close(self) -> None:
        """Give the connection up: whatever still waits fails with ``ConnectionError``."""
        self._replies._fail(RedisConnectionError("connection to Redis closed"))
        self._transport.close()


def _retrieved(futures: Sequence[asyncio.Future[Any]]) -> None:
    """Mark the futures' errors as seen, so asyncio does not log each as never retrieved."""
    for future in futures:
        if future.done() and not future.cancelled():
            future.exception()


__all__ = ["AsyncRedisConnection", "RedisAddress", "address_of"]
