"""The pricing core's promises, as hypothesis properties (issue 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pricing_core import (
    Action,
    AdvisorProposal,
    AutomationMode,
    CompetitorOffer,
    PriceEnding,
    Product,
    Reference,
    RiskLevel,
    Strategy,
    TenantSettings,
    price_catalog,
    price_product,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CENT = Decimal("0.01")

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)
percent = st.decimals(min_value=Decimal("0"), max_value=Decimal("94.99"), places=2)


@st.composite
def tenant_settings(draw: st.DrawFn) -> TenantSettings:
    reference = draw(st.sampled_from(list(Reference)))
    strategy = draw(st.sampled_from(list(Strategy)))
    # Beating by 0% is "match": beat_percent takes a value above 0.
    lowest = Decimal("0.01") if strategy is Strategy.BEAT_PERCENT else Decimal("0")
    return TenantSettings(
        min_profit_margin=draw(percent),
        automation_mode=draw(st.sampled_from(list(AutomationMode))),
        risk_tolerance=draw(st.sampled_from(["low", "medium", "high"])),
        max_change_pct=draw(st.decimals(min_value=Decimal("0.5"), max_value=Decimal("100"), places=1)),
        vat_rate=draw(st.sampled_from([Decimal("0"), Decimal("5"), Decimal("15")])),
        reference=reference,
        reference_competitor="noon" if reference is Reference.COMPETITOR else None,
        strategy=strategy,
        strategy_value=draw(st.decimals(min_value=lowest, max_value=Decimal("20"), places=2)),
        price_ending=draw(st.sampled_from(list(PriceEnding))),
        offer_agreement_pct=draw(st.sampled_from([Decimal("0"), Decimal("5")])),
    )


@st.composite
def products(draw: st.DrawFn) -> Product:
    price = draw(money)
    cost = draw(st.one_of(st.none(), st.decimals(min_value=Decimal("0"), max_value=price * 2, places=2)))
    return Product(id=str(draw(st.integers(1, 10**9))), name="p", price=price, cost_price=cost,
                   prices_include_vat=draw(st.booleans()))


@st.composite
def offer_lists(draw: st.DrawFn, around: Decimal) -> list[CompetitorOffer]:
    n = draw(st.integers(0, 6))
    factor = st.decimals(min_value=Decimal("0.2"), max_value=Decimal("3"), places=3)
    return [
        CompetitorOffer(
            competitor=draw(st.sampled_from(["noon", "amazon", "extra", "jarir", "nahdi"])),
            price=max(CENT, (around * draw(factor)).quantize(CENT)),
            observed_at=NOW - timedelta(hours=draw(st.integers(0, 100))),
            in_stock=draw(st.booleans()),
            previous_price=draw(st.one_of(st.none(), st.just(around))),
        )
        for _ in range(n)
    ]


@st.composite
def cases(draw: st.DrawFn) -> tuple[Product, list[CompetitorOffer], TenantSettings, AdvisorProposal | None]:
    product = draw(products())
    offers = draw(offer_lists(product.price))
    proposal = draw(st.one_of(
        st.none(),
        st.builds(AdvisorProposal, product_id=st.just(product.id),
                  target_price=st.one_of(money, st.just("abc"), st.just(-5), st.just(product.price * 10))),
    ))
    return product, offers, draw(tenant_settings()), proposal


def net(price: Decimal, s: TenantSettings, includes_vat: bool) -> Decimal:
    return price / (1 + s.vat_rate / 100) if includes_vat else price


@settings(max_examples=400, deadline=None)
@given(cases())
def test_margin_floor_holds_for_every_proposed_change(case):
    product, offers, s, proposal = case
    d = price_product(product, offers, s, now=NOW, proposal=proposal)
    if product.cost_price is not None and d.action in (Action.AUTO_APPLY, Action.NEEDS_APPROVAL):
        n = net(d.suggested_price, s, product.prices_include_vat)
        assert (n - product.cost_price) / n >= s.min_profit_margin / 100


@settings(max_examples=400, deadline=None)
@given(cases())
def test_maximum_change_except_a_raise_to_the_floor(case):
    product, offers, s, proposal = case
    d = price_product(product, offers, s, now=NOW, proposal=proposal)
    limit = product.price * s.max_change_pct / 100 + CENT
    floor_ok = d.floor_price is None or product.price >= d.floor_price
    if floor_ok:
        assert abs(d.suggested_price - product.price) <= limit
    else:
        # Below the floor: only a raise, and never past the floor unless within the max change.
        assert d.suggested_price >= product.price
        assert d.suggested_price <= max(d.floor_price, product.price + limit)


@settings(max_examples=300, deadline=None)
@given(cases())
def test_product_without_cost_is_never_lowered_automatically(case):
    product, offers, s, proposal = case
    product = Product(id=product.id, price=product.price, cost_price=None)
    d = price_product(product, offers, s, now=NOW, proposal=proposal)
    if d.suggested_price < product.price:
        assert d.action is not Action.AUTO_APPLY


@settings(max_examples=300, deadline=None)
@given(cases())
def test_prices_are_quantized_and_positive(case):
    product, offers, s, proposal = case
    d = price_product(product, offers, s, now=NOW, proposal=proposal)
    assert d.suggested_price > 0
    assert d.suggested_price == d.suggested_price.quantize(CENT)
    assert d.old_price == d.old_price.quantize(CENT)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_same_inputs_same_decision(case):
    product, offers, s, proposal = case
    first = price_product(product, offers, s, now=NOW, proposal=proposal)
    second = price_product(product, list(reversed(offers)), s, now=NOW, proposal=proposal)
    assert first == second
    assert price_catalog([product], {product.id: offers}, s, now=NOW,
                         proposals={product.id: proposal} if proposal else None) == [first]


@settings(max_examples=400, deadline=None)
@given(cases())
def test_actions_follow_mode_and_risk(case):
    product, offers, s, proposal = case
    d = price_product(product, offers, s, now=NOW, proposal=proposal)
    if s.automation_mode is AutomationMode.MANUAL:
        assert d.action is not Action.AUTO_APPLY
    if s.automation_mode is AutomationMode.SEMI_AUTO and d.action is Action.AUTO_APPLY:
        assert d.risk is RiskLevel.LOW
    if s.automation_mode is AutomationMode.FULL_AUTO and d.action is Action.AUTO_APPLY:
        assert d.risk is not RiskLevel.HIGH
    if d.suggested_price == d.old_price:
        assert d.action in (Action.NO_CHANGE, Action.SKIPPED)
    else:
        assert d.action in (Action.AUTO_APPLY, Action.NEEDS_APPROVAL)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_every_decision_explains_itself(case):
    product, offers, s, proposal = case
    d = price_product(product, offers, s, now=NOW, proposal=proposal)
    assert d.explanation and all(isinstance(line, str) and line for line in d.explanation)
