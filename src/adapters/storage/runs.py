"""A store's optimization runs (``optimization_runs``)."""

from __future__ import annotations

from sqlalchemy import select, update

from adapters.storage import models, rows
from adapters.storage.session import ScopedRepository
from pricing_core.runs import OptimizationRun


class SqlRuns(ScopedRepository):
    """``RunRepository``."""

    def add(self, run: OptimizationRun) -> None:
        self._check(run)
        self._uow.require_store(self._store_id)
        self._uow.conn.execute(models.optimization_runs.insert().values(**rows.run_row(run)))

    def update(self, run: OptimizationRun) -> None:
        self._check(run)
        t = models.optimization_runs
        values = {k: v for k, v in rows.run_row(run).items() if k not in ("id", "store_id")}
        self._uow.conn.execute(update(t).where(t.c.store_id == self._store_id, t.c.id == run.id).values(**values))

    def _check(self, run: OptimizationRun) -> None:
        if run.store_id != self._store_id:
            raise ValueError(f"run {run.id} belongs to store {run.store_id}, not {self._store_id}")

    def get(self, run_id: str) -> OptimizationRun | None:
        t = models.optimization_runs
        row = (
            self._uow.conn.execute(select(t).where(t.c.store_id == self._store_id, t.c.id == run_id)).mappings().first()
        )
        return None if row is None else rows.run_from(row)

    def recent(self, limit: int = 20) -> list[OptimizationRun]:
        t = models.optimization_runs
        query = (
            select(t)
            .where(t.c.store_id == self._store_id)
            .order_by(t.c.started_at.desc(), rows.by_code_point(t.c.id, self._uow.dialect).desc())
            .limit(limit)
        )
        return [rows.run_from(r) for r in self._uow.conn.execute(query).mappings()]


__all__ = ["SqlRuns"]
