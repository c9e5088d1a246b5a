"""A task queue that records what was enqueued, and optionally runs it inline."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import attrs


@attrs.frozen
class EnqueuedTask:
    """One enqueued message."""

    task: str
    kwargs: dict[str, Any]


class RecordingQueue:
    """``TaskQueue`` port for tests: keeps every message; ``handlers`` run them inline when given."""

    def __init__(self, handlers: dict[str, Callable[..., object]] | None = None) -> None:
        self.messages: list[EnqueuedTask] = []
        self.handlers = handlers or {}
        self._lock = threading.Lock()

    def enqueue(self, task: str, /, **kwargs: object) -> None:
        """Record ``task`` and run its handler inline if one is registered."""
        with self._lock:
            self.messages.append(EnqueuedTask(task, dict(kwargs)))
        handler = self.handlers.get(task)
        if handler is not None:
            handler(**kwargs)

    def named(self, task: str) -> list[dict[str, Any]]:
        """The kwargs of every message for ``task``, in order."""
        with self._lock:
            return [m.kwargs for m in self.messages if m.task == task]
