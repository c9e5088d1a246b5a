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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import uuid4

import dramatiq
from dramatiq.common import current_millis
from redis.exceptions import NoScriptError


def enqueue_pipelined(broker: Any, messages: Sequence[dramatiq.Message[Any]]) -> None:
    """Enqueue ``messages`` (no delay) on ``broker``, a ``RedisBroker``, in one pipeline.

    Raises whatever Redis raises; then some of the messages may have been queued (as with a loop
    of ``enqueue`` calls failing halfway), so callers send only work that is safe to deliver twice.
    """
    if not messages:
        return
    dispatch = broker.scripts["dispatch"]
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
    # EVALSHA straight away: a pipeline given the script object would first ask SCRIPT EXISTS, a
    # second round trip per batch. Only when Redis lost its scripts (a restart) are they loaded and
    # the refused calls sent again; a refused call did nothing, so nothing is queued twice.
    results = _evalsha_all(broker.client, dispatch.sha, calls)
    refused = [call for call, result in zip(calls, results, strict=True) if isinstance(result, NoScriptError)]
    if refused:
        dispatch.sha = broker.client.script_load(dispatch.script)
        results = [r for r in results if not isinstance(r, NoScriptError)]
        results += _evalsha_all(broker.client, dispatch.sha, refused)
    errors = [result for result in results if isinstance(result, Exception)]
    if errors:
        raise errors[0]
    for message in prepared:
        broker.emit_after("enqueue", message, None)


def _evalsha_all(client: Any, sha: str, calls: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Each call's result, or the error Redis answered for it, in order (one round trip)."""
    with client.pipeline(transaction=False) as pipe:
        for keys_and_args in calls:
            pipe.evalsha(sha, 1, *keys_and_args)
        return list(pipe.execute(raise_on_error=False))


__all__ = ["enqueue_pipelined"]
