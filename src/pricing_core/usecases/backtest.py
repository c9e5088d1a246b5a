"""Backtest: price a store's stored runs again under other settings, touching nothing.

Each run's inputs (``replay.PricingInput``, kept by every sweep) are priced again under the
store's current settings with a partial set of overrides applied over them, under the store's
pricing rules (or the rules given instead) and its current product overrides; the figures
(``replay.Totals``) are reported per run and in total, next to what the run really decided.
Nothing is written: the units of work opened here are never committed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import attrs

from pricing_core.decision import DecisionRecord
from pricing_core.errors import StoreNotFound
from pricing_core.ports import UnitOfWorkFactory, scope_of
from pricing_core.replay import Totals, merged, replay, totals, with_overrides
from pricing_core.rules import PricingRule
from pricing_core.runs import OptimizationRun
from pricing_core.usecases.pricing_rules import check_rules

_PAGE = 1000
_ALL_RUNS = 100_000


@attrs.frozen(kw_only=True)
class RunBacktest:
    """One run priced again: the replay's figures, the stored decisions' figures, and how many agree."""

    run_id: str
    started_at: datetime
    replayed: Totals
    actual: Totals
    identical: int

    def as_json(self) -> dict[str, object]:
        """The run's figures at the top level, what really happened under ``actual``."""
        return {"run_id": self.run_id, "started_at": self.started_at.isoformat(), **self.replayed.as_json(),
                "identical": self.identical, "actual": self.actual.as_json()}


@attrs.frozen(kw_only=True)
class BacktestReport:
    """The whole backtest: totals over every run replayed, and each run."""

    store_id: str
    overrides: Mapping[str, Any]
    replayed: Totals
    actual: Totals
    per_run: tuple[RunBacktest, ...]
    identical: int

    def as_json(self) -> dict[str, object]:
        """``runs``, the totals' keys, ``identical``, ``actual`` and ``per_run`` (the CLI's ``--json``)."""
        return {"store_id": self.store_id, "runs": len(self.per_run), **self.replayed.as_json(),
                "identical": self.identical, "actual": self.actual.as_json(),
                "settings": {k: str(v) if not isinstance(v, bool | int | float | str) else v
                             for k, v in self.overrides.items()},
                "per_run": [r.as_json() for r in self.per_run]}


def _stored(uow_factory: UnitOfWorkFactory, store_id: str, run_id: str) -> dict[str, DecisionRecord]:
    found: dict[str, DecisionRecord] = {}
    offset = 0
    with uow_factory(store_id) as uow:
        decisions = scope_of(uow).decisions
        while page := decisions.list(run_id=run_id, limit=_PAGE, offset=offset):
            found.update({r.decision.product_id: r for r in page})
            offset += len(page)
    return found


def backtest(
    uow_factory: UnitOfWorkFactory,
    store_id: str,
    overrides: Mapping[str, Any],
    *,
    since: date | None = None,
    runs: int | None = None,
    rules: Sequence[PricingRule] | None = None,
) -> BacktestReport:
    """Replay the store's runs (those started on ``since`` or later, or the latest ``runs``; by
    default all) under its settings with ``overrides``, and under ``rules`` in place of the
    store's pricing rules when given. Runs without stored inputs are left out.

    Raises ``StoreNotFound``, ``ValueError`` / ``pydantic.ValidationError`` for bad overrides, and
    ``InvalidRule`` for rules that saving would refuse.
    """
    store_id = str(store_id)
    if runs is not None and runs < 1:
        raise ValueError("runs must be at least 1")
    with uow_factory(store_id) as uow:
        if uow.stores.get(store_id) is None:
            raise StoreNotFound(f"store {store_id} does not exist")
        current = scope_of(uow).settings.get()
        settings = with_overrides(current, overrides)
        if rules is None:
            rules = scope_of(uow).rules.list()
        else:  # rules to try are checked as saving them would be
            check_rules(settings, rules)
        chosen: list[OptimizationRun] = [
            r for r in scope_of(uow).runs.recent(limit=_ALL_RUNS)
            if since is None or r.started_at.date() >= since
        ]
    per_run: list[RunBacktest] = []
    identical_total = 0
    for run in chosen:  # newest first
        if runs is not None and len(per_run) >= runs:
            break
        with uow_factory(store_id) as uow:
            inputs = scope_of(uow).run_inputs.for_run(run.id)
            product_overrides = scope_of(uow).overrides.get_many([i.product.id for i in inputs]) if inputs else {}
        if not inputs:
            continue
        stored = _stored(uow_factory, store_id, run.id)
        decisions = replay(inputs, settings, rules=rules, overrides=product_overrides)
        pairs = list(zip(inputs, decisions, strict=True))
        actual = [(i, stored[i.product.id].decision) for i in inputs if i.product.id in stored]
        identical = sum(1 for i, d in pairs if i.product.id in stored and stored[i.product.id].decision == d)
        per_run.append(RunBacktest(run_id=run.id, started_at=run.started_at,
                                   replayed=totals(pairs, settings.vat_fraction),
                                   actual=totals(actual, current.vat_fraction), identical=identical))
        identical_total += identical
    return BacktestReport(store_id=store_id, overrides=dict(overrides),
                          replayed=merged(r.replayed for r in per_run),
                          actual=merged(r.actual for r in per_run),
                          per_run=tuple(per_run), identical=identical_total)


__all__ = ["BacktestReport", "RunBacktest", "backtest"]
