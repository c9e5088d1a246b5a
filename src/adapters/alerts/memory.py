"""An in-memory ``Notifier`` for tests and notebooks: records every batch, renders it, sends nothing."""

from __future__ import annotations

from adapters.alerts.messages import render
from pricing_core.alerts import AlertBatch, Delivery


class MemoryNotifier:
    """Keeps what it was asked to send (``batches`` and their ``messages``); ``fail=True`` refuses everything."""

    def __init__(self, *, public_url: str = "http://127.0.0.1:8000", fail: bool = False) -> None:
        self.public_url = public_url
        self.fail = fail
        self.batches: list[AlertBatch] = []
        self.messages: list[tuple[str, str]] = []

    def send(self, batch: AlertBatch) -> Delivery:
        """Record ``batch`` and its rendered (title, body)."""
        self.batches.append(batch)
        self.messages.append(render(batch, public_url=self.public_url))
        if self.fail:
            return Delivery(sent=False, targets=0, error="refused (test)")
        return Delivery(sent=True, targets=1)


__all__ = ["MemoryNotifier"]
