"""The task queue: how use cases hand commands to the runners."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pricing_core.commands import Command


class TaskQueue(Protocol):
    """Hands work to the runners (Dramatiq in production, an in-memory recorder in tests).

    The runners keep the one table from command to actor (``runners/commands.py``).
    """

    def dispatch(self, command: Command) -> None:
        """Queue ``command`` for a worker; returns once the broker has it."""
        ...

    def dispatch_many(self, commands: Sequence[Command]) -> None:
        """Queue every command of ``commands``, in one round trip where the broker allows it.

        Returns once the broker has them all. When it raises, some may have been queued already,
        so only commands that are safe to deliver twice are sent together (a webhook delivery is:
        the worker's inbox drops a repeat).
        """
        ...

    async def dispatch_many_async(self, commands: Sequence[Command]) -> None:
        """``dispatch_many`` for a caller on an event loop (the web process): the loop is not
        blocked while the broker answers. Same guarantees as ``dispatch_many``."""
        ...


__all__ = [
    "TaskQueue",
]
