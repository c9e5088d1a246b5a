"""Storage of a store's daily sales (read from its orders), the demand estimate's input."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from pricing_core.sales import DailySales, OrderSale


class SalesRepository(Protocol):
    """One store's daily sales per product (from its orders), each order's part of them, and where
    the next orders sync starts.

    The daily sales are always the sum of the orders' parts (for the days read since orders were
    kept per order): the sync replaces both from a day on, an order webhook replaces one order's
    parts and moves its days by the difference, so an order seen twice counts once.
    """

    def replace_from(self, since: date, days: Sequence[DailySales], orders: Sequence[OrderSale] = ()) -> None:
        """Replace every stored day from ``since`` on with ``days``, and every order's part of those
        days with ``orders`` (those days' orders were read again)."""
        ...

    def record_order(self, order_id: str, parts: Sequence[OrderSale], *, as_of: datetime | None = None) -> bool:
        """Replace one order's parts with ``parts`` (none: the order no longer counts) and move its
        days' sales by the difference.

        ``as_of`` is Salla's time of what ``parts`` show; when a later one was recorded for the
        order (an older delivery arriving late) nothing changes and the answer is False.
        """
        ...

    def order_parts(self, order_id: str) -> list[OrderSale]:
        """The order's recorded parts, by product and day (empty: unknown, or it no longer counts)."""
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
