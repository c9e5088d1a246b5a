"""Example-based tests of each pipeline step (the properties live in test_core_properties.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from pricing_core import (
    Action,
    AdvisorProposal,
    CompetitorOffer,
    PricePoint,
    Product,
    RiskLevel,
    TenantSettings,
    price_catalog,
    price_product,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
D = Decimal


def offer(competitor: str, price: str, hours_ago: float = 1, **kw: object) -> CompetitorOffer:
    return CompetitorOffer(competitor=competitor, price=D(price), observed_at=NOW - timedelta(hours=hours_ago), **kw)


def dates(price: str = "100.00", cost: str | None = "60.00", **kw: object) -> Product:
    return Product(id="1001", sku="SKU-1", name="Dates 1kg", price=D(price),
                   cost_price=D(cost) if cost is not None else None, **kw)


SEMI = TenantSettings(min_profit_margin=D("15"), automation_mode="semi-auto", risk_tolerance="medium",
                      max_change_pct=D("10"))


def test_match_lowest_usable_offer_and_auto_apply_low_risk():
    d = price_product(dates(), [offer("noon", "97.00"), offer("amazon", "97.50")], SEMI, now=NOW)
    assert (d.old_price, d.suggested_price) == (D("100.00"), D("97.00"))
    assert d.risk is RiskLevel.LOW and d.action is Action.AUTO_APPLY
    assert d.margin_pct_after == D("28.87")
    assert any("lowest usable offer: noon" in line for line in d.explanation)


def test_floor_is_rounded_up_and_wins_over_the_competitor():
    # floor = 60 / 0.85 * 1.15 = 81.176... -> 81.18, never 81.17
    d = price_product(dates(price="85.00"), [offer("noon", "70.00"), offer("amazon", "70.00")], SEMI, now=NOW)
    assert d.floor_price == D("81.18")
    assert d.suggested_price == D("81.18")


def test_floor_without_vat():
    d = price_product(dates(price="80.00", prices_include_vat=False), [offer("noon", "60"), offer("x", "60")],
                      SEMI, now=NOW)
    assert d.floor_price == D("70.59")  # 60 / 0.85 = 70.588...
    assert d.suggested_price == D("72.00")  # max change 10% binds first


def test_max_change_limits_a_big_drop():
    d = price_product(dates(price="200.00"), [offer("noon", "150"), offer("amazon", "151")], SEMI, now=NOW)
    assert d.suggested_price == D("180.00")
    assert d.risk is RiskLevel.MEDIUM and d.action is Action.NEEDS_APPROVAL


def test_price_below_floor_is_raised_to_floor_beyond_max_change():
    d = price_product(dates(price="50.00"), [], SEMI, now=NOW)
    assert d.suggested_price == D("81.18")
    assert d.action is Action.NEEDS_APPROVAL  # a 62% change is high risk


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("manual", Action.NEEDS_APPROVAL), ("semi-auto", Action.NEEDS_APPROVAL), ("full-auto", Action.AUTO_APPLY)],
)
def test_modes_decide_who_applies_medium_risk(mode, expected):
    s = SEMI.with_changes(**{"automation_mode": mode})
    d = price_product(dates(), [offer("noon", "92.00"), offer("amazon", "92.50")], s, now=NOW)
    assert d.risk is RiskLevel.MEDIUM
    assert d.action is expected


def test_full_auto_never_applies_high_risk():
    s = TenantSettings(automation_mode="full-auto", max_change_pct=D("30"))
    d = price_product(dates(), [offer("noon", "82.00"), offer("amazon", "82.00")], s, now=NOW)
    assert d.risk is RiskLevel.HIGH and d.action is Action.NEEDS_APPROVAL


@pytest.mark.parametrize(("tolerance", "change", "risk"), [
    ("low", "98", RiskLevel.LOW), ("low", "97", RiskLevel.MEDIUM), ("low", "91", RiskLevel.HIGH),
    ("medium", "95", RiskLevel.LOW), ("medium", "94", RiskLevel.MEDIUM),
    ("high", "90", RiskLevel.LOW), ("high", "89", RiskLevel.MEDIUM),
])
def test_risk_thresholds_move_with_tolerance(tolerance, change, risk):
    s = TenantSettings(risk_tolerance=tolerance, max_change_pct=D("30"), min_profit_margin=D("5"))
    d = price_product(dates(), [offer("noon", change), offer("amazon", change)], s, now=NOW)
    assert d.risk is risk


def test_risk_thresholds_are_settings():
    s = TenantSettings(risk_low_max_pct=D("1"), risk_medium_max_pct=D("2"))
    d = price_product(dates(), [offer("noon", "97"), offer("amazon", "97")], s, now=NOW)
    assert d.risk is RiskLevel.HIGH


def test_single_offer_is_weak_evidence_for_a_decrease():
    d = price_product(dates(), [offer("noon", "97.00")], SEMI, now=NOW)
    assert d.risk is RiskLevel.MEDIUM and d.action is Action.NEEDS_APPROVAL
    assert any("weak evidence" in line for line in d.explanation)


def test_uncorroborated_offer_cannot_drive_an_automatic_decrease():
    s = SEMI.with_changes(**{"automation_mode": "full-auto"})
    d = price_product(dates(), [offer("noon", "97.00"), offer("amazon", "104.00")], s, now=NOW)
    assert d.action is Action.NEEDS_APPROVAL
    assert any("not corroborated" in line for line in d.explanation)
    confirmed = price_product(dates(), [offer("noon", "97.00", second_reading="97.00"), offer("amazon", "104.00")],
                              s, now=NOW)
    assert confirmed.action is Action.AUTO_APPLY
    previous = price_product(dates(), [offer("noon", "97.00", previous_price="96.50"), offer("amazon", "104.00")],
                             s, now=NOW)
    assert previous.action is Action.AUTO_APPLY


def test_offer_hygiene_drops_with_reasons():
    offers = [
        offer("future", "90", hours_ago=-2),
        offer("stale", "90", hours_ago=100),
        offer("gone", "90", in_stock=False),
        offer("unsure", "90", confidence=D("0.2")),
        offer("mystore", "90", is_own_store=True),
        offer("usd", "90", currency="USD"),
        offer("noon", "99"), offer("amazon", "99"), offer("extra", "98"), offer("cheap", "10"),
    ]
    d = price_product(dates(), offers, SEMI, now=NOW)
    text = next(line for line in d.explanation if line.startswith("Offers:"))
    for reason in ("observed in the future", "stale", "out of stock", "confidence", "own listing", "currency USD",
                   "outlier"):
        assert reason in text
    assert d.suggested_price == D("98.00")
    assert d.offers_used == 3


def test_offer_with_non_positive_price_is_rejected_or_dropped():
    with pytest.raises(ValueError):
        CompetitorOffer(competitor="x", price="abc", observed_at=NOW)
    d = price_product(dates(), [offer("zero", "0"), offer("neg", "-5")], SEMI, now=NOW)
    assert "non-positive price" in d.explanation[1]
    assert d.action is Action.NO_CHANGE


@pytest.mark.parametrize(("strategy", "value", "reference", "expected"), [
    ("beat_percent", "2", "lowest", "96.04"),
    ("beat_amount", "1.50", "lowest", "96.50"),
    ("above_percent", "3", "lowest", "100.94"),
    ("match", "0", "median", "99.00"),
    ("match", "0", "average", "99.67"),
    ("match", "0", "second_lowest", "99.00"),
])
def test_strategies(strategy, value, reference, expected):
    s = TenantSettings(automation_mode="full-auto", strategy=strategy, strategy_value=D(value), reference=reference)
    offers = [offer("noon", "98.00"), offer("amazon", "99.00"), offer("extra", "102.00")]
    assert price_product(dates(), offers, s, now=NOW).suggested_price == D(expected)


def test_match_named_competitor_and_fallback_when_absent():
    s = TenantSettings(reference="competitor", reference_competitor="Jarir")
    offers = [offer("noon", "95"), offer("jarir", "98")]
    assert price_product(dates(), offers, s, now=NOW).suggested_price == D("98.00")
    d = price_product(dates(), [offer("noon", "95")], s, now=NOW)
    assert d.action is Action.NO_CHANGE and any("hold" in line for line in d.explanation)


def test_fallback_target_margin():
    s = TenantSettings(fallback="target_margin", target_margin=D("40"), max_change_pct=D("50"))
    d = price_product(dates(price="100.00", prices_include_vat=False), [], s, now=NOW)
    assert d.suggested_price == D("100.00")  # 60 / 0.6 = 100
    d = price_product(dates(price="90.00", prices_include_vat=False), [], s, now=NOW)
    assert d.suggested_price == D("100.00")


def test_no_cost_decrease_waits_or_holds():
    d = price_product(dates(cost=None), [offer("noon", "97"), offer("amazon", "97")], SEMI, now=NOW)
    assert d.action is Action.NEEDS_APPROVAL and any("no cost is known" in line for line in d.explanation)
    hold = SEMI.with_changes(**{"no_cost_policy": "hold"})
    d = price_product(dates(cost=None), [offer("noon", "97"), offer("amazon", "97")], hold, now=NOW)
    assert d.action is Action.NO_CHANGE
    up = price_product(dates(cost=None), [offer("noon", "103"), offer("amazon", "103")], SEMI, now=NOW)
    assert up.action is Action.AUTO_APPLY


def test_price_endings_stay_within_bounds():
    s = TenantSettings(price_ending=".99", automation_mode="full-auto")
    d = price_product(dates(), [offer("noon", "96.40"), offer("amazon", "96.40")], s, now=NOW)
    assert d.suggested_price == D("95.99") or d.suggested_price == D("96.99")
    # A .00 ending that would cross the floor is not taken.
    s = TenantSettings(price_ending=".00", min_profit_margin=D("15"))
    d = price_product(dates(price="82.00"), [offer("noon", "81.18"), offer("amazon", "81.18")], s, now=NOW)
    assert d.suggested_price >= D("81.18")


def test_min_max_price_and_direction_lock():
    s = TenantSettings(min_price=D("98"), automation_mode="full-auto")
    assert price_product(dates(), [offer("noon", "95"), offer("a", "95")], s, now=NOW).suggested_price == D("98.00")
    s = TenantSettings(direction_lock="up_only")
    d = price_product(dates(), [offer("noon", "95"), offer("a", "95")], s, now=NOW)
    assert d.action is Action.NO_CHANGE


def test_cooldown_skips_recently_changed_products():
    s = TenantSettings(cooldown_hours=24)
    history = [PricePoint(product_id="1001", price=D("100"), changed_at=NOW - timedelta(hours=3))]
    d = price_product(dates(), [offer("noon", "95")], s, now=NOW, history=history)
    assert d.action is Action.SKIPPED and "cooldown" in d.explanation[0]


def test_hidden_and_unpriced_products_are_skipped():
    assert price_product(dates(status="hidden"), [], SEMI, now=NOW).action is Action.SKIPPED
    assert price_product(dates(price="0"), [], SEMI, now=NOW).action is Action.SKIPPED


@pytest.mark.parametrize("target", ["abc", -5, "0", "1000", None])
def test_bad_advisor_proposals_are_rejected_with_a_reason(target):
    proposal = AdvisorProposal(product_id="1001", target_price=target, source="llm")
    d = price_product(dates(), [offer("noon", "99"), offer("a", "99")], SEMI, now=NOW, proposal=proposal)
    assert any("proposal rejected" in line for line in d.explanation)
    assert d.strategy.startswith("match")


def test_advisor_proposal_passes_the_guards():
    proposal = AdvisorProposal(product_id="1001", target_price="70", rationale="clear stock", source="llm")
    d = price_product(dates(), [offer("noon", "99"), offer("a", "99")], SEMI, now=NOW, proposal=proposal)
    assert d.strategy == "advisor:llm"
    assert d.suggested_price == D("90.00")  # max change 10%, floor 81.18


def test_price_catalog_keeps_order():
    items = [dates(), Product(id="2", price="50", cost_price="10"), Product(id="3", price="10")]
    out = price_catalog(items, {"2": [offer("noon", "49"), offer("a", "49")]}, SEMI, now=NOW)
    assert [d.product_id for d in out] == ["1001", "2", "3"]
    assert out[1].suggested_price == D("49.00")


@pytest.mark.parametrize(("field", "value"), [
    ("min_profit_margin", D("-1")), ("min_profit_margin", D("95")), ("automation_mode", "turbo"),
    ("update_frequency_hours", 0), ("update_frequency_hours", 169), ("max_change_pct", D("0")),
])
def test_invalid_settings_name_the_field(field, value):
    with pytest.raises(ValidationError) as err:
        TenantSettings(**{field: value})
    assert field in str(err.value)


def test_settings_defaults_are_safe():
    s = TenantSettings()
    assert (s.automation_mode.value, s.max_change_pct, s.min_profit_margin) == ("semi-auto", D("10"), D("15"))
