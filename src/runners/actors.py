"""Thin Dramatiq actors over the command handlers, declared on a broker with explicit services.

``declare_actors(broker, services)`` declares one actor per command of ``runners.commands.ROUTES``
on ``broker``; each rebuilds its command from the message and calls its handler
(``runners.handlers``) with ``services`` (given, never looked up), keeping the command's intent
(``pricing_core.intents``) while it runs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dramatiq

from adapters.services import Services
from pricing_core.commands import Command
from pricing_core.intents import is_recorded
from pricing_core.usecases.intent_ledger import IntentLedger
from runners.commands import ROUTES
from runners.handlers import HANDLERS, Handler

log = logging.getLogger("salla_optimizer.actors")


@contextmanager
def _intent_kept(ledger: IntentLedger, services: Services, command: Command) -> Iterator[None]:
    """Around a handler: its intent shows it is taken, and is forgotten once the handler returned
    (done, or failed for good and recorded); a failure worth retrying leaves it for the retry.

    Bookkeeping failures are logged, never raised: the work matters more, and an intent left
    behind is only sent again later (the work is idempotent).
    """
    if not is_recorded(command):
        yield
        return
    started = services.clock.now()
    try:
        ledger.taken(command, started)
    except Exception:
        log.warning("intent of %s: could not mark it taken", type(command).__name__, exc_info=True)
    yield
    try:
        ledger.done(command, started)
    except Exception:
        log.warning("intent of %s: could not forget it (it may be sent again)", type(command).__name__,
                    exc_info=True)


def declare_actors(broker: dramatiq.Broker, services: Services) -> dict[type[Command], dramatiq.Actor[Any, Any]]:
    """Declare every command's actor on ``broker``, bound to ``services``; returns them by command type."""
    actors: dict[type[Command], dramatiq.Actor[Any, Any]] = {}
    ledger = IntentLedger(services.uow_factory, services.clock)
    for kind, route in ROUTES.items():
        handler = HANDLERS[kind]

        def run(handler: Handler = handler, kind: type[Command] = kind, **kwargs: Any) -> None:
            command = kind(**kwargs)
            with _intent_kept(ledger, services, command):
                handler(services, command)

        run.__name__ = route.actor_name
        actors[kind] = dramatiq.Actor(run, broker=broker, actor_name=route.actor_name,
                                      queue_name=route.queue_name, priority=route.priority, options={})
    return actors


__all__ = ["declare_actors"]
