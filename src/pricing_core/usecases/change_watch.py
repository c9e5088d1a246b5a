"""Watch what each applied price change did (``WatchPriceChanges``, daily per store).

For every change of the store that the optimizer applied (its APPLIED decisions) whose days after
ended recently, ``change_impact.assess_changes`` compares units and gross profit per day after the
change with the days before, against the unchanged products of its category. A change whose
profit fell beyond the policy's share is recorded once in the store's activity log
(``change_profit_fell``, with the figures), which the alerts job turns into a message with the way
back (the run, the product, the previous price).

Which changes: those whose last day after falls within the last ``lookback_days`` complete days
of sales (the days before the orders sync's cursor; today is still selling), so a watch that did
not run for a few days catches up, and a change already recorded is not recorded again. Sales
are known from the first day the stored history shows (an earlier day may have sold nothing or
not have been read: it is not counted on).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Protocol

import attrs

from pricing_core.activity import ActivityType
from pricing_core.catalog import Product
from pricing_core.change_impact import (
    AppliedChange,
    ChangeImpact,
    ImpactPolicy,
    SalesCoverage,
    assess_changes,
    local_day,
)
from pricing_core.commands import WatchPriceChanges
from pricing_core.decision import DecisionStatus
from pricing_core.errors import StoreNotFound
from pricing_core.event_time import SALLA_TZ
from pricing_core.ports import Clock, StoreScope, TaskQueue, UnitOfWorkFactory, scope_of
from pricing_core.usecases.fan_out import per_active_store

LOOKBACK_DAYS = 7
# A decision is applied at most this long after it was made (a merchant's late approval): the
# listing of applied decisions, newest made first, reads this far past the span it needs.
APPROVAL_SLACK_DAYS = 30
_PAGE = 500
_PRODUCT_PAGE = 1000
# Recorded changes remembered per watch (more than a store flags in ``lookback_days``).
_RECORDED = 5000


class WatchPorts(Protocol):
    """Storage and the clock."""

    @property
    def uow_factory(self) -> UnitOfWorkFactory: ...

    @property
    def clock(self) -> Clock: ...


@attrs.frozen(kw_only=True)
class ChangeWatchResult:
    """What one watch did: the changes judged, their verdicts (counts), and those newly flagged."""

    store_id: str
    judged: int = 0
    verdicts: dict[str, int] = attrs.field(factory=dict)
    flagged: tuple[ChangeImpact, ...] = ()
    note: str = ""


def watch_price_changes(
    ports: WatchPorts,
    store_id: str,
    *,
    policy: ImpactPolicy = ImpactPolicy(),
    lookback_days: int = LOOKBACK_DAYS,
    tz: tzinfo = SALLA_TZ,
) -> ChangeWatchResult:
    """Judge the store's recently watchable changes; record each newly flagged one. ``StoreNotFound``."""
    store_id = str(store_id)
    w = policy.window_days
    with ports.uow_factory(store_id) as uow:
        if uow.stores.get(store_id) is None:
            raise StoreNotFound(f"store {store_id} does not exist")
        scope = scope_of(uow)
        resume = scope.sales.resume_from()
        if resume is None:
            return ChangeWatchResult(store_id=store_id, note="the store's sales were never read")
        last_day = resume - timedelta(days=1)
        first_end = last_day - timedelta(days=lookback_days - 1)
        span_first = first_end - timedelta(days=2 * w)
        since = datetime.combine(span_first, time(0), tzinfo=tz)
        vat_rate = scope.settings.get().vat_rate
        changes = _applied_changes(scope, since)
        sales = scope.sales.history(since=span_first)
        products = _catalog(scope)
        recorded = {str(e.metadata.get("change_key"))
                    for e in scope.activity.list(activity_type=ActivityType.CHANGE_PROFIT_FELL, limit=_RECORDED)}
    coverage = SalesCoverage(first_day=min(r.day for r in sales), last_day=last_day) if sales else None
    # A change made without a known cost is judged on today's cost, if the merchant entered one since.
    changes = [attrs.evolve(c, cost_price=products[c.product_id].cost_price)
               if c.cost_price is None and c.product_id in products else c for c in changes]
    judge = [c.key for c in changes if _ends_within(c, tz, w, first_end, last_day)]
    impacts = assess_changes(changes, products, sales, coverage=coverage, vat_rate=vat_rate, tz=tz, policy=policy,
                             judge=judge)
    fresh = tuple(i for i in impacts if i.flagged and i.change.key not in recorded)
    if fresh:
        now = ports.clock.now()
        with ports.uow_factory(store_id) as uow:
            activity = scope_of(uow).activity
            for impact in fresh:
                activity.log(ActivityType.CHANGE_PROFIT_FELL, describe(impact), at=now, metadata=impact_facts(impact))
            uow.commit()
    return ChangeWatchResult(store_id=store_id, judged=len(impacts), flagged=fresh,
                             verdicts=dict(Counter(i.verdict.value for i in impacts)))


def watch_all_price_changes(uow_factory: UnitOfWorkFactory, queue: TaskQueue) -> list[str]:
    """One ``WatchPriceChanges`` per active store; returns their ids."""
    return per_active_store(uow_factory, queue, lambda store_id: WatchPriceChanges(store_id=store_id))


def describe(impact: ChangeImpact) -> str:
    """The activity line of a flagged change."""
    c, before, after = impact.change, impact.before, impact.after
    figures = (f"gross profit per day {before.profit_per_day} -> {after.profit_per_day}, units per day "
               f"{before.units_per_day} -> {after.units_per_day}" if before and after else "")
    return (f"Price change of {c.name or c.product_id} ({c.old_price} -> {c.new_price}) lost profit: "
            f"{impact.profit_change_pct}% over {impact.window_days} days against its category; {figures}. "
            f"The previous price was {c.old_price}; the change can be rolled back")


def impact_facts(impact: ChangeImpact) -> dict[str, object]:
    """The metadata of a flagged change (JSON values): what the alert and the pages show."""
    c, before, after = impact.change, impact.before, impact.after

    def text(value: object) -> str | None:
        return None if value is None else str(value)

    return {
        "change_key": c.key, "product_id": c.product_id, "name": c.name, "decision_id": c.decision_id,
        "run_id": c.run_id, "old_price": str(c.old_price), "new_price": str(c.new_price),
        "change_pct": str(c.change_pct), "changed_at": c.changed_at.isoformat(), "window_days": impact.window_days,
        "units_before": text(before and before.units_per_day), "units_after": text(after and after.units_per_day),
        "profit_before": text(before and before.profit_per_day), "profit_after": text(after and after.profit_per_day),
        "units_change_pct": text(impact.units_change_pct), "profit_change_pct": text(impact.profit_change_pct),
        "control_products": impact.control_products, "verdict": impact.verdict.value,
    }


def _ends_within(change: AppliedChange, tz: tzinfo, window_days: int, first: date, last: date) -> bool:
    return first <= local_day(change.changed_at, tz) + timedelta(days=window_days) <= last


def _applied_changes(scope: StoreScope, since: datetime) -> list[AppliedChange]:
    """The store's changes applied since ``since`` (its APPLIED decisions; applied when last moved), oldest first."""
    found: list[AppliedChange] = []
    horizon = since - timedelta(days=APPROVAL_SLACK_DAYS)
    offset = 0
    while page := scope.decisions.list(status=DecisionStatus.APPLIED, limit=_PAGE, offset=offset):
        for record in page:
            if record.updated_at >= since:
                d = record.decision
                found.append(AppliedChange(product_id=d.product_id, old_price=d.old_price,
                                           new_price=d.suggested_price, changed_at=record.updated_at,
                                           cost_price=d.cost_price, name=d.name, decision_id=record.id,
                                           run_id=record.run_id))
        if page[-1].created_at < horizon:
            break
        offset += len(page)
    return sorted(found, key=lambda c: c.changed_at)


def _catalog(scope: StoreScope) -> dict[str, Product]:
    products: dict[str, Product] = {}
    offset = 0
    while page := scope.products.list(limit=_PRODUCT_PAGE, offset=offset):
        products.update((p.id, p) for p in page)
        offset += len(page)
    return products


__all__ = [
    "LOOKBACK_DAYS",
    "ChangeWatchResult",
    "WatchPorts",
    "describe",
    "impact_facts",
    "watch_all_price_changes",
    "watch_price_changes",
]
