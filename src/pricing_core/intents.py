"""Intents: the work a command stands for, recorded in the database before its message is queued.

A queue may lose a message (Redis restarted without persistence, a message dead-lettered after
its retries). For the commands whose loss nobody else would notice (an event or manual repricing,
the follow-ups of an install, the scheduler's ticks), the dispatcher first records an ``Intent``
(the command itself, when it was sent, when a worker last took it); the worker that has done the
work forgets it. An intent still there, with no sign of life for a while, was lost: the recovery
loop sends its command again, a bounded number of times, then gives it up (``DEAD``, where the
operator sees it).

Not recorded, because something else already is: a batch's ``SweepStore`` (the batch records its
run before queueing it), ``ApplyDecisions`` (the decisions themselves stay ``approved``), a
webhook delivery (its intake must stay fast; Salla's redelivery and the next sweep cover it) and
the recovery tick itself (its next fire is the recovery).

Keys: a command that names its run (``run_key``) is keyed by its store and run key, so the intent
and the run it starts are found from each other; the dispatcher fixes a run key when the caller
gave none, so a command sent again addresses the same run (its sweep finds the run done instead of
sweeping twice). Any other command is keyed by its content: two fires of the same tick that carry
no key share one intent, which is done once a worker has taken it after its latest dispatch.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import attrs

from pricing_core.commands import (
    ALL_COMMANDS,
    CleanupOldData,
    Command,
    EnsureStoreEvents,
    RefreshExpiringTokens,
    RepriceProducts,
    SweepAllStores,
    SweepDueStores,
    SweepStoreNow,
    WatchAllCompetitors,
    from_message,
)
from pricing_core.runs import OptimizationRun, RunType

# The commands whose intent is recorded (see the module's docstring for the others).
RECORDED: tuple[type[Command], ...] = (
    RepriceProducts, SweepStoreNow, EnsureStoreEvents,
    SweepAllStores, SweepDueStores, RefreshExpiringTokens, CleanupOldData, WatchAllCompetitors,
)
# The prefix of the run key the dispatcher gives a command that names its run but came without one.
_RUN_KEY_PREFIX: dict[type[Command], str] = {RepriceProducts: "event", SweepStoreNow: "manual"}
_RUN_KEYED = (RepriceProducts, SweepStoreNow)
_BY_NAME: dict[str, type[Command]] = {kind.__name__: kind for kind in ALL_COMMANDS}
_MAX_KEY = 255


class IntentStatus(StrEnum):
    """Where an intent stands (a done intent is deleted)."""

    QUEUED = "queued"   # sent, not done yet
    DEAD = "dead"       # sent again too many times without being done: given up, shown to the operator


@attrs.frozen(kw_only=True)
class Intent:
    """One command's work, from before its message is queued until a worker has done it.

    ``dispatched_at`` moves with every sending (the caller's, or the recovery's); ``taken_at`` when
    a worker starts on it (each delivery and retry); ``recoveries`` counts the recovery's sendings.
    """

    key: str
    command: Command
    created_at: datetime
    dispatched_at: datetime
    status: IntentStatus = IntentStatus.QUEUED
    taken_at: datetime | None = None
    recoveries: int = 0
    error: str | None = None

    @property
    def kind(self) -> str:
        """The command's type name (``RepriceProducts``)."""
        return type(self.command).__name__

    @property
    def store_id(self) -> str | None:
        """The store the work is for (None for the scheduler's ticks)."""
        store_id = getattr(self.command, "store_id", None)
        return None if store_id is None else str(store_id)

    @property
    def last_seen(self) -> datetime:
        """The latest sign of life: the latest sending, or a worker taking it after that."""
        if self.taken_at is not None and self.taken_at > self.dispatched_at:
            return self.taken_at
        return self.dispatched_at

    def is_stalled(self, before: datetime) -> bool:
        """True when it is queued and nothing happened to it since before ``before``."""
        return self.status is IntentStatus.QUEUED and self.last_seen < before


def is_recorded(command: Command) -> bool:
    """True for the commands whose intent is recorded before they are queued."""
    return isinstance(command, RECORDED)


def prepared(command: Command) -> Command:
    """The command as it is sent: with a run key fixed when it names its run and came without one."""
    if isinstance(command, _RUN_KEYED) and command.run_key is None:
        return attrs.evolve(command, run_key=f"{_RUN_KEY_PREFIX[type(command)]}:{uuid.uuid4().hex}")
    return command


def intent_key(command: Command) -> str:
    """The key of a command's intent: its store and run key when it names its run, else its content."""
    kind = type(command).__name__
    if isinstance(command, _RUN_KEYED) and command.run_key is not None:
        return _run_intent_key(kind, command.store_id, command.run_key)
    message = command.as_message()
    return f"{kind}:{_digest(json.dumps(message, sort_keys=True, separators=(',', ':')))}" if message else kind


def intent_key_of_run(run: OptimizationRun) -> str | None:
    """The key of the intent that started ``run``: a manual sweep's or an event repricing's (None for
    other runs: a batch's sweeps are recorded as their runs, not as intents)."""
    kind = {RunType.MANUAL: SweepStoreNow, RunType.EVENT: RepriceProducts}.get(run.run_type)
    if kind is None or not run.run_key:
        return None
    return _run_intent_key(kind.__name__, run.store_id, run.run_key)


def _run_intent_key(kind: str, store_id: str, run_key: str) -> str:
    key = f"{kind}:{store_id}:{run_key}"
    return key if len(key) <= _MAX_KEY else f"{kind}:{_digest(key)}"


def intent_for(command: Command, at: datetime) -> Intent | None:
    """The intent of sending ``command`` (already ``prepared``) at ``at``; None when it is not recorded."""
    if not is_recorded(command):
        return None
    return Intent(key=intent_key(command), command=command, created_at=at, dispatched_at=at)


def command_from(kind: str, payload: dict[str, Any]) -> Command:
    """A stored intent's command, rebuilt from its type name and message (``ValueError`` if unknown)."""
    try:
        command_type = _BY_NAME[kind]
    except KeyError:
        raise ValueError(f"no command named {kind!r}") from None
    return from_message(command_type, dict(payload))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


__all__ = [
    "RECORDED",
    "Intent",
    "IntentStatus",
    "command_from",
    "intent_for",
    "intent_key",
    "intent_key_of_run",
    "is_recorded",
    "prepared",
]
