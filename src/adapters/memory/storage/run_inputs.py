"""What each run priced from (the replay inputs), in memory."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.memory.storage.session import MemorySession
from adapters.memory.storage.state import State, require_store
from pricing_core.errors import StoreNotFound
from pricing_core.replay import PricingInput


class MemoryRunInputs:
    """``RunInputRepository`` in memory: what each run priced from, for replay."""

    def __init__(self, uow: MemorySession, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def add_many(self, run_id: str, inputs: Sequence[PricingInput]) -> None:
        if not inputs:
            return
        state = self._uow.read()
        require_store(state, self._store_id)
        run = state.runs.get(self._store_id, {}).get(run_id)
        if run is None:  # the SQL table has a foreign key to the run
            raise StoreNotFound(f"run {run_id} does not exist in store {self._store_id}")
        key = (self._store_id, run_id)

        def op(state: State) -> None:
            state.run_inputs.setdefault(key, {}).update({i.product.id: i for i in inputs})

        self._uow.write(op)

    def for_run(self, run_id: str) -> list[PricingInput]:
        found = self._uow.read().run_inputs.get((self._store_id, run_id), {})
        return sorted(found.values(), key=lambda i: (i.now, i.product.id))


__all__ = ["MemoryRunInputs"]
