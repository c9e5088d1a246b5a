"""The core's promises hold whatever rules and overrides a merchant sets (issue 12), as hypothesis properties."""

from __future__ import annotations

from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st
from test_core_properties import NOW, cases, net

from pricing_core import (
    Action,
    InvalidRule,
    PricingDecision,
    PricingRule,
    Product,
    ProductOverride,
    RuleMatch,
    TenantSettings,
    price_catalog,
    price_product,
    resolve_settings,
)
from pricing_core.money import round_up

CATEGORIES = ["10", "11", "12"]
BRANDS = ["prada", "gucci"]
TAGS = ["عطر", "sale"]
small_money = st.decimals(min_value=Decimal("1"), max_value=Decimal("500"), places=2)


@st.composite
def rule_settings(draw: st.DrawFn) -> dict[str, object]:
    out: dict[str, object] = {}
    if draw(st.booleans()):
        out["min_profit_margin"] = draw(st.decimals(min_value=Decimal("0"), max_value=Decimal("60"), places=1))
    if draw(st.booleans()):
        out["max_change_pct"] = draw(st.decimals(min_value=Decimal("1"), max_value=Decimal("50"), places=1))
    if draw(st.booleans()):
        out["strategy"] = draw(st.sampled_from(["match", "beat_percent", "above_percent"]))
        out["strategy_value"] = draw(st.decimals(min_value=Decimal("0.1"), max_value=Decimal("10"), places=1))
    if draw(st.booleans()):
        out["reference"] = draw(st.sampled_from(["lowest", "median", "average", "second_lowest"]))
    if draw(st.booleans()):
        low = draw(small_money)
        out["min_price"] = str(low)
        if draw(st.booleans()):
            out["max_price"] = str(low + draw(small_money))
    if draw(st.booleans()):
        out["automation_mode"] = draw(st.sampled_from(["manual", "semi-auto", "full-auto"]))
    return out


@st.composite
def rules(draw: st.DrawFn) -> list[PricingRule]:
    n = draw(st.integers(0, 4))
    return [
        PricingRule(
            name=f"rule{i}",
            priority=draw(st.integers(0, 3)),
            match=RuleMatch(
                categories=draw(st.lists(st.sampled_from(CATEGORIES), max_size=2)),
                brands=draw(st.lists(st.sampled_from(BRANDS), max_size=1)),
                tags=draw(st.lists(st.sampled_from(TAGS), max_size=1)),
            ),
            settings=draw(rule_settings()),
        )
        for i in range(n)
    ]


@st.composite
def overrides(draw: st.DrawFn, product: Product) -> ProductOverride | None:
    if draw(st.booleans()):
        return None
    opt = st.one_of(st.none(), small_money)
    low, high, map_price = draw(opt), draw(opt), draw(opt)
    if low is not None and high is not None and low > high:
        low, high = high, low
    if map_price is not None and high is not None and map_price > high:
        map_price = high
    return ProductOverride(
        product_id=product.id,
        excluded=draw(st.booleans()) and draw(st.booleans()),
        fixed_price=draw(st.one_of(st.none(), small_money)),
        cost_price=draw(st.one_of(st.none(), st.decimals(min_value=Decimal("0"), max_value=Decimal("300"), places=2))),
        min_price=low,
        max_price=high,
        map_price=map_price,
    )


@st.composite
def rule_cases(draw: st.DrawFn) -> tuple[Product, list, TenantSettings, list[PricingRule], ProductOverride | None]:
    product, offers, store, _proposal = draw(cases())
    product = attrs.evolve(product, categories=draw(st.lists(st.sampled_from(CATEGORIES), max_size=2)),
                           brand=draw(st.one_of(st.none(), st.sampled_from(BRANDS))),
                           tags=draw(st.lists(st.sampled_from(TAGS), max_size=2)))
    return product, offers, store, draw(rules()), draw(overrides(product))


def _effective(store: TenantSettings, rule_list: list[PricingRule], product: Product) -> TenantSettings | None:
    try:
        return resolve_settings(store, rule_list, product)[0]
    except InvalidRule:
        return None


def _changes(d: PricingDecision) -> bool:
    return d.action in (Action.AUTO_APPLY, Action.NEEDS_APPROVAL)


@settings(max_examples=400, deadline=None)
@given(rule_cases())
def test_no_change_below_the_floor_of_the_effective_cost_nor_below_map(case):
    product, offers, store, rule_list, override = case
    d = price_product(product, offers, store, now=NOW, rules=rule_list, override=override)
    effective = _effective(store, rule_list, product)
    if effective is None:
        assert d.action is Action.SKIPPED
        return
    if override is not None and override.excluded:
        assert d.action is Action.SKIPPED
        return
    if not _changes(d):
        return
    cost = override.cost_price if override is not None and override.cost_price is not None else product.cost_price
    if cost is not None:
        n = net(d.suggested_price, effective, product.prices_include_vat)
        assert (n - cost) / n >= effective.min_profit_margin / 100
    if override is not None and override.map_price is not None:
        assert d.suggested_price >= override.map_price


@settings(max_examples=400, deadline=None)
@given(rule_cases())
def test_no_change_above_the_maximum_price_unless_floor_map_or_minimum_demand_it(case):
    product, offers, store, rule_list, override = case
    d = price_product(product, offers, store, now=NOW, rules=rule_list, override=override)
    effective = _effective(store, rule_list, product)
    if effective is None or not _changes(d):
        return
    highest = override.max_price if override is not None and override.max_price is not None else effective.max_price
    if highest is None or d.suggested_price <= highest:
        return
    # Above the maximum: only on the way down to it (step by step), or raised toward a floor that is itself
    # above it: the margin floor, MAP, or the product's own minimum price (a product override's minimum is
    # the more specific limit, so a minimum set above a store or rule maximum wins; hypothesis found
    # min 2.01 against max 2.00).
    floors = [d.floor_price or Decimal(0)]
    if override is not None and override.map_price is not None:
        floors.append(round_up(override.map_price))
    lowest = override.min_price if override is not None and override.min_price is not None else effective.min_price
    if lowest is not None and lowest > highest:
        floors.append(round_up(lowest))
    assert d.suggested_price < product.price or d.suggested_price <= max(floors)
    assert override is None or override.fixed_price is None or d.suggested_price <= highest


@settings(max_examples=200, deadline=None)
@given(rule_cases())
def test_same_inputs_same_decision_with_rules(case):
    product, offers, store, rule_list, override = case
    first = price_product(product, offers, store, now=NOW, rules=rule_list, override=override)
    again = price_product(product, list(reversed(offers)), store, now=NOW, rules=list(reversed(rule_list)),
                          override=override)
    assert first == again
    batch = price_catalog([product], {product.id: offers}, store, now=NOW, rules=rule_list,
                          overrides={product.id: override} if override else {})
    assert batch == [first]


def test_a_products_minimum_above_the_store_maximum_wins_step_by_step() -> None:
    from pricing_core.guards import price_bounds
    from pricing_core.settings import TenantSettings

    bounds = price_bounds(Decimal("2.00"), None, TenantSettings(max_price=Decimal("2.00")), min_price=Decimal("2.01"))
    assert (bounds.low, bounds.high) == (Decimal("2.01"), Decimal("2.01"))
    far = price_bounds(Decimal("100"), None, TenantSettings(max_price=Decimal("90")), min_price=Decimal("150"))
    assert far.low == far.high == Decimal("110.00")  # toward the minimum by at most the maximum change
