"""The task queue: how use cases hand commands to the runners."""

from __future__ import annotations

from typing import Protocol

from pricing_core.commands import Command


class TaskQueue(Protocol):
    """Hands work to the runners (Dramatiq in production, an in-memory recorder in tests).

    The runners keep the one table from command to actor (``runners/commands.py``).
    """

    def dispatch(self, command: Command) -> None:
        """Queue ``command`` for a worker; returns once the broker has it."""
        ...


__all__ = [
    "TaskQueue",
]
