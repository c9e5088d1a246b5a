"""The ledger of intents: record a command's work before it is queued, forget it once it is done.

The queue adapter calls ``prepare`` and ``record`` on every dispatch (``runners.broker``), the
worker calls ``taken`` before it handles a message and ``done`` after it handled it without a
failure worth retrying (``runners.handlers``). Commands that are not recorded
(``pricing_core.intents.RECORDED``) pass through without touching storage. What is left queued
and quiet is sent again by the recovery loop (``usecases.recovery.lost_work``).

Storage failures propagate: the caller decides (the queue still sends the message, the worker
still does the work; an intent that could not be recorded is only as safe as the queue, and one
that could not be forgotten is sent again later, which the work's idempotence absorbs).
"""

from __future__ import annotations

from datetime import datetime

from pricing_core.commands import Command
from pricing_core.intents import Intent, intent_for, intent_key, is_recorded, prepared
from pricing_core.ports import Clock, UnitOfWorkFactory


class IntentLedger:
    """Records and forgets the intents of the commands in ``pricing_core.intents.RECORDED``."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def prepare(self, command: Command) -> Command:
        """The command as it must be sent (with its run key fixed; see ``pricing_core.intents.prepared``)."""
        return prepared(command)

    def record(self, command: Command) -> Intent | None:
        """Record the intent of sending ``command`` (prepared) now; None when it is not recorded."""
        intent = intent_for(command, self.clock.now())
        if intent is None:
            return None
        with self.uow_factory(intent.store_id) as uow:
            uow.intents.record(intent)
            uow.commit()
        return intent

    def taken(self, command: Command, at: datetime) -> None:
        """A worker started on ``command`` at ``at``: its intent shows it is alive."""
        if not is_recorded(command):
            return
        with self.uow_factory(_store_of(command)) as uow:
            uow.intents.taken(intent_key(command), at)
            uow.commit()

    def done(self, command: Command, taken_at: datetime) -> bool:
        """The work of ``command``, taken at ``taken_at``, is done: forget its intent (unless it was
        sent again since). True when forgotten."""
        if not is_recorded(command):
            return False
        with self.uow_factory(_store_of(command)) as uow:
            forgotten = uow.intents.done(intent_key(command), taken_at=taken_at)
            uow.commit()
        return forgotten


def _store_of(command: Command) -> str | None:
    store_id = getattr(command, "store_id", None)
    return None if store_id is None else str(store_id)


__all__ = ["IntentLedger"]
