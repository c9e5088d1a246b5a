"""A store's optimization runs, in memory."""

from __future__ import annotations

from adapters.memory.storage.session import MemorySession
from adapters.memory.storage.state import State, require_store
from pricing_core.runs import OptimizationRun


class MemoryRuns:
    """``RunRepository`` in memory."""

    def __init__(self, uow: MemorySession, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def add(self, run: OptimizationRun) -> None:
        self._check(run)
        require_store(self._uow.read(), self._store_id)

        def op(state: State) -> None:
            state.runs.setdefault(self._store_id, {})[run.id] = run

        self._uow.write(op)

    def update(self, run: OptimizationRun) -> None:
        self._check(run)

        def op(state: State) -> None:
            mine = state.runs.get(self._store_id, {})
            if run.id in mine:
                mine[run.id] = run

        self._uow.write(op)

    def _check(self, run: OptimizationRun) -> None:
        if run.store_id != self._store_id:
            raise ValueError(f"run {run.id} belongs to store {run.store_id}, not {self._store_id}")

    def get(self, run_id: str) -> OptimizationRun | None:
        return self._uow.read().runs.get(self._store_id, {}).get(run_id)

    def recent(self, limit: int = 20) -> list[OptimizationRun]:
        runs = list(self._uow.read().runs.get(self._store_id, {}).values())
        return sorted(runs, key=lambda r: (r.started_at, r.id), reverse=True)[:limit]


__all__ = ["MemoryRuns"]
