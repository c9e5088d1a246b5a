"""Fan-outs: one command per active store (the periodic jobs that work store by store)."""

from __future__ import annotations

from collections.abc import Callable

from pricing_core.commands import Command
from pricing_core.ports import TaskQueue, UnitOfWorkFactory


def per_active_store(
    uow_factory: UnitOfWorkFactory, queue: TaskQueue, command_for: Callable[[str], Command]
) -> list[str]:
    """Dispatch ``command_for(store_id)`` for every active store; returns their ids."""
    with uow_factory() as uow:
        rows = uow.stores.list_active_with_settings()
    for store, _ in rows:
        queue.dispatch(command_for(store.store_id))
    return [store.store_id for store, _ in rows]


__all__ = ["per_active_store"]
