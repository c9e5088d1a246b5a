"""What each run priced from, for replay (``run_inputs``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select

from adapters.storage import models
from adapters.storage.bulk import insert_rows
from adapters.storage.session import ScopedRepository
from pricing_core.replay import PricingInput, input_from_json, input_json


class SqlRunInputs(ScopedRepository):
    """``RunInputRepository``."""

    def add_many(self, run_id: str, inputs: Sequence[PricingInput]) -> None:
        if not inputs:
            return
        t = models.run_inputs
        ids = [i.product.id for i in inputs]
        self._uow.conn.execute(
            delete(t).where(t.c.store_id == self._store_id, t.c.run_id == run_id, t.c.product_id.in_(ids))
        )
        insert_rows(self._uow.conn, t, [
            {"store_id": self._store_id, "run_id": run_id, "product_id": i.product.id, "decided_at": i.now,
             "data": input_json(i)}
            for i in inputs
        ])

    def for_run(self, run_id: str) -> list[PricingInput]:
        t = models.run_inputs
        query = (select(t.c.data).where(t.c.store_id == self._store_id, t.c.run_id == run_id)
                 .order_by(t.c.decided_at, t.c.product_id))
        return [input_from_json(data) for data in self._uow.conn.execute(query).scalars()]


__all__ = ["SqlRunInputs"]
