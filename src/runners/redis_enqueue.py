"""Enqueue many messages on Dramatiq's Redis broker in one round trip.

``RedisBroker.enqueue`` runs one Lua script call per message and waits for its answer: about
0.2 ms on loopback, during which a web process's event loop can do nothing else. At a thousand
webhook deliveries a second that wait, not the parsing or the signature, was most of the intake's
time (``bench/webhook_intake.py``, profiled with py-spy). ``enqueue_pipelined`` sends the same
script calls, with the same arguments, through one Redis pipeline, and emits the same middleware
events around each message, so what a worker consumes is indistinguishable from ``enqueue``'s.

It uses three of the broker's non-public members (the ``dispatch`` script, ``_should_do_maintenance``
and ``_max_unpack_size``): the arguments of that script are Dramatiq's wire format between its own
processes. ``tests/contract/test_task_queue_contract.py`` proves against a real Redis and a real
Dramatiq worker that messages sent this way are consumed like any other, so an upgrade that
changes them fails there, not in production.

``PipelinedEnqueue.enqueue_async`` sends the same calls from an event loop, over one
``runners.redis_async`` connection per loop, so a web process's send neither blocks its loop nor
hops to a thread.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from typing import Any
from uuid import uuid4

import dramatiq
from dramatiq.common import current_millis
from redis.exceptions import NoScriptError, ResponseError

from runners.redis_async import AsyncRedisConnection, RedisAddress, address_of


def enqueue_pipelined(broker: Any, messages: Sequence[dramatiq.Message[Any]]) -> None:
    """Enqueue ``messages`` (no delay) on ``broker``, a ``RedisBroker``, in one pipeline.

    Raises whatever Redis raises; then some of the messages may have been queued (as with a loop
    of ``enqueue`` calls failing halfway), so callers send only work that is safe to deliver twice.
    """
    if not messages:
        return
    prepared, calls = _prepare(broker, messages)
    dispatch = broker.scripts["dispatch"]
    # EVALSHA straight away: a pipeline given the script object would first ask SCRIPT EXISTS, a
    # second round trip per batch. Only when Redis lost its scripts (a restart) are they loaded and
    # the refused calls sent again; a refused call did nothing, so nothing is queued twice.
    results = _evalsha_all(broker.client, dispatch.sha, calls)
    refused = _refused(calls, results)
    if refused:
        dispatch.sha = broker.client.script_load(dispatch.script)
        results = [r for r in results if not _is_noscript(r)] + _evalsha_all(broker.client, dispatch.sha, refused)
    _finish(broker, prepared, results)


class PipelinedEnqueue:
    """A ``RedisBroker``'s enqueue of many messages at once, blocking or awaited from an event loop.

    Awaited, it sends over a connection of the running loop (``runners.redis_async``), so the loop
    is neither blocked nor left for a thread; when the client's connection cannot be spoken so
    (TLS), it sends the blocking way from a thread.
    """

    def __init__(self, broker: Any) -> None:
        self.broker = broker
        self.address = address_of(broker.client)
        # A connection belongs to the loop that opened it (a test may run several loops in turn).
        self._connections: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopConnection] = (
            weakref.WeakKeyDictionary())

    def enqueue(self, messages: Sequence[dramatiq.Message[Any]]) -> None:
        """``enqueue_pipelined`` on this broker."""
        enqueue_pipelined(self.broker, messages)

    async def enqueue_async(self, messages: Sequence[dramatiq.Message[Any]]) -> None:
        """Enqueue ``messages`` (no delay) in one round trip; raises and may have sent some, as the sync one."""
        if not messages:
            return
        if self.address is None:
            await asyncio.to_thread(enqueue_pipelined, self.broker, messages)
            return
        connection = await self._connection(self.address)
        prepared, calls = _prepare(self.broker, messages)
        dispatch = self.broker.scripts["dispatch"]
        results = await connection.execute([_evalsha(dispatch.sha, call) for call in calls])
        refused = _refused(calls, results)
        if refused:
            loaded = await connection.execute([("SCRIPT", "LOAD", dispatch.script)])
            if isinstance(loaded[0], Exception):
                raise loaded[0]
            dispatch.sha = loaded[0].decode() if isinstance(loaded[0], bytes) else str(loaded[0])
            results = [r for r in results if not _is_noscript(r)] + await connection.execute(
                [_evalsha(dispatch.sha, call) for call in refused])
        _finish(self.broker, prepared, results)

    async def _connection(self, address: RedisAddress) -> AsyncRedisConnection:
        loop = asyncio.get_running_loop()
        held = self._connections.get(loop)
        if held is None:
            held = self._connections[loop] = _LoopConnection()
        async with held.opening:  # one connection per loop, however many sends start at once
            if held.connection is None or held.connection.closed:
                held.connection = await AsyncRedisConnection.open(address)
            return held.connection


class _LoopConnection:
    """The connection of one event loop, opened on its first send."""

    def __init__(self) -> None:
        self.opening = asyncio.Lock()
        self.connection: AsyncRedisConnection | None = None


def _prepare(broker: Any, messages: Sequence[dramatiq.Message[Any]]) -> tuple[
        list[dramatiq.Message[Any]], list[tuple[Any, ...]]]:
    """The messages as sent and each one's dispatch-script call; emits ``before_enqueue`` for each."""
    unpack = broker._max_unpack_size()
    # Like ``RedisBroker.enqueue``: a fresh Redis id per enqueue, so a retried message is not confused.
    prepared = [message.copy(options={"redis_message_id": str(uuid4())}) for message in messages]
    for message in prepared:
        broker.emit_before("enqueue", message, None)
    calls = [
        (broker.namespace, "enqueue", current_millis(), message.queue_name, broker.broker_id,
         broker.heartbeat_timeout, broker.dead_message_ttl, broker._should_do_maintenance("enqueue"), unpack,
         message.options["redis_message_id"], message.encode())
        for message in prepared
    ]
    return prepared, calls


def _finish(broker: Any, prepared: Sequence[dramatiq.Message[Any]], results: Sequence[Any]) -> None:
    """Raise the first error Redis answered; else emit ``after_enqueue`` for each message."""
    errors = [result for result in results if isinstance(result, Exception)]
    if errors:
        raise errors[0]
    for message in prepared:
        broker.emit_after("enqueue", message, None)


def _is_noscript(result: Any) -> bool:
    # redis-py's pipeline answers NoScriptError; the async connection a plain ResponseError.
    return isinstance(result, NoScriptError) or (isinstance(result, ResponseError) and str(result).startswith(
        "NOSCRIPT"))


def _refused(calls: Sequence[tuple[Any, ...]], results: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The calls Redis refused because it had lost the script."""
    return [call for call, result in zip(calls, results, strict=True) if _is_noscript(result)]


def _evalsha(sha: str, keys_and_args: tuple[Any, ...]) -> tuple[Any, ...]:
    return ("EVALSHA", sha, 1, *keys_and_args)


def _evalsha_all(client: Any, sha: str, calls: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Each call's result, or the error Redis answered for it, in order (one round trip)."""
    with client.pipeline(transaction=False) as pipe:
        for keys_and_args in calls:
            pipe.evalsha(sha, 1, *keys_and_args)
        return list(pipe.execute(raise_on_error=False))


__all__ = ["PipelinedEnqueue", "enqueue_pipelined"]
