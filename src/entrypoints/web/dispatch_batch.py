"""Send the commands of concurrent requests to the queue together.

A webhook delivery is acknowledged only once its command is in the queue. ``DispatchBatcher``
collects the commands of every request that reached this point while the previous send was under
way and sends them in one ``TaskQueue.dispatch_many_async`` call (which does not block the event
loop while Redis answers), and each request resumes when its batch is in. Under light load a
batch is one command; under heavy load the round trips fall from one per delivery to one per batch.

A failed send fails every request of its batch (each answers 503, so Salla delivers again); some
of the batch may have been queued, which is safe for webhooks: the worker's inbox drops a
delivery it has already processed.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Sequence

import attrs

from pricing_core.commands import Command
from pricing_core.ports import TaskQueue


@attrs.define
class _LoopBatch:
    """The commands waiting in one event loop, and its sending task (one at a time)."""

    waiting: list[tuple[Command, asyncio.Future[None]]] = attrs.Factory(list)
    sender: asyncio.Task[None] | None = None


class DispatchBatcher:
    """``await dispatch(command)`` returns once ``command`` is queued, sent together with its neighbours."""

    def __init__(self, queue: TaskQueue, *, max_batch: int = 256,
                 on_send: Callable[[int], object] | None = None) -> None:
        self.queue = queue
        self.on_send = on_send  # told each batch's size (the web app's metrics)
        self.max_batch = max_batch
        # Per event loop: a test may run the app in several loops over its life.
        self._batches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopBatch] = (
            weakref.WeakKeyDictionary())

    async def dispatch(self, command: Command) -> None:
        """Queue ``command``; raises what the queue raised for its batch."""
        loop = asyncio.get_running_loop()
        batch = self._batches.get(loop)
        if batch is None:
            batch = self._batches[loop] = _LoopBatch()
        future: asyncio.Future[None] = loop.create_future()
        batch.waiting.append((command, future))
        if batch.sender is None or batch.sender.done():
            batch.sender = loop.create_task(self._send_all(batch))
        await future

    async def _send_all(self, batch: _LoopBatch) -> None:
        # Whatever arrives while a batch is being sent waits for the next one: no timer, no added delay.
        while batch.waiting:
            taken = batch.waiting[: self.max_batch]
            del batch.waiting[: self.max_batch]
            commands = [command for command, _ in taken]
            if self.on_send is not None:
                self.on_send(len(commands))
            try:
                await self._send(commands)
            except BaseException as exc:  # a cancelled sender (shutdown) must not leave requests waiting
                for _, future in taken:
                    if not future.done():
                        future.set_exception(exc if isinstance(exc, Exception) else ConnectionAbortedError(
                            "the queue send was cancelled"))
                if not isinstance(exc, Exception):
                    raise
            else:
                for _, future in taken:
                    if not future.done():
                        future.set_result(None)

    async def _send(self, commands: Sequence[Command]) -> None:
        await self.queue.dispatch_many_async(commands)


__all__ = ["DispatchBatcher"]
