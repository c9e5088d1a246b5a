"""A task queue that records the commands dispatched to it, and optionally runs them inline."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pricing_core.commands import Command

C = TypeVar("C", bound=Command)


class RecordingQueue:
    """``TaskQueue`` port for tests: keeps every command; ``handlers`` run them inline by command type."""

    def __init__(self, handlers: dict[type[Command], Callable[[Any], object]] | None = None) -> None:
        self.commands: list[Command] = []
        self.handlers = handlers or {}
        self._lock = threading.Lock()

    def dispatch(self, command: Command) -> None:
        """Record ``command`` and run its handler inline if one is registered for its type."""
        with self._lock:
            self.commands.append(command)
        handler = self.handlers.get(type(command))
        if handler is not None:
            handler(command)

    def dispatch_many(self, commands: Sequence[Command]) -> None:
        """Record (and run) each of ``commands`` in order."""
        for command in commands:
            self.dispatch(command)

    async def dispatch_many_async(self, commands: Sequence[Command]) -> None:
        """``dispatch_many``, awaited (handlers run inline on the loop, as a test wants them)."""
        self.dispatch_many(commands)

    def of(self, kind: type[C]) -> list[C]:
        """Every dispatched command of type ``kind``, in order."""
        with self._lock:
            return [c for c in self.commands if isinstance(c, kind)]


__all__ = ["RecordingQueue"]
