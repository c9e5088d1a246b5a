"""The two halves of a sweep page: *gather* (what to decide, and its evidence) and *decide* (price and persist).

Gather skips what this run already decided (a redelivered message), stores the products, and
reads competitor offers, previous offers and the last price changes. Decide prices the page
through the engine with the advisor's proposals, and persists the decisions, what they were
priced from (for a replay), the superseded pending decisions and the run's counters in one
transaction. Between the halves the page waits for advice (``sweep_advice``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta

import attrs

from pricing_core.catalog import AdvisorProposal, CompetitorOffer, PricePoint, Product
from pricing_core.decision import Action, DecisionRecord, DecisionStatus, PricingDecision
from pricing_core.demand import ElasticityEstimate
from pricing_core.demand_history import DEMAND_WINDOW_DAYS, DemandInputs, demand_estimates
from pricing_core.engine import price_catalog
from pricing_core.event_time import SALLA_TZ
from pricing_core.overrides import ProductOverride
from pricing_core.ports import ProductPage, scope_of
from pricing_core.replay import PricingInput
from pricing_core.rules import PricingRule
from pricing_core.sales import DailySales
from pricing_core.settings import Strategy, TenantSettings
from pricing_core.usecases.apply_outcomes import OPTIMIZER
from pricing_core.usecases.context import OptimizerPorts, decision_id_for, decision_key
from pricing_core.usecases.sweep_lifecycle import RunLifecycle
from pricing_core.usecases.sweep_supersede import PendingDecisions


@attrs.frozen(kw_only=True)
class GatheredPage:
    """One page after the gather half, waiting for advice and the decide half.

    ``products`` are the page's products this run has not decided yet (all of them, except on a
    redelivered run), with their ``offers`` (previous prices filled) and last price change;
    ``now`` is when the page was read (the decisions' time); ``size``, ``total`` and ``rejected``
    feed the progress callback and the run's counters.
    """

    now: datetime
    size: int
    total: int | None
    rejected: int
    products: tuple[Product, ...] = ()
    offers: Mapping[str, Sequence[CompetitorOffer]] = attrs.field(factory=dict)
    history: Mapping[str, PricePoint] = attrs.field(factory=dict)
    overrides: Mapping[str, ProductOverride] = attrs.field(factory=dict)
    demand: Mapping[str, ElasticityEstimate] = attrs.field(factory=dict)


def wants_demand(settings: TenantSettings, rules: Sequence[PricingRule]) -> bool:
    """True when the store or one of its rules prices for profit: only then are sales read and estimated."""
    return settings.strategy is Strategy.PROFIT or any(
        str(rule.settings.get("strategy", "")) == Strategy.PROFIT.value for rule in rules)


class PagePricer:
    """Gathers and decides the pages of one run."""

    def __init__(
        self, ports: OptimizerPorts, store_id: str, lifecycle: RunLifecycle, pending: PendingDecisions
    ) -> None:
        self.ports = ports
        self.store_id = store_id
        self.run_id = lifecycle.run_id
        self.lifecycle = lifecycle
        self.pending = pending
        # Products whose lowest usable competitor sells below their margin floor (this process's pages).
        self.below_floor: list[dict[str, str]] = []

    def gather(self, page: ProductPage, *, demand: bool = False) -> GatheredPage:
        """The first half of a page: skip what this run decided, store the products, read offers.

        Competitor offers are fetched outside any transaction (network calls), and get their
        ``previous_price`` from the offers stored by earlier runs. With ``demand`` (the profit
        strategy is in use) the page's sales and price changes of the last
        ``DEMAND_WINDOW_DAYS`` are read too, and each product's elasticity is estimated.
        """
        now = self.ports.clock.now()
        today = now.astimezone(SALLA_TZ).date()
        window = datetime.combine(today - timedelta(days=DEMAND_WINDOW_DAYS), time(0), tzinfo=SALLA_TZ)
        inputs = DemandInputs()
        ids = [p.id for p in page.products]
        with self.ports.uow_factory(self.store_id) as uow:
            scope = scope_of(uow)
            decided = scope.decisions.existing_keys([decision_key(self.run_id, i) for i in ids])
            products = [p for p in page.products if decision_key(self.run_id, p.id) not in decided]
            fresh_ids = [p.id for p in products]
            if products:
                scope.products.upsert_many(products, seen_at=now)
                stored_offers = scope.offers.latest(fresh_ids)
                history = scope.price_history.latest(fresh_ids)
                overrides = scope.overrides.get_many(fresh_ids)  # one query per page, not per product
                if demand:
                    inputs = _demand_inputs(scope.sales.history(since=window.date(), product_ids=fresh_ids),
                                            scope.price_history.since(fresh_ids, window))
            self.lifecycle.beat_if_due(scope, now)
            uow.commit()
        gathered = GatheredPage(now=now, size=len(page.products), total=page.total_products,
                                rejected=len(page.rejected))
        if not products:  # decided by an earlier delivery of this run
            return gathered
        offers = _with_previous(self.ports.competitors.offers_for(self.store_id, products, now), stored_offers)
        estimates = demand_estimates(products, inputs, today=today, tz=SALLA_TZ) if demand else {}
        return attrs.evolve(gathered, products=tuple(products), offers=offers, history=history, overrides=overrides,
                            demand=estimates)

    def decide(
        self,
        gathered: GatheredPage,
        proposals: Mapping[str, AdvisorProposal],
        settings: TenantSettings,
        rules: Sequence[PricingRule],
    ) -> list[DecisionRecord]:
        """The second half of a page: price, persist decisions and counters; returns the auto-apply
        decisions (APPROVED and committed, not sent yet)."""
        now = gathered.now
        decisions = price_catalog(
            gathered.products, gathered.offers, settings, now=now,
            history_by_product_id={pid: [point] for pid, point in gathered.history.items()},
            proposals=proposals, rules=rules, overrides=gathered.overrides, demand_by_product_id=gathered.demand,
        )
        records = [self._record(d, now) for d in decisions]
        self.below_floor += [
            {"product_id": d.product_id, "name": d.name, "competitor_price": str(d.reference_price),
             "floor": str(d.floor_price), "currency": d.currency}
            for d in decisions
            if d.reference_price is not None and d.floor_price is not None and d.reference_price < d.floor_price
        ]
        approved = [r for r in records if r.status is DecisionStatus.APPROVED]

        with self.ports.uow_factory(self.store_id) as uow:
            scope = scope_of(uow)
            scope.offers.add_many({pid: list(items) for pid, items in gathered.offers.items() if items})
            scope.decisions.add_many(records)
            # What these decisions were priced from, so the run can be replayed (backtest).
            scope.run_inputs.add_many(self.run_id, [
                PricingInput(product=p, offers=tuple(gathered.offers.get(p.id, ())),
                             last_change=gathered.history.get(p.id), proposal=proposals.get(p.id),
                             demand=gathered.demand.get(p.id), now=now)
                for p in gathered.products
            ])
            changed = [r.decision.product_id for r in records
                       if r.status in (DecisionStatus.PENDING, DecisionStatus.APPROVED)]
            self.pending.supersede(scope, changed, now)
            self.lifecycle.count_page(
                scope,
                analyzed=len(records),
                queued=sum(r.status is DecisionStatus.PENDING for r in records),
                skipped=gathered.rejected + sum(r.decision.action is Action.SKIPPED for r in records),
            )
            uow.commit()
        return approved

    def _record(self, decision: PricingDecision, now: datetime) -> DecisionRecord:
        status = {
            Action.AUTO_APPLY: DecisionStatus.APPROVED,
            Action.NEEDS_APPROVAL: DecisionStatus.PENDING,
        }.get(decision.action, DecisionStatus.RECORDED)
        return DecisionRecord(
            id=decision_id_for(self.run_id, decision.product_id),
            store_id=self.store_id,
            run_id=self.run_id,
            idempotency_key=decision_key(self.run_id, decision.product_id),
            decision=decision,
            status=status,
            created_at=now,
            updated_at=now,
            decided_by=OPTIMIZER if status is DecisionStatus.APPROVED else None,
        )


def _demand_inputs(sales: Sequence[DailySales], points: Sequence[PricePoint]) -> DemandInputs:
    """The page's stored history as the demand estimate reads it (no sales: no estimate)."""
    history: dict[str, list[PricePoint]] = {}
    for point in points:
        history.setdefault(point.product_id, []).append(point)
    return DemandInputs(sales=sales, history=history, first_sales_day=min((s.day for s in sales), default=None))


def _with_previous(
    fresh: Mapping[str, Sequence[CompetitorOffer]], stored: Mapping[str, Sequence[CompetitorOffer]]
) -> dict[str, list[CompetitorOffer]]:
    """Fill each new offer's ``previous_price`` from the latest stored offer of the same competitor."""
    result: dict[str, list[CompetitorOffer]] = {}
    for product_id, offers in fresh.items():
        last = {o.competitor: o.price for o in stored.get(product_id, ())}
        result[str(product_id)] = [
            attrs.evolve(o, previous_price=last[o.competitor])
            if o.previous_price is None and o.competitor in last else o
            for o in offers
        ]
    return result


__all__ = ["GatheredPage", "PagePricer", "wants_demand"]
