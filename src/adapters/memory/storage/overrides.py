"""A store's per-product overrides, in memory."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from adapters.memory.storage.session import MemorySession
from adapters.memory.storage.state import State, require_store
from pricing_core.overrides import ProductOverride


class MemoryOverrides:
    """``OverrideRepository`` in memory: one override per product."""

    def __init__(self, uow: MemorySession, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def _mine(self) -> dict[str, ProductOverride]:
        return self._uow.read().overrides.get(self._store_id, {})

    def get_many(self, product_ids: Sequence[str]) -> dict[str, ProductOverride]:
        mine = self._mine()
        return {str(pid): mine[str(pid)] for pid in product_ids if str(pid) in mine}

    def list(self, *, limit: int = 100, offset: int = 0) -> builtins.list[ProductOverride]:
        mine = self._mine()
        return [mine[k] for k in sorted(mine)][offset : offset + limit]

    def count(self) -> int:
        return len(self._mine())

    def upsert_many(self, overrides: Sequence[ProductOverride]) -> None:
        if not overrides:
            return
        require_store(self._uow.read(), self._store_id)
        batch = builtins.list(overrides)

        def op(state: State) -> None:
            mine = state.overrides.setdefault(self._store_id, {})
            for override in batch:
                mine[override.product_id] = override

        self._uow.write(op)

    def delete(self, product_id: str) -> bool:
        pid = str(product_id)
        if pid not in self._mine():
            return False

        def op(state: State) -> None:
            state.overrides.get(self._store_id, {}).pop(pid, None)

        self._uow.write(op)
        return True


__all__ = ["MemoryOverrides"]
