"""The one table from the core's commands to Dramatiq actors, queues and priorities.

Nothing else in the code base spells an actor's name: the queue adapter turns a command into a
message with this table, the actors are declared from it, and the scheduler's periodic jobs name
their command here too.

Queues: sweeps are long; events (repricing, approvals) must not wait behind them, nor behind a
flood of webhook deliveries (Salla echoes every price we write); fan-outs and upkeep are tiny.
"""

from __future__ import annotations

from typing import Any

import attrs

from pricing_core.commands import (
    ApplyDecisions,
    CleanupOldData,
    Command,
    EnsureStoreEvents,
    ProcessWebhook,
    RecoverStuckWork,
    RefreshExpiringTokens,
    RepriceProducts,
    SendAlerts,
    SweepAllStores,
    SweepDueStores,
    SweepStore,
    SweepStoreNow,
    SyncAllOrders,
    SyncOrders,
    WatchAllCompetitors,
    WatchAllPriceChanges,
    WatchCompetitors,
    WatchPriceChanges,
)

QUEUE_SWEEPS = "sweeps"
QUEUE_EVENTS = "events"
QUEUE_WEBHOOKS = "webhooks"
QUEUE_DEFAULT = "default"


@attrs.frozen
class Route:
    """Where a command goes: its actor's name, queue and priority (lower runs first within a queue)."""

    actor_name: str
    queue_name: str
    priority: int = 0


ROUTES: dict[type[Command], Route] = {
    SweepStore: Route("optimize_store", QUEUE_SWEEPS, priority=10),
    SweepStoreNow: Route("manual_optimize", QUEUE_SWEEPS, priority=5),
    SweepAllStores: Route("optimize_all_stores", QUEUE_DEFAULT),
    SweepDueStores: Route("check_and_optimize_stores", QUEUE_DEFAULT),
    RepriceProducts: Route("reprice_products", QUEUE_EVENTS),
    ApplyDecisions: Route("apply_decisions", QUEUE_EVENTS),
    ProcessWebhook: Route("process_webhook", QUEUE_WEBHOOKS, priority=1),
    EnsureStoreEvents: Route("ensure_store_events", QUEUE_DEFAULT),
    RefreshExpiringTokens: Route("refresh_expiring_tokens", QUEUE_DEFAULT),
    CleanupOldData: Route("cleanup_old_data", QUEUE_DEFAULT),
    WatchAllCompetitors: Route("watch_all_competitors", QUEUE_DEFAULT),
    # Reads the competitor sources for a store's catalog: longer than an event, shorter than a sweep.
    WatchCompetitors: Route("watch_competitors", QUEUE_SWEEPS, priority=20),
    RecoverStuckWork: Route("recover_stuck_work", QUEUE_DEFAULT),
    SyncOrders: Route("sync_orders", QUEUE_DEFAULT),
    SyncAllOrders: Route("sync_all_orders", QUEUE_DEFAULT),
    WatchAllPriceChanges: Route("watch_all_price_changes", QUEUE_DEFAULT),
    # Reads a few weeks of one store's sales: longer than an event, shorter than a sweep.
    WatchPriceChanges: Route("watch_price_changes", QUEUE_SWEEPS, priority=20),
    SendAlerts: Route("send_alerts", QUEUE_DEFAULT),
}

# The scheduler's periodic jobs (their names are the ``SCHEDULE_<JOB>`` settings) and their commands.
PERIODIC: dict[str, type[Command]] = {
    "optimize_all_stores": SweepAllStores,
    "check_and_optimize_stores": SweepDueStores,
    "refresh_expiring_tokens": RefreshExpiringTokens,
    "cleanup_old_data": CleanupOldData,
    "watch_competitors": WatchAllCompetitors,
    "recover_stuck_work": RecoverStuckWork,
    "send_alerts": SendAlerts,
    "watch_price_changes": WatchAllPriceChanges,
    "sync_orders": SyncAllOrders,
}

BY_ACTOR: dict[str, type[Command]] = {route.actor_name: kind for kind, route in ROUTES.items()}


def route_of(command: Command | type[Command]) -> Route:
    """The route of a command (or command type); ``KeyError`` for a command with no actor."""
    kind = command if isinstance(command, type) else type(command)
    return ROUTES[kind]


def command_of(actor_name: str, kwargs: dict[str, Any]) -> Command:
    """The command a message for ``actor_name`` carries."""
    return BY_ACTOR[actor_name](**kwargs)


__all__ = [
    "BY_ACTOR",
    "PERIODIC",
    "QUEUE_DEFAULT",
    "QUEUE_EVENTS",
    "QUEUE_SWEEPS",
    "QUEUE_WEBHOOKS",
    "ROUTES",
    "Route",
    "command_of",
    "route_of",
]
