"""A store's weekly pattern of demand: how much more or less sells on each weekday.

Shops sell more on some days of the week than on others (in Saudi Arabia, around the Thursday and
Friday weekend). In one product's daily sales that pattern is noise to the elasticity fit when its
prices hold across whole weeks, and a bias when a price change happens to fall before the busy
days. One product sells too little to tell its own pattern, so the pattern is the store's: its
units on each weekday over all its products, against what that weekday would sell with no pattern.

Each factor is shrunk toward 1 by ``PSEUDO_UNITS`` (a weekday that sold 20 units in all moves only
halfway), so a store with few sales gets almost no pattern. The factors average 1 over the days
observed, so an estimate's ``units_per_day`` is still that of an average day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pricing_core.demand.model import SalesObservation

PSEUDO_UNITS = 20.0
"""Units of "no pattern" each weekday's factor starts from (see the module docstring)."""

MIN_UNITS = 7 * PSEUDO_UNITS
"""Fewer units in all than this: no pattern at all (``None``)."""

WEEKDAYS = 7


def weekday_factors(histories: Iterable[Sequence[SalesObservation]]) -> tuple[float, ...] | None:
    """Demand on each weekday (Monday first) relative to an average day, from many products' days.

    ``histories`` are the products' observations (one per product and day, zero-unit days
    included). Returns None when they hold fewer than ``MIN_UNITS`` units.
    """
    units = [0.0] * WEEKDAYS
    days = [0] * WEEKDAYS
    for rows in histories:
        for row in rows:
            weekday = row.day.weekday()
            units[weekday] += row.units
            days[weekday] += 1
    total_units, total_days = sum(units), sum(days)
    if total_units < MIN_UNITS or total_days == 0:
        return None
    rate = total_units / total_days
    factors = [(u + PSEUDO_UNITS) / (n * rate + PSEUDO_UNITS) for u, n in zip(units, days, strict=True)]
    mean = sum(f * n for f, n in zip(factors, days, strict=True)) / total_days
    return tuple(f / mean for f in factors)


__all__ = ["MIN_UNITS", "PSEUDO_UNITS", "weekday_factors"]
