"""A store's catalog as last seen, in memory."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime

from adapters.memory.storage.session import MemorySession
from adapters.memory.storage.state import State, require_store
from pricing_core.catalog import Product


class MemoryProducts:
    """``ProductRepository`` in memory: the last-seen catalog, one product per id."""

    def __init__(self, uow: MemorySession, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def _mine(self) -> dict[str, Product]:
        return self._uow.read().products.get(self._store_id, {})

    def upsert_many(self, products: Sequence[Product], *, seen_at: datetime) -> None:
        if not products:
            return
        require_store(self._uow.read(), self._store_id)
        batch = list(products)

        def op(state: State) -> None:
            mine = state.products.setdefault(self._store_id, {})
            for product in batch:
                mine[product.id] = product

        self._uow.write(op)

    def get(self, product_id: str) -> Product | None:
        return self._mine().get(str(product_id))

    def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]:
        mine = self._mine()
        return {str(pid): mine[str(pid)] for pid in product_ids if str(pid) in mine}

    def list(self, *, limit: int = 100, offset: int = 0) -> builtins.list[Product]:
        mine = self._mine()
        return [mine[k] for k in sorted(mine)][offset : offset + limit]

    def count(self) -> int:
        return len(self._mine())

    def ids_by_sku(self, skus: Sequence[str]) -> dict[str, builtins.list[str]]:
        wanted = {str(s) for s in skus}
        found: dict[str, builtins.list[str]] = {}
        for pid in sorted(self._mine()):
            sku = self._mine()[pid].sku
            if sku is not None and sku in wanted:
                found.setdefault(sku, []).append(pid)
        return found


__all__ = ["MemoryProducts"]
