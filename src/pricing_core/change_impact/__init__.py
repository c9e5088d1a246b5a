"""What an applied price change did: units and gross profit per day after it against before it.

For one applied change of one product (``AppliedChange``), the days before and after the day of the
change (``ImpactPolicy.window_days`` each; the day of the change itself is mixed and left out) are
compared, per day: units sold, and gross profit (revenue net of VAT, less units times cost). The
product's own ratio (after / before) is divided by the same ratio of a **control**: the products of
the same category whose price did not change in those days, pooled. What remains is the change's
own effect, net of what moved the whole category (a holiday, a competitor's sale, the season):
a difference in differences on the ratio. ``assess_changes`` does it for every change of a store.

Sales are known only for the days the orders sync read completely (``SalesCoverage``); a day in
that span without a ``DailySales`` row sold nothing. Revenue is what customers paid, VAT included
(``SoldLine``), so the store's VAT rate is taken out before the cost is.

Verdicts: ``profit_fell`` / ``profit_rose`` when the control-adjusted profit per day moved by more
than ``profit_drop_pct`` down / up, ``steady`` in between; and, when there is nothing to judge yet or
at all, ``too_early`` (the days after are not over or not read yet), ``no_data`` (the days before
were not read), ``changed_again`` (another change of the product falls in the days after),
``too_few_sales`` (fewer than ``min_units_before`` units before), ``no_cost`` (no known cost:
units only) and ``unprofitable_before`` (no gross profit before, so no ratio). A control that sold
nothing (or at no profit) after leaves nothing to compare with: ``no_data`` too.

- ``model``: the values (``AppliedChange``, ``ImpactPolicy``, ``SalesCoverage``, ``ControlGroup``,
  ``WindowFigures``, ``ChangeImpact`` and its ``ImpactVerdict``);
- ``assessment``: judging one change (``change_impact``) and every change of a store (``assess_changes``).

Every public name is importable from ``pricing_core.change_impact`` itself.
"""

from __future__ import annotations

from pricing_core.change_impact.assessment import assess_changes, change_impact, local_day, windows_of
from pricing_core.change_impact.model import (
    AppliedChange,
    ChangeImpact,
    ControlGroup,
    ImpactPolicy,
    ImpactVerdict,
    SalesCoverage,
    WindowFigures,
)

__all__ = [
    "AppliedChange",
    "ChangeImpact",
    "ControlGroup",
    "ImpactPolicy",
    "ImpactVerdict",
    "SalesCoverage",
    "WindowFigures",
    "assess_changes",
    "change_impact",
    "local_day",
    "windows_of",
]
