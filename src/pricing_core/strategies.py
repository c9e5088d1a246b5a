"""Steps 2 and 3: the reference price from usable offers, and the strategy that places the target.

The competitive strategies place the target relative to the reference price; the profit strategy
places it where the product's demand estimate says gross profit is highest, and falls back to a
competitive strategy (or a price test, or a capped raise) when the estimate cannot carry a price.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from statistics import median

import attrs

from pricing_core.catalog import CompetitorOffer, Product
from pricing_core.demand import (
    ElasticityEstimate,
    expected_profit_price,
    exploration_direction,
    inelastic_probability,
    optimal_price,
)
from pricing_core.money import quantize
from pricing_core.settings import InelasticDemand, Reference, Strategy, TenantSettings

HUNDRED = Decimal(100)
# Step-ups on inelastic demand are at least this far apart, so each is seen for a day of sales.
STEP_UP_INTERVAL = timedelta(days=1)
# With price tests on, an estimate wider than this keeps testing around its optimum (elasticity units).
TEST_AROUND_OPTIMUM_WIDTH = 1.0


@attrs.frozen
class ReferencePrice:
    """The competitor price the strategy starts from, and the offers it rests on."""

    price: Decimal
    basis: tuple[CompetitorOffer, ...]
    description: str


def reference_price(usable: Sequence[CompetitorOffer], settings: TenantSettings) -> ReferencePrice | None:
    """Pick the reference from usable offers (sorted cheapest first); None when there is none to pick."""
    if not usable:
        return None
    kind = settings.reference
    if kind == Reference.LOWEST:
        o = usable[0]
        return ReferencePrice(o.price, (o,), f"lowest usable offer: {o.competitor} at {o.price}")
    if kind == Reference.SECOND_LOWEST:
        o = usable[1] if len(usable) > 1 else usable[0]
        note = "second lowest" if len(usable) > 1 else "only (no second) offer"
        return ReferencePrice(o.price, (o,), f"{note}: {o.competitor} at {o.price}")
    if kind == Reference.MEDIAN:
        mid = Decimal(median(o.price for o in usable))
        return ReferencePrice(mid, tuple(usable), f"median of {len(usable)} usable offers: {mid}")
    if kind == Reference.AVERAGE:
        weights = {name.casefold(): w for name, w in settings.competitor_weights.items()}
        if weights:
            w = [weights.get(o.competitor.casefold(), Decimal(1)) for o in usable]
            avg = sum((o.price * x for o, x in zip(usable, w, strict=True)), Decimal(0)) / sum(w, Decimal(0))
            return ReferencePrice(avg, tuple(usable),
                                  f"weighted average of {len(usable)} usable offers: {avg:.2f}")
        avg = sum((o.price for o in usable), Decimal(0)) / len(usable)
        return ReferencePrice(avg, tuple(usable), f"average of {len(usable)} usable offers: {avg:.2f}")
    wanted = (settings.reference_competitor or "").casefold()
    for o in usable:
        if o.competitor.casefold() == wanted:
            return ReferencePrice(o.price, (o,), f"named competitor {o.competitor} at {o.price}")
    return None


def competitive_strategy(settings: TenantSettings) -> Strategy:
    """The strategy that places a target relative to the reference: the profit strategy's fallback for ``profit``."""
    return settings.profit_fallback_strategy if settings.strategy is Strategy.PROFIT else settings.strategy


def apply_strategy(reference: Decimal, settings: TenantSettings) -> tuple[Decimal, str]:
    """Place the target relative to the reference with the competitive strategy; returns (target, description)."""
    value = settings.strategy_value
    strategy = competitive_strategy(settings)
    if strategy == Strategy.MATCH:
        return reference, "match it"
    if strategy == Strategy.BEAT_PERCENT:
        return reference * (1 - value / HUNDRED), f"beat it by {value}%"
    if strategy == Strategy.BEAT_AMOUNT:
        return reference - value, f"beat it by {value}"
    return reference * (1 + value / HUNDRED), f"sit {value}% above it"


def target_margin_price(cost: Decimal, margin_pct: Decimal, vat_fraction: Decimal, includes_vat: bool) -> Decimal:
    """The selling price that yields ``margin_pct`` gross margin on the pre-VAT price."""
    net = cost / (1 - margin_pct / HUNDRED)
    return net * (1 + vat_fraction) if includes_vat else net


class ProfitMove(StrEnum):
    """What the profit strategy does for one product."""

    OPTIMUM = "optimum"          # move toward the profit-maximizing price
    STEP_UP = "step_up"          # demand is inelastic: a capped raise
    WAIT = "wait"                # demand is inelastic, but the last change is less than a day old
    EXPLORE = "explore"          # the estimate is too uncertain: a small price test
    COMPETITIVE = "competitive"  # the estimate cannot carry a price: the competitive strategy decides


@attrs.frozen
class ProfitPlan:
    """The profit strategy's move for one product, its target (None for the competitive strategy) and why."""

    move: ProfitMove
    target: Decimal | None
    reason: str
    offer_driven: bool = False   # the target rests on the competitive target (so on a competitor's offer)


def plan_profit(
    product: Product,
    demand: ElasticityEstimate | None,
    settings: TenantSettings,
    *,
    vat_fraction: Decimal,
    now: datetime,
    last_change: datetime | None,
    competitive_target: Decimal | None,
) -> ProfitPlan:
    """Decide the profit strategy's move. The target still passes every guard after this step.

    In order: no cost, no estimate, or an interval wider than ``profit_max_interval_width`` ->
    competitive (or a price test when exploration is on); demand inelastic (``e >= -1``) or so
    uncertain that expected profit keeps rising with the price -> a capped step up (or competitive,
    per settings); otherwise the price maximizing expected gross profit over the estimate's
    uncertainty (``demand.expected_profit_price``; with a tight estimate the textbook
    ``cost * e / (1 + e)``), VAT added when prices include it; with exploration on and the interval
    wider than :data:`TEST_AROUND_OPTIMUM_WIDTH`, a price test around that optimum, a week on each side.
    ``competitive_target`` is where the competitive strategy would go (None without a usable offer);
    ``now``'s date picks the side of a price test. ``last_change`` (when the price last changed)
    keeps step-ups a day apart: unlike the optimum and the price tests, a step up is relative to
    today's price and would compound over the runs of one day.
    """
    fallback = competitive_strategy(settings).value
    cost = product.cost_price
    if cost is None or cost <= 0:
        return ProfitPlan(ProfitMove.COMPETITIVE, None,
                          f"Profit strategy: no cost is known, so profit cannot be computed; "
                          f"falls back to '{fallback}'.")
    limit = float(settings.profit_max_interval_width)
    if demand is None:
        doubt = "no demand estimate yet (no sales history)"
    elif demand.width > limit:
        doubt = f"elasticity {demand.describe()} is too uncertain (interval wider than {limit:g})"
    else:
        anchor = demand.at_price or product.price
        optimum = None
        if demand.value < -1:
            optimum = expected_profit_price(cost, demand, anchor=anchor, vat_fraction=vat_fraction,
                                            includes_vat=product.prices_include_vat)
        if optimum is None:
            return _inelastic(product, demand, settings, now=now, last_change=last_change, fallback=fallback)
        textbook = optimal_price(cost, demand.value, vat_fraction=vat_fraction,
                                 includes_vat=product.prices_include_vat)
        vat_note = f", VAT {settings.vat_rate}% included" if product.prices_include_vat else ""
        reason = (f"Profit strategy: elasticity {demand.describe()}; the profit-maximizing price is "
                  f"{quantize(optimum)}")
        if textbook is not None and quantize(textbook) != quantize(optimum):
            reason += (f" in expectation over the interval (at {demand.value:.2f} alone: {quantize(textbook)} = "
                       f"cost {cost} x e/(1+e){vat_note}).")
        else:
            reason += f" (cost {cost} x e/(1+e){vat_note})."
        if settings.exploration and demand.width > TEST_AROUND_OPTIMUM_WIDTH:
            # Once the price sits at its optimum it stops moving, and a still-wide estimate stops
            # learning: the test alternates around the optimum (a second-order loss in profit there).
            step = 1 + settings.exploration_step_pct / 100
            up = exploration_direction(product.id, now.date()) > 0
            target = optimum * step if up else optimum / step
            return ProfitPlan(ProfitMove.EXPLORE, target,
                              f"{reason} Price test: the interval is wider than {TEST_AROUND_OPTIMUM_WIDTH:g}, so "
                              f"today's price is {settings.exploration_step_pct}% {'above' if up else 'below'} it "
                              f"-> {quantize(target)} (the side alternates weekly).")
        return ProfitPlan(ProfitMove.OPTIMUM, optimum, reason)

    if settings.exploration:
        base, offer_driven, what = None, False, ""
        if competitive_target is not None:
            base, offer_driven = competitive_target, True
            what = f"the '{fallback}' target {quantize(competitive_target)}"
        elif demand is not None and demand.at_price is not None:
            base, what = demand.at_price, f"the typical price {demand.at_price} of the last {demand.observations} days"
        if base is not None:
            step = 1 + settings.exploration_step_pct / 100
            up = exploration_direction(product.id, now.date()) > 0
            target = base * step if up else base / step
            side = "above" if up else "below"
            return ProfitPlan(ProfitMove.EXPLORE, target,
                              f"Price test: {doubt}; today's test is {settings.exploration_step_pct}% {side} {what} "
                              f"-> {quantize(target)} (the side alternates weekly, so demand is seen at both).",
                              offer_driven=offer_driven)
    return ProfitPlan(ProfitMove.COMPETITIVE, None, f"Profit strategy: {doubt}; falls back to '{fallback}'.")


def _inelastic(
    product: Product, demand: ElasticityEstimate, settings: TenantSettings, *, now: datetime,
    last_change: datetime | None, fallback: str,
) -> ProfitPlan:
    """A capped step up (or the competitive strategy): the estimate leaves no profit maximum above the cost."""
    if demand.value >= -1:
        why = f"Profit strategy: elasticity {demand.describe()} says demand is inelastic, so a higher price earns more"
    else:
        why = (f"Profit strategy: elasticity {demand.describe()} may be inelastic "
               f"({inelastic_probability(demand):.0%} chance that e > -1), so expected profit keeps rising "
               f"with the price")
    if settings.profit_when_inelastic is InelasticDemand.STEP_UP:
        if last_change is not None and now - last_change < STEP_UP_INTERVAL:
            return ProfitPlan(ProfitMove.WAIT, product.price,
                              f"{why}; the price changed less than a day ago ({last_change:%Y-%m-%d %H:%M}), "
                              f"so it holds until a day of sales at it is seen.")
        target = product.price * (1 + settings.profit_step_up_pct / 100)
        return ProfitPlan(ProfitMove.STEP_UP, target,
                          f"{why}: step up by {settings.profit_step_up_pct}% -> {quantize(target)}.")
    return ProfitPlan(ProfitMove.COMPETITIVE, None, f"{why}; the store's settings fall back to '{fallback}'.")


__all__ = [
    "ProfitMove",
    "ProfitPlan",
    "ReferencePrice",
    "apply_strategy",
    "competitive_strategy",
    "plan_profit",
    "reference_price",
    "target_margin_price",
]
