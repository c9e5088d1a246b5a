"""Storage of a store's daily sales (read from its orders), the demand estimate's input."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from pricing_core.sales import DailySales


class SalesRepository(Protocol):
    """One store's daily sales per product (from its orders), and where the next orders sync starts."""

    def replace_from(self, since: date, days: Sequence[DailySales]) -> None:
        """Replace every stored day from ``since`` on with ``days`` (those days' orders were read again)."""
        ...

    def history(self, *, since: date | None = None, product_ids: Sequence[str] | None = None) -> list[DailySales]:
        """Daily sales from ``since`` on (of ``product_ids`` when given), oldest day first, then by product."""
        ...

    def resume_from(self) -> date | None:
        """The first day the next sync must read again (None before the first sync)."""
        ...

    def set_resume_from(self, day: date) -> None:
        """Record where the next sync starts."""
        ...


__all__ = [
    "SalesRepository",
]
