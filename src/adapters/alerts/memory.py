"""An in-memory ``Notifier`` and ``StoreNotifier`` for tests and notebooks: records every batch, renders it,
sends nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from adapters.alerts.messages import render
from pricing_core.alert_settings import masked
from pricing_core.alerts import AlertBatch, Delivery, TargetOutcome


class MemoryNotifier:
    """Keeps what it was asked to send (``batches`` and their ``messages``); ``fail=True`` refuses everything.

    A store's targets (``send_to``) are recorded in ``sent_to``; ``refused`` maps a target to the
    refusal the guard would give it.
    """

    def __init__(
        self, *, public_url: str = "http://127.0.0.1:8000", fail: bool = False, refused: Mapping[str, str] = {},
    ) -> None:
        self.public_url = public_url
        self.fail = fail
        self.refused = dict(refused)
        self.batches: list[AlertBatch] = []
        self.messages: list[tuple[str, str]] = []
        self.sent_to: list[tuple[AlertBatch, tuple[str, ...]]] = []

    def send(self, batch: AlertBatch) -> Delivery:
        """Record ``batch`` and its rendered (title, body)."""
        self.batches.append(batch)
        self.messages.append(render(batch, public_url=self.public_url))
        if self.fail:
            return Delivery(sent=False, targets=0, error="refused (test)")
        return Delivery(sent=True, targets=1)

    def refusal(self, target: str) -> str | None:
        """The refusal ``refused`` names for ``target``, or None."""
        return self.refused.get(target)

    def send_to(self, batch: AlertBatch, targets: Sequence[str]) -> Delivery:
        """Record ``batch`` for ``targets`` (and its rendering); each target sent unless refused or ``fail``."""
        self.sent_to.append((batch, tuple(targets)))
        self.messages.append(render(batch, public_url=self.public_url))
        outcomes = tuple(TargetOutcome(target=masked(t), sent=not self.fail and t not in self.refused,
                                       refused=self.refused.get(t), error="refused (test)" if self.fail else None)
                         for t in targets)
        sent = sum(o.sent for o in outcomes)
        error = None if targets and sent == len(targets) else f"{len(targets) - sent} target(s) not sent"
        return Delivery(sent=sent > 0, targets=sent, error=error, outcomes=outcomes)


__all__ = ["MemoryNotifier"]
