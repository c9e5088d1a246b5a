"""The re-check at the moment of writing (issue 10, part 2): examples per guard, and its promises as properties."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_core_properties import NOW, offer_lists, products, tenant_settings

from pricing_core import (
    Action,
    DirectionLock,
    NoCostPolicy,
    PricePoint,
    Product,
    ProductOverride,
    TenantSettings,
    price_product,
    recheck_decision,
)
from pricing_core.decision import PricingDecision, RiskLevel
from pricing_core.guards import margin_floor

CENT = Decimal("0.01")


def product(price: str = "100.00", cost: str | None = "50.00", **changes: object) -> Product:
    return Product(id="p1", name="Kettle", price=Decimal(price),  # type: ignore[arg-type]
                   cost_price=None if cost is None else Decimal(cost), **changes)


def decision(old: str = "100.00", new: str = "95.00", cost: str | None = "50.00") -> PricingDecision:
    return PricingDecision(
        product_id="p1", sku=None, name="Kettle", old_price=Decimal(old), suggested_price=Decimal(new),
        cost_price=None if cost is None else Decimal(cost), currency="SAR", strategy="match:lowest",
        reference_price=Decimal(new), floor_price=None, risk=RiskLevel.LOW, action=Action.NEEDS_APPROVAL,
        change_pct=Decimal("-5"), margin_pct_after=None, offers_considered=1, offers_used=1,
        explanation=("x",), decided_at=NOW - timedelta(days=2), fingerprint="f",
    )


def check(d: PricingDecision, p: Product | None, s: TenantSettings | None = None, *,
          last: PricePoint | None = None, merchant: bool = True) -> str | None:
    return recheck_decision(d, p, s or TenantSettings(), last_change=last, now=NOW, merchant_approved=merchant)


# -- examples, one per guard ------------------------------------------------------------------


def test_a_decision_that_still_fits_passes() -> None:
    assert check(decision(), product()) is None


def test_the_margin_raised_from_15_to_60_percent_refuses_it_with_the_numbers() -> None:
    # cost 50, VAT 15% included: the floor at 60% is 50 / 0.4 * 1.15 = 143.75
    reason = check(decision(), product(), TenantSettings(min_profit_margin=Decimal("60")))
    assert reason == ("not applied: 95.00 is below the margin floor 143.75 (cost 50.00, minimum margin 60%, "
                      "VAT 15% included)")


def test_a_cost_raised_in_salla_refuses_it() -> None:
    reason = check(decision(), product(cost="90.00"))
    assert reason is not None and "below the margin floor 121.77 (cost 90.00" in reason


def test_a_lower_cost_leaves_it_writable() -> None:
    assert check(decision(), product(cost="40.00")) is None


def test_a_price_changed_in_salla_refuses_it() -> None:
    reason = check(decision(), product(price="120.00"))
    assert reason == ("not applied: the price in Salla changed from 100.00 to 120.00 since this decision; "
                      "the next sweep prices it again")


def test_a_product_gone_or_hidden_is_not_written() -> None:
    assert check(decision(), None) == "not applied: the product is no longer found in Salla"
    assert check(decision(), product(status="hidden")) == "not applied: the product's status in Salla is now 'hidden'"


@pytest.mark.parametrize(("changes", "new", "words"), [
    ({"min_price": Decimal("97")}, "95.00", "95.00 is below the minimum price 97 (allowed now: 97..110.00)"),
    ({"max_price": Decimal("102")}, "104.00", "104.00 is above the maximum price 102 (allowed now: 90.00..102)"),
    ({"max_change_pct": Decimal("3")}, "95.00",
     "the change from 100.00 to 95.00 (-5.00%) exceeds the maximum change of 3% per run (allowed now: 97.00..103.00)"),
    ({"direction_lock": DirectionLock.UP_ONLY}, "95.00",
     "the store allows raises only (direction lock), and 95.00 lowers 100.00"),
    ({"direction_lock": DirectionLock.DOWN_ONLY}, "104.00",
     "the store allows decreases only (direction lock), and 104.00 raises 100.00"),
])
def test_each_limit_names_itself(changes: dict[str, object], new: str, words: str) -> None:
    assert check(decision(new=new), product(), TenantSettings(**changes)) == "not applied: " + words  # type: ignore[arg-type]


def test_a_raise_to_the_floor_may_exceed_the_maximum_change_as_in_the_engine() -> None:
    # cost 95: the 15% floor is 95 / 0.85 * 1.15 = 128.53, beyond the 10% window (110.00)
    assert check(decision(new="128.53", cost="95.00"), product(cost="95.00")) is None
    reason = check(decision(new="130.00", cost="95.00"), product(cost="95.00"))
    assert reason is not None and "exceeds the maximum change" in reason and "allowed now: 128.53..128.53" in reason


def test_the_cooldown_counts_from_the_last_price_change() -> None:
    last = PricePoint(product_id="p1", price=Decimal("100"), changed_at=NOW - timedelta(hours=3))
    assert check(decision(), product(), TenantSettings(cooldown_hours=2), last=last) is None
    reason = check(decision(), product(), TenantSettings(cooldown_hours=24), last=last)
    assert reason is not None and reason.startswith("not applied: cooldown: the price changed at") and "24h" in reason


def test_without_a_cost_a_decrease_is_refused_unless_the_merchant_approved_what_they_saw() -> None:
    no_cost = decision(cost=None)
    assert check(no_cost, product(cost=None), merchant=True) is None  # the "ask" policy's approvals
    refused = check(no_cost, product(cost=None), merchant=False)
    assert refused is not None and "no cost is known for this product, so a decrease from 100.00 to 95.00" in refused
    held = TenantSettings(no_cost_policy=NoCostPolicy.HOLD)
    assert check(no_cost, product(cost=None), held, merchant=True) is not None
    removed = check(decision(), product(cost=None), merchant=True)
    assert removed is not None and "the cost was removed in Salla since this decision" in removed
    assert check(decision(new="104.00", cost=None), product(cost=None), merchant=False) is None  # a raise


# -- properties -------------------------------------------------------------------------------


@st.composite
def current_settings(draw: st.DrawFn) -> TenantSettings:
    """The store's settings now: anything valid, limits and locks included."""
    base = draw(tenant_settings())
    low = draw(st.one_of(st.none(), st.decimals(min_value=Decimal("1"), max_value=Decimal("500"), places=2)))
    high = draw(st.one_of(st.none(), st.decimals(min_value=low or Decimal("1"), max_value=Decimal("1000"),
                                                 places=2)))
    return base.with_changes(
        min_price=low, max_price=high,
        direction_lock=draw(st.sampled_from(list(DirectionLock))),
        no_cost_policy=draw(st.sampled_from(list(NoCostPolicy))),
        cooldown_hours=draw(st.sampled_from([0, 0, 0, 6, 48])),
    )


@st.composite
def write_cases(draw: st.DrawFn) -> tuple[PricingDecision, Product, TenantSettings, PricePoint | None, bool]:
    """A decision made under some settings, and the product and settings at the moment of writing."""
    then = draw(products())
    made_under = draw(current_settings())
    d = price_product(then, draw(offer_lists(then.price)), made_under, now=NOW - timedelta(days=1))
    if not d.is_change or draw(st.booleans()):  # also arbitrary prices, not only the engine's
        factor = draw(st.decimals(min_value=Decimal("0.7"), max_value=Decimal("1.5"), places=3))
        d = attrs.evolve(d, suggested_price=max(CENT, (then.price * factor).quantize(CENT)))
    cost_now = draw(st.sampled_from(["same", "none", "other"]))
    now_product = then
    if cost_now == "none":
        now_product = attrs.evolve(then, cost_price=None)
    elif cost_now == "other":
        now_product = attrs.evolve(then, cost_price=draw(st.decimals(min_value=Decimal("0"), max_value=then.price * 2,
                                                                     places=2)))
    last = draw(st.one_of(st.none(), st.builds(
        PricePoint, product_id=st.just(then.id), price=st.just(then.price),
        changed_at=st.sampled_from([NOW - timedelta(hours=h) for h in (1, 12, 72)]))))
    return d, now_product, draw(current_settings()), last, draw(st.booleans())


@settings(max_examples=200, deadline=None)
@given(write_cases())
def test_what_passes_is_never_below_the_current_floor_nor_beyond_the_maximum_change(case) -> None:  # type: ignore[no-untyped-def]
    d, now_product, s, last, merchant = case
    if recheck_decision(d, now_product, s, last_change=last, now=NOW, merchant_approved=merchant) is not None:
        return
    old, new = now_product.price, d.suggested_price
    step = old * s.max_change_pct / 100
    floor = None
    if now_product.cost_price is not None:
        floor = margin_floor(now_product.cost_price, s.margin_fraction, s.vat_fraction, now_product.prices_include_vat)
        net = new / (1 + s.vat_fraction) if now_product.prices_include_vat else new
        assert (net - now_product.cost_price) / net >= s.margin_fraction  # the current floor, computed afresh
    elif not merchant:
        assert new >= old  # no cost, no approval: never lowered
    assert new >= old - step  # a decrease never beyond the maximum change
    assert new <= old + step or new == floor  # a raise beyond it only up to the floor
    # The direction lock gives way to the floor and to a price limit on the other side of today's price,
    # exactly as in the engine (``price_bounds``).
    if s.direction_lock is DirectionLock.UP_ONLY:
        assert new >= old or new == floor or (s.max_price is not None and s.max_price < old)
    if s.direction_lock is DirectionLock.DOWN_ONLY:
        assert new <= old or new == floor or (s.min_price is not None and s.min_price > old)


@settings(max_examples=150, deadline=None)
@given(products(), st.data())
def test_the_engines_own_decisions_pass_under_the_settings_they_were_made_with(p: Product, data: st.DataObject) -> None:
    s = data.draw(current_settings())
    d = price_product(p, data.draw(offer_lists(p.price)), s, now=NOW)
    if d.is_change:
        # What the engine queued for approval is approved by someone; what it applies, by the optimizer.
        merchant = d.action is Action.NEEDS_APPROVAL
        assert recheck_decision(d, p, s, last_change=None, now=NOW, merchant_approved=merchant) is None


# -- the product's override counts as the engine counts it (issue 12) --------------------------


def test_an_override_cost_lets_a_decrease_without_a_salla_cost_through() -> None:


    with_cost = ProductOverride(product_id="p1", cost_price="50")
    assert check(decision(cost="50"), product(cost=None), merchant=False) is not None  # no cost in Salla
    assert recheck_decision(decision(cost="50"), product(cost=None), TenantSettings(), last_change=None, now=NOW,
                            merchant_approved=False, override=with_cost) is None
    dear = ProductOverride(product_id="p1", cost_price="90")
    reason = recheck_decision(decision(), product(), TenantSettings(), last_change=None, now=NOW,
                              merchant_approved=True, override=dear)
    assert reason is not None and "margin floor 121.77 (cost 90" in reason


def test_an_excluded_product_map_and_a_fixed_price_are_rechecked() -> None:


    def again(d: PricingDecision, o: ProductOverride) -> str | None:
        return recheck_decision(d, product(), TenantSettings(), last_change=None, now=NOW, merchant_approved=True,
                                override=o)

    assert again(decision(), ProductOverride(product_id="p1", excluded=True)) == (
        "not applied: the product is now excluded from automatic pricing")
    assert "minimum advertised price 96" in (again(decision(), ProductOverride(product_id="p1", map_price="96")) or "")
    # A fixed price is not held to the maximum change (the engine proposes it as is), only to its limits.
    assert again(decision(new="149.00"), ProductOverride(product_id="p1", fixed_price="149")) is None
    capped = ProductOverride(product_id="p1", fixed_price="149", max_price="140")
    assert "above the maximum price 140" in (again(decision(new="149.00"), capped) or "")
