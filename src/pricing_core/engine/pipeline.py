"""The pricing pipeline: one pure function from (product, offers, settings, history, now) to a decision.

Steps, in order (DESIGN.md): offer hygiene, reference price, strategy (or an advisor's
proposal), guards, rounding, risk, action. Every step that matters adds one line to the
explanation so a merchant can follow the reasoning. The profit strategy reads the product's
demand estimate (``pricing_core/demand``) at the strategy step; its target passes the same
guards as any other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from pricing_core.approval import action_for
from pricing_core.catalog import AdvisorProposal, CompetitorOffer, PricePoint, Product
from pricing_core.decision import Action, PricingDecision, RiskLevel
from pricing_core.demand import ElasticityEstimate, profit_change
from pricing_core.engine.fixed_price import override_line, price_fixed
from pricing_core.engine.outcome import build_decision, skipped
from pricing_core.engine.prepared import Prepared, Preparer
from pricing_core.engine.proposals import read_proposal
from pricing_core.guards import margin_floor, price_bounds
from pricing_core.money import percent_change, quantize
from pricing_core.offers import clean_offers, corroboration
from pricing_core.overrides import ProductOverride
from pricing_core.risk import classify_risk
from pricing_core.rounding import round_price
from pricing_core.rules import InvalidRule, PricingRule
from pricing_core.settings import Fallback, NoCostPolicy, TenantSettings
from pricing_core.strategies import ProfitMove, apply_strategy, plan_profit, reference_price, target_margin_price

# Statuses Salla uses for products a customer can buy (or will again); hidden and deleted ones are left alone.
PRICEABLE_STATUSES = frozenset({"sale", "out"})


def _price(
    product: Product,
    offers: Sequence[CompetitorOffer],
    prep: Prepared,
    now: datetime,
    last_change: PricePoint | None,
    proposal: AdvisorProposal | None,
    demand: ElasticityEstimate | None,
    override: ProductOverride | None = None,
) -> PricingDecision:
    settings = prep.settings
    if override is not None and override.excluded:
        return skipped(product, now, "excluded from automatic pricing by the merchant (product override)")
    if override is not None and override.cost_price is not None:
        product = attrs.evolve(product, cost_price=override.cost_price)
    if product.price <= 0:
        return skipped(product, now, f"current price {product.price} is not positive")
    if product.status not in PRICEABLE_STATUSES:
        return skipped(product, now, f"product status is '{product.status}'")
    if last_change is not None and prep.cooldown and now - last_change.changed_at < prep.cooldown:
        return skipped(product, now, f"cooldown: price changed at {last_change.changed_at:%Y-%m-%d %H:%M}, "
                                     f"cooldown is {settings.cooldown_hours}h")
    old = product.price
    steps: list[str] = [prep.source_line]
    if override is not None and not override.is_empty:
        steps.append(override_line(override))
    min_price = override.min_price if override is not None and override.min_price is not None else settings.min_price
    max_price = override.max_price if override is not None and override.max_price is not None else settings.max_price
    map_price = override.map_price if override is not None else None
    if override is not None and override.fixed_price is not None:
        return price_fixed(product, offers, prep, now, override.fixed_price, steps,
                           min_price=min_price, max_price=max_price, map_price=map_price)

    # 1. Offer hygiene
    hygiene = clean_offers(product, offers, settings, now)
    usable = hygiene.usable
    line = f"Offers: {len(offers)} seen, {len(usable)} usable"
    if settings.include_shipping:
        line += " (compared with their stated shipping)"
    if hygiene.dropped:
        line += "; dropped " + "; ".join(f"{d.offer.competitor} ({d.reason})" for d in hygiene.dropped)
    steps.append(line + ".")

    # 2-3. Reference and strategy, or the advisor's proposal
    reference = reference_price(usable, settings)
    target: Decimal | None = None
    strategy = "hold"
    offer_driven = False  # the target rests on a competitor's offer (so a decrease needs it corroborated)
    demand_driven = False  # the target rests on the demand estimate, not on an offer
    if proposal is not None:
        target, text = read_proposal(proposal, old)
        steps.append(text)
        if target is not None:
            strategy = f"advisor:{proposal.source}"
    competitive: tuple[Decimal, str] | None = None
    if target is None and reference is not None:
        competitive = apply_strategy(reference.price, settings)
    if target is None and prep.profit:
        plan = plan_profit(product, demand, settings, vat_fraction=prep.vat, now=now,
                           last_change=last_change.changed_at if last_change else None,
                           competitive_target=competitive[0] if competitive else None)
        steps.append(plan.reason)
        if plan.target is not None:
            target, offer_driven = plan.target, plan.offer_driven
            demand_driven = not plan.offer_driven
            strategy = "profit" if plan.move is ProfitMove.OPTIMUM else f"profit:{plan.move.value}"
    if target is None and competitive is not None and reference is not None:
        target, how = competitive
        strategy = prep.strategy_name
        offer_driven = True
        steps.append(f"Reference: {reference.description}; strategy: {how} -> {quantize(target)}.")
    if target is None:
        if settings.fallback == Fallback.TARGET_MARGIN and product.cost_price is not None:
            goal = settings.target_margin if settings.target_margin is not None else settings.min_profit_margin
            target = target_margin_price(product.cost_price, goal, prep.vat, product.prices_include_vat)
            strategy = "fallback:target_margin"
            steps.append(f"No usable offer: move toward a {goal}% margin ({quantize(target)}).")
        else:
            target = old
            steps.append("No usable offer: hold the current price.")

    # 4. Guards
    floor: Decimal | None = None
    if product.cost_price is not None:
        floor = margin_floor(product.cost_price, prep.margin, prep.vat, product.prices_include_vat)
        vat_note = f", VAT {settings.vat_rate}% included" if product.prices_include_vat else ""
        steps.append(f"Margin floor: {floor} (cost {product.cost_price}, {prep.floor_suffix}{vat_note}).")
    else:
        steps.append("Cost unknown: the margin cannot be checked, so the price is never lowered automatically.")
    bounds = price_bounds(old, floor, settings, min_price=min_price, max_price=max_price, map_price=map_price)
    guard_line = f"Guards: keep within {bounds.low}..{bounds.high} {prep.guard_prefix}"
    guard_line += "; " + "; ".join(bounds.notes) + ")." if bounds.notes else ")."
    steps.append(guard_line)

    # 5. Rounding
    suggested, rounding_note = round_price(target, bounds, settings.price_ending)
    if rounding_note:
        steps.append(rounding_note + ".")
    if quantize(target) != suggested:
        steps.append(f"Target {quantize(target)} adjusted to {suggested} by the guards.")
    if prep.profit and demand is not None and product.cost_price is not None and suggested != quantize(old):
        expected = profit_change(demand, old, suggested, product.cost_price, vat_fraction=prep.vat,
                                 includes_vat=product.prices_include_vat)
        steps.append(f"Demand: at {suggested} instead of {quantize(old)}, {expected.describe(product.currency)}.")

    decrease = suggested < old
    if product.cost_price is None and decrease and settings.no_cost_policy == NoCostPolicy.HOLD:
        steps.append("Held: no cost is known and the store holds such products.")
        suggested = quantize(old)
        decrease = False

    considered, used = len(offers), len(usable)
    if suggested == quantize(old):
        steps.append(f"No change: {suggested} is the current price.")
        return build_decision(product, now, suggested=suggested, action=Action.NO_CHANGE, risk=RiskLevel.LOW,
                              strategy=strategy, steps=steps, reference=reference.price if reference else None,
                              floor=floor, considered=considered, used=used, vat=prep.vat)

    # 6. Risk
    change = percent_change(old, suggested)
    # A decrease toward the profit optimum does not rest on an offer, so the weak-offer rule does not apply to it.
    risk, risk_text = classify_risk(change, prep.thresholds, decrease=decrease and not demand_driven,
                                    usable_offers=used)
    steps.append(risk_text[0].upper() + risk_text[1:] + ".")

    # 7. Action
    action = action_for(settings.automation_mode, risk)
    reasons_to_ask: list[str] = []
    if decrease and product.cost_price is None:
        reasons_to_ask.append("no cost is known")
    if decrease and reference is not None and offer_driven:
        # Every other usable offer may corroborate (``corroboration`` skips the offer's own competitor):
        # with a median or average reference the basis is all of them, and excluding it left none.
        others = usable
        tolerance = settings.offer_agreement_pct
        doubtful = [o.competitor for o in reference.basis if corroboration(o, others, tolerance) is None]
        if doubtful and len(doubtful) * 2 >= len(reference.basis):
            reasons_to_ask.append(f"the offer from {', '.join(doubtful)} is not corroborated by a second reading, "
                                  "its previous observation or another competitor")
    if decrease and strategy.startswith("advisor:") and used == 0:
        reasons_to_ask.append("an advisor's decrease without a usable competitor offer")
    if action is Action.AUTO_APPLY and reasons_to_ask:
        action = Action.NEEDS_APPROVAL
        steps.append("Waits for approval: " + "; ".join(reasons_to_ask) + ".")
    else:
        also = "; also: " + "; ".join(reasons_to_ask) if reasons_to_ask else ""
        steps.append(f"Action: {action.value.replace('_', ' ')} ({prep.mode_text}{also}).")
    return build_decision(product, now, suggested=suggested, action=action, risk=risk, strategy=strategy, steps=steps,
                          reference=reference.price if reference else None, floor=floor, considered=considered,
                          used=used, vat=prep.vat)


def price_product(
    product: Product,
    offers: Sequence[CompetitorOffer],
    settings: TenantSettings,
    *,
    now: datetime,
    history: Sequence[PricePoint] = (),
    proposal: AdvisorProposal | None = None,
    demand: ElasticityEstimate | None = None,
    rules: Sequence[PricingRule] = (),
    override: ProductOverride | None = None,
) -> PricingDecision:
    """Price one product. ``history`` is the product's price history, newest first (for the cooldown).

    ``demand`` is the product's elasticity estimate (``pricing_core.demand.estimate_elasticity``);
    only the profit strategy reads it. ``rules`` are the store's pricing rules (the applicable
    one's settings lie over ``settings``); ``override`` is the merchant's override for this product.
    """
    if override is not None and override.product_id != product.id:
        raise ValueError(f"the override of product {override.product_id} given for product {product.id}")
    prepared = Preparer(settings, rules).for_product(product)
    if isinstance(prepared, InvalidRule):
        return skipped(product, now, str(prepared))
    return _price(product, offers, prepared, now, history[0] if history else None, proposal, demand, override)


def price_catalog(
    products: Sequence[Product],
    offers_by_product_id: Mapping[str, Sequence[CompetitorOffer]],
    settings: TenantSettings,
    *,
    now: datetime,
    history_by_product_id: Mapping[str, Sequence[PricePoint]] | None = None,
    proposals: Mapping[str, AdvisorProposal] | None = None,
    demand_by_product_id: Mapping[str, ElasticityEstimate] | None = None,
    rules: Sequence[PricingRule] = (),
    overrides: Mapping[str, ProductOverride] | None = None,
) -> list[PricingDecision]:
    """Price many products of one store; one decision per product, in the order given.

    ``demand_by_product_id`` holds each product's elasticity estimate for the profit strategy;
    ``rules`` are the store's pricing rules, ``overrides`` the merchant's overrides by product id.
    """
    preparer = Preparer(settings, rules)
    history = history_by_product_id or {}
    proposals = proposals or {}
    demand = demand_by_product_id or {}
    overrides = overrides or {}
    decisions = []
    for product in products:
        prep = preparer.for_product(product)
        if isinstance(prep, InvalidRule):
            decisions.append(skipped(product, now, str(prep)))
            continue
        past = history.get(product.id)
        decisions.append(_price(product, offers_by_product_id.get(product.id, ()), prep, now,
                                past[0] if past else None, proposals.get(product.id), demand.get(product.id),
                                overrides.get(product.id)))
    return decisions


__all__ = [
    "PRICEABLE_STATUSES",
    "price_catalog",
    "price_product",
]
