"""Storage of what the optimizer decided: decisions and their workflow, runs, and each run's inputs."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from pricing_core.decision import DecisionRecord, DecisionStatus, statuses_before
from pricing_core.errors import InvalidTransition
from pricing_core.replay import PricingInput
from pricing_core.runs import OptimizationRun


class DecisionRepository(Protocol):
    """One store's pricing decisions and their workflow state."""

    def add_many(self, records: Sequence[DecisionRecord]) -> int:
        """Insert records whose ``idempotency_key`` is new; return how many were inserted."""
        ...

    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` are already stored."""
        ...

    def get(self, decision_id: str) -> DecisionRecord | None:
        """One decision, or None (also when it belongs to another store)."""
        ...

    def list(
        self,
        *,
        status: DecisionStatus | None = None,
        product_id: str | None = None,
        run_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[DecisionRecord]:
        """Decisions, newest first, optionally filtered."""
        ...

    def count(self, *, status: DecisionStatus | None = None) -> int:
        """How many decisions (with that status)."""
        ...

    def set_status(
        self,
        decision_ids: Sequence[str],
        status: DecisionStatus,
        *,
        at: datetime,
        by: str | None = None,
        error: str | None = None,
        expected: Collection[DecisionStatus] | None = None,
    ) -> None:
        """Move decisions to ``status``, as a compare-and-set in one statement.

        Only decisions whose status is still one the lifecycle allows the move from
        (``statuses_before(status)``), narrowed to ``expected`` when given, move; the others are
        left as they are, so a concurrent move made since they were read (a merchant's approval
        during a sweep) is never overwritten and no decision leaves a final status. Use
        ``checked_expected`` to compute the set.
        """
        ...


def checked_expected(
    status: DecisionStatus, expected: Collection[DecisionStatus] | None
) -> frozenset[DecisionStatus]:
    """The statuses a move to ``status`` may start from: the lifecycle's, narrowed to ``expected``.

    ``InvalidTransition`` when ``expected`` names a status the lifecycle forbids the move from (a
    caller's mistake, not a race).
    """
    allowed = statuses_before(status)
    if expected is None:
        return allowed
    wanted = frozenset(expected)
    if not wanted <= allowed:
        bad = ", ".join(sorted(s.value for s in wanted - allowed))
        raise InvalidTransition(f"a decision cannot move from {bad} to {status.value}")
    return wanted


class RunRepository(Protocol):
    """One store's optimization runs."""

    def add(self, run: OptimizationRun) -> None:
        """Record a new run."""
        ...

    def update(self, run: OptimizationRun) -> None:
        """Replace a run by id (progress, completion, failure)."""
        ...

    def get(self, run_id: str) -> OptimizationRun | None:
        """One run, or None."""
        ...

    def recent(self, limit: int = 20) -> list[OptimizationRun]:
        """Runs, newest first."""
        ...


class RunInputRepository(Protocol):
    """What each run of one store priced from (``replay.PricingInput``), so a run can be priced again."""

    def add_many(self, run_id: str, inputs: Sequence[PricingInput]) -> None:
        """Keep the inputs of products decided in ``run_id`` (a product stored again is replaced)."""
        ...

    def for_run(self, run_id: str) -> list[PricingInput]:
        """The run's inputs, ordered by decision time, then product id ([] for a run without any)."""


__all__ = [
    "DecisionRepository",
    "RunInputRepository",
    "RunRepository",
    "checked_expected",
]
