"""The commands the core hands to the runners: typed requests for work done later, elsewhere.

A use case that needs work done outside its transaction (a sweep after an install, the writing
of approved prices, repricing after a price event) builds one of these and gives it to the
``TaskQueue`` port. The runners keep the one table that maps each command to its actor and queue
(``runners/commands.py``); nothing else spells a task name. Every field is JSON-serializable, so
a command travels as a message's keyword arguments and comes back the same (``as_message`` /
``from_message``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import attrs

from pricing_core.runs import RunType


def _strings(values: Iterable[object] | str) -> tuple[str, ...]:
    if isinstance(values, str):
        return (values,)
    return tuple(str(v) for v in values)


def _run_type(value: str | RunType) -> str:
    return RunType(value).value


@attrs.frozen(kw_only=True)
class Command:
    """Base of every command. ``as_message`` gives the keyword arguments of its queue message."""

    def as_message(self) -> dict[str, Any]:
        """The command as JSON-serializable keyword arguments (tuples become lists)."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in attrs.asdict(self, recurse=False).items()}


C = TypeVar("C", bound=Command)


def from_message(kind: type[C], kwargs: dict[str, Any]) -> C:
    """The command ``kind`` rebuilt from a message's keyword arguments (unknown keys refused)."""
    return kind(**kwargs)


@attrs.frozen(kw_only=True)
class SweepStore(Command):
    """Sweep one store's whole catalog. ``run_key`` names the run, so a redelivery resumes it."""

    store_id: str = attrs.field(converter=str)
    run_type: str = attrs.field(default=RunType.SCHEDULED.value, converter=_run_type)
    run_key: str | None = None


@attrs.frozen(kw_only=True)
class SweepStoreNow(Command):
    """The merchant's "Run now", or a first sweep after an install: immediate, whatever the mode says."""

    store_id: str = attrs.field(converter=str)
    run_key: str | None = None


@attrs.frozen(kw_only=True)
class SweepAllStores(Command):
    """The 6-hourly batch: one ``SweepStore`` per active store not in manual mode."""

    batch_key: str | None = None


@attrs.frozen(kw_only=True)
class SweepDueStores(Command):
    """The hourly check: one ``SweepStore`` per store whose update frequency has elapsed."""

    batch_key: str | None = None


@attrs.frozen(kw_only=True)
class RepriceProducts(Command):
    """Reprice a few products of one store now (a price event, a competitor's change)."""

    store_id: str = attrs.field(converter=str)
    product_ids: tuple[str, ...] = attrs.field(converter=_strings)
    run_key: str | None = None


@attrs.frozen(kw_only=True)
class ApplyDecisions(Command):
    """Write the prices of approved decisions to Salla (idempotent: applied ones are ignored)."""

    store_id: str = attrs.field(converter=str)
    decision_ids: tuple[str, ...] = attrs.field(converter=_strings)


@attrs.frozen(kw_only=True)
class ProcessWebhook(Command):
    """Handle one verified Salla delivery in a worker (its effects and the inbox in one transaction)."""

    event: str
    merchant_id: str | None
    data: dict[str, Any] = attrs.field(repr=False)  # may be large; never logged whole
    delivery_id: str
    created_at: str | None = None


@attrs.frozen(kw_only=True)
class EnsureStoreEvents(Command):
    """Subscribe one store to the store events the optimizer needs (idempotent), record the outcome."""

    store_id: str = attrs.field(converter=str)


@attrs.frozen(kw_only=True)
class SyncOrders(Command):
    """Read one store's new orders into its daily sales history (incremental, from its cursor)."""

    store_id: str = attrs.field(converter=str)


@attrs.frozen(kw_only=True)
class SyncAllOrders(Command):
    """One ``SyncOrders`` per active store: the sales history that demand pricing and change watching read."""


@attrs.frozen(kw_only=True)
class RefreshExpiringTokens(Command):
    """Refresh the tokens that expire within ``threshold_hours`` (default: the configured window)."""

    threshold_hours: float | None = None


@attrs.frozen(kw_only=True)
class CleanupOldData(Command):
    """Delete rows past their retention age."""


@attrs.frozen(kw_only=True)
class WatchCompetitors(Command):
    """Compare one store's competitor offers with the stored ones; reprice the products that changed."""

    store_id: str = attrs.field(converter=str)


@attrs.frozen(kw_only=True)
class WatchAllCompetitors(Command):
    """One ``WatchCompetitors`` per active store that takes automatic runs."""


@attrs.frozen(kw_only=True)
class WatchPriceChanges(Command):
    """Judge what one store's recent applied price changes did to its sales; log the ones that lost profit."""

    store_id: str = attrs.field(converter=str)


@attrs.frozen(kw_only=True)
class WatchAllPriceChanges(Command):
    """One ``WatchPriceChanges`` per active store (daily, once the day's sales are read)."""


@attrs.frozen(kw_only=True)
class SendAlerts(Command):
    """Send the alerts the activity log holds since the last pass (one message per store and kind)."""


@attrs.frozen(kw_only=True)
class RecoverStuckWork(Command):
    """One recovery pass: settle, re-send, resume or close the work a stopped process left in flight."""


# Commands whose periodic fire carries a batch key derived from the fire time (fan-outs).
BATCHED: tuple[type[Command], ...] = (SweepAllStores, SweepDueStores)

ALL_COMMANDS: tuple[type[Command], ...] = (
    SweepStore, SweepStoreNow, SweepAllStores, SweepDueStores, RepriceProducts, ApplyDecisions,
    ProcessWebhook, EnsureStoreEvents, RefreshExpiringTokens, CleanupOldData, RecoverStuckWork, SyncOrders,
    SyncAllOrders, WatchCompetitors, WatchAllCompetitors, WatchPriceChanges, WatchAllPriceChanges, SendAlerts,
)

__all__ = [
    "ALL_COMMANDS",
    "BATCHED",
    "ApplyDecisions",
    "CleanupOldData",
    "Command",
    "EnsureStoreEvents",
    "ProcessWebhook",
    "RecoverStuckWork",
    "RefreshExpiringTokens",
    "RepriceProducts",
    "SendAlerts",
    "SweepAllStores",
    "SweepDueStores",
    "SweepStore",
    "SweepStoreNow",
    "SyncAllOrders",
    "SyncOrders",
    "WatchAllCompetitors",
    "WatchAllPriceChanges",
    "WatchCompetitors",
    "WatchPriceChanges",
    "from_message",
]
