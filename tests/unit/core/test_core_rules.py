"""Pricing rules, product overrides and their effect on the pipeline (issue 12)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from pricing_core import (
    Action,
    CompetitorOffer,
    InvalidOverride,
    InvalidRule,
    PricingRule,
    Product,
    ProductOverride,
    Reference,
    RuleMatch,
    TenantSettings,
    price_catalog,
    price_product,
    resolve_settings,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
D = Decimal
STORE = TenantSettings(min_profit_margin=D("15"), automation_mode="full-auto", max_change_pct=D("10"))


def offer(competitor: str, price: str, **kw: object) -> CompetitorOffer:
    return CompetitorOffer(competitor=competitor, price=D(price), observed_at=NOW - timedelta(hours=1), **kw)


def product(pid: str = "1", price: str = "100.00", cost: str | None = "60.00", **kw: object) -> Product:
    return Product(id=pid, sku=f"SKU-{pid}", name="p", price=D(price),
                   cost_price=D(cost) if cost is not None else None, **kw)


# --- RuleMatch and rule precedence ---------------------------------------------------------------

def test_match_needs_every_set_field_and_any_value_within_one():
    match = RuleMatch(categories=("10", "11"), brands=("Prada",))
    assert match.matches(product(categories=("11", "99"), brand="prada"))
    assert not match.matches(product(categories=("11",), brand="Gucci"))
    assert not match.matches(product(categories=("12",), brand="Prada"))
    assert not match.matches(product(categories=("10",)))  # no brand at all
    assert RuleMatch().matches(product())  # an empty match is the whole store


def test_match_on_tags_skus_ids_and_price_band():
    assert RuleMatch(tags=("عطر",)).matches(product(tags=("مسك", "عطر")))
    assert not RuleMatch(tags=("عطر",)).matches(product(tags=("مسك",)))
    assert RuleMatch(skus=("sku-7",)).matches(product("7"))
    assert not RuleMatch(skus=("SKU-8",)).matches(product("7"))
    assert RuleMatch(product_ids=("5",)).matches(product("5:77", variant_of="5"))  # a variant of a listed product
    assert not RuleMatch(product_ids=("5",)).matches(product("6"))
    band = RuleMatch(price_min="50", price_max="100")
    assert band.matches(product(price="50")) and band.matches(product(price="100"))
    assert not band.matches(product(price="100.01")) and not band.matches(product(price="49.99"))


def test_a_bare_string_is_one_value_not_letters():
    assert RuleMatch(categories="123").categories == ("123",)  # type: ignore[arg-type]


def test_highest_priority_wins_then_specificity_then_name():
    p = product(categories=("10",), brand="B1", tags=("sale",))
    wide = PricingRule(name="wide", priority=1, match=RuleMatch(categories=("10",)), settings={"min_profit_margin": 20})
    narrow = PricingRule(name="narrow", priority=1, match=RuleMatch(categories=("10",), brands=("B1",)),
                         settings={"min_profit_margin": 25})
    urgent = PricingRule(name="urgent", priority=5, match=RuleMatch(tags=("sale",)), settings={"min_profit_margin": 5})
    settings, rule = resolve_settings(STORE, [wide, narrow], p)
    assert rule == narrow and settings.min_profit_margin == 25
    settings, rule = resolve_settings(STORE, [wide, narrow, urgent], p)
    assert rule == urgent and settings.min_profit_margin == 5
    # Same priority and specificity: the name decides, so the order given does not.
    a = PricingRule(name="a", match=RuleMatch(brands=("B1",)), settings={"max_change_pct": 3})
    b = PricingRule(name="b", match=RuleMatch(tags=("sale",)), settings={"max_change_pct": 4})
    assert resolve_settings(STORE, [b, a], p)[1] == a
    assert resolve_settings(STORE, [a, b], p)[1] == a


def test_no_matching_rule_leaves_the_store_settings():
    rule = PricingRule(name="r", match=RuleMatch(brands=("other",)), settings={"min_profit_margin": 30})
    assert resolve_settings(STORE, [rule], product()) == (STORE, None)


def test_rule_keeps_store_settings_it_does_not_name():
    rule = PricingRule(name="r", settings={"reference": "median"})
    settings, _ = resolve_settings(STORE, [rule], product())
    assert settings.reference is Reference.MEDIAN
    assert settings.automation_mode == STORE.automation_mode and settings.max_change_pct == STORE.max_change_pct


def test_a_rule_with_an_unknown_key_or_bad_value_is_refused_naming_the_field():
    with pytest.raises(InvalidRule) as unknown:
        PricingRule(name="r", settings={"min_margin": 20})
    assert "settings.min_margin" in unknown.value.errors
    with pytest.raises(InvalidRule) as bad:
        PricingRule(name="r", settings={"max_change_pct": 0})
    assert "settings.max_change_pct" in bad.value.errors
    with pytest.raises(InvalidRule) as nameless:
        PricingRule(name="  ", settings={})
    assert "name" in nameless.value.errors
    with pytest.raises(InvalidRule):
        RuleMatch(price_min="100", price_max="50")
    with pytest.raises(InvalidRule):
        RuleMatch(price_min="abc")


def test_rule_settings_are_kept_in_json_form():
    rule = PricingRule(name="r", settings={"min_profit_margin": D("20.5"), "automation_mode": "manual"})
    assert dict(rule.settings) == {"min_profit_margin": "20.5", "automation_mode": "manual"}


def test_a_rule_contradicting_the_store_skips_its_products_with_the_reason():
    store = STORE.with_changes(max_price=D("90"))
    rule = PricingRule(name="premium", priority=1, match=RuleMatch(brands=("B",)), settings={"min_price": "150"})
    with pytest.raises(InvalidRule, match="premium"):
        resolve_settings(store, [rule], product(brand="B"))
    decisions = price_catalog([product("1", brand="B"), product("2")], {}, store, now=NOW, rules=[rule])
    assert decisions[0].action is Action.SKIPPED and "premium" in decisions[0].explanation[0]
    assert decisions[1].action is not Action.SKIPPED


# --- The pipeline with rules ---------------------------------------------------------------------

def test_the_explanation_names_the_rule_or_the_store_settings():
    rule = PricingRule(name="Perfume margin", priority=2, match=RuleMatch(categories=("7",)),
                       settings={"min_profit_margin": 40})
    offers = {"1": [offer("noon", "80"), offer("amazon", "80")], "2": [offer("noon", "80"), offer("amazon", "80")]}
    d1, d2 = price_catalog([product("1", categories=("7",)), product("2")], offers, STORE, now=NOW, rules=[rule])
    assert d1.explanation[0] == "Priced with rule 'Perfume margin' (priority 2)."
    assert d2.explanation[0] == "Priced with store settings."
    # The rule's 40% margin raises the floor: 60 / 0.6 * 1.15 = 115 for product 1; 81.18 for product 2.
    assert d1.floor_price == D("115.00") and d2.floor_price == D("81.18")
    assert d1.suggested_price == D("115.00") and d2.suggested_price == D("90.00")


def test_price_product_and_price_catalog_agree_with_rules_and_overrides():
    rules = [PricingRule(name="r", match=RuleMatch(price_max="150"), settings={"strategy": "beat_percent",
                                                                                "strategy_value": "2"})]
    overrides = {"2": ProductOverride(product_id="2", cost_price="70")}
    products = [product("1"), product("2"), product("3", price="200")]
    offers = {p.id: [offer("noon", "97"), offer("amazon", "97.5")] for p in products}
    batch = price_catalog(products, offers, STORE, now=NOW, rules=rules, overrides=overrides)
    single = [price_product(p, offers[p.id], STORE, now=NOW, rules=rules, override=overrides.get(p.id))
              for p in products]
    assert batch == single


# --- Overrides ----------------------------------------------------------------------------------

def test_an_override_for_another_product_is_refused():
    with pytest.raises(ValueError, match="override of product 2"):
        price_product(product("1"), [], STORE, now=NOW, override=ProductOverride(product_id="2", excluded=True))


def test_excluded_product_is_skipped():
    d = price_product(product(), [offer("noon", "97")], STORE, now=NOW,
                      override=ProductOverride(product_id="1", excluded=True))
    assert d.action is Action.SKIPPED and "excluded" in d.explanation[0]


def test_override_cost_takes_precedence_over_the_products():
    offers = [offer("noon", "80"), offer("amazon", "80")]
    d = price_product(product(cost=None), offers, STORE, now=NOW, override=ProductOverride(product_id="1",
                                                                                           cost_price="60"))
    assert d.cost_price == D("60") and d.floor_price == D("81.18") and d.suggested_price == D("90.00")
    assert any("cost price 60" in line for line in d.explanation)


def test_override_min_and_max_take_precedence_over_the_rules():
    rule = PricingRule(name="r", settings={"min_price": "50", "max_price": "500"})
    offers = [offer("noon", "97"), offer("amazon", "97")]
    d = price_product(product(cost=None), offers, STORE, now=NOW, rules=[rule],
                      override=ProductOverride(product_id="1", min_price="99"))
    assert d.suggested_price == D("99.00")
    up = [offer("noon", "120"), offer("amazon", "120")]
    d = price_product(product(), up, STORE, now=NOW, rules=[rule], override=ProductOverride(product_id="1",
                                                                                              max_price="104"))
    assert d.suggested_price == D("104.00")


def test_map_is_never_crossed_even_beyond_the_maximum_change():
    offers = [offer("noon", "80"), offer("amazon", "80")]
    d = price_product(product(cost="10"), offers, STORE, now=NOW, override=ProductOverride(product_id="1",
                                                                                             map_price="95"))
    assert d.suggested_price == D("95.00")
    d = price_product(product(cost="10"), offers, STORE, now=NOW, override=ProductOverride(product_id="1",
                                                                                             map_price="130"))
    assert d.suggested_price == D("130.00")
    assert any("minimum advertised price 130" in line for line in d.explanation)


def test_fixed_price_is_proposed_as_is():
    d = price_product(product(), [], STORE, now=NOW, override=ProductOverride(product_id="1", fixed_price="149.5"))
    assert d.suggested_price == D("149.50") and d.strategy == "fixed_price"
    assert d.action is Action.NEEDS_APPROVAL  # a 49.5% change is high risk even in full-auto
    small = price_product(product(), [], STORE, now=NOW, override=ProductOverride(product_id="1", fixed_price="99"))
    assert small.suggested_price == D("99.00") and small.action is Action.AUTO_APPLY


@pytest.mark.parametrize(("override", "why"), [
    (ProductOverride(product_id="1", fixed_price="70"), "below the margin floor 81.18"),
    (ProductOverride(product_id="1", fixed_price="90", map_price="95"), "below the minimum advertised price 95"),
    (ProductOverride(product_id="1", fixed_price="120", max_price="110"), "above the maximum price 110"),
])
def test_fixed_price_crossing_a_limit_is_held_and_explained(override: ProductOverride, why: str):
    d = price_product(product(), [], STORE, now=NOW, override=override)
    assert d.action is Action.NO_CHANGE and d.suggested_price == D("100.00")
    assert any(why in line and "held" in line for line in d.explanation)


def test_override_values_are_validated_naming_the_field():
    with pytest.raises(InvalidOverride) as err:
        ProductOverride(product_id="1", cost_price="abc")
    assert err.value.field == "cost_price"
    with pytest.raises(InvalidOverride) as err:
        ProductOverride(product_id="1", fixed_price="0")
    assert err.value.field == "fixed_price"
    with pytest.raises(InvalidOverride) as err:
        ProductOverride(product_id="1", min_price="10", max_price="5")
    assert err.value.field == "min_price"
    with pytest.raises(InvalidOverride) as err:
        ProductOverride(product_id="1", map_price="10", max_price="5")
    assert err.value.field == "map_price"
    with pytest.raises(InvalidOverride):
        ProductOverride(product_id=" ")
    assert ProductOverride(product_id="1").is_empty


# --- The corroboration fix ------------------------------------------------------------------------

@pytest.mark.parametrize("reference", ["median", "average"])
def test_agreeing_offers_corroborate_a_median_or_average_decrease(reference: str):
    settings = STORE.with_changes(reference=reference, offer_agreement_pct=D("0.5"))
    offers = [offer("noon", "97.00"), offer("amazon", "97.10"), offer("extra", "97.15")]
    d = price_product(product(), offers, settings, now=NOW)
    assert d.action is Action.AUTO_APPLY, d.explanation
    assert not any("not corroborated" in line for line in d.explanation)
    # Disagreeing offers (no second reading, no history) still wait for approval.
    apart = [offer("noon", "95.00"), offer("amazon", "97.00"), offer("extra", "99.00")]
    assert price_product(product(), apart, settings, now=NOW).action is Action.NEEDS_APPROVAL


# --- Competitor scope, weights and shipping (per rule or per store) -------------------------------

def test_a_rule_can_include_or_exclude_competitors():
    offers = [offer("noon", "90"), offer("amazon", "95"), offer("extra", "95.2")]
    only = PricingRule(name="big two", settings={"competitors_include": ["Amazon", "extra"]})
    d = price_product(product(), offers, STORE, now=NOW, rules=[only])
    assert d.reference_price == D("95.00")
    assert "noon (not among the competitors these settings compare with)" in d.explanation[1]
    without = PricingRule(name="no noon", settings={"competitors_exclude": ["NOON"]})
    assert price_product(product(), offers, STORE, now=NOW, rules=[without]).reference_price == D("95.00")
    assert price_product(product(), offers, STORE, now=NOW).reference_price == D("90.00")


def test_weights_shape_the_average_reference():
    offers = [offer("noon", "90"), offer("amazon", "96")]
    plain = STORE.with_changes(reference="average")
    assert price_product(product(), offers, plain, now=NOW).reference_price == D("93.00")
    weighted = plain.with_changes(competitor_weights={"Amazon": "2"})
    d = price_product(product(), offers, weighted, now=NOW)
    assert d.reference_price == D("94.00")  # (90 + 2 * 96) / 3
    assert any("weighted average of 2" in line for line in d.explanation)
    with pytest.raises(ValueError, match="weight of noon"):
        STORE.with_changes(competitor_weights={"noon": "0"})


def test_shipping_inclusive_comparison_is_a_setting():
    offers = [offer("noon", "85", shipping="10", previous_price="85"), offer("amazon", "97", shipping="0")]
    d = price_product(product(), offers, STORE, now=NOW)
    assert d.reference_price == D("85.00")  # the sticker price
    with_shipping = price_product(product(), offers, STORE.with_changes(include_shipping=True), now=NOW)
    assert with_shipping.reference_price == D("95.00")  # 85 + 10 beats nothing: 97 is dearer
    assert "compared with their stated shipping" in with_shipping.explanation[1]
    assert with_shipping.action is Action.AUTO_APPLY  # its previous reading (85 + 10) still corroborates it


def test_a_rule_name_fits_its_column():
    assert PricingRule(name="x" * 255).name == "x" * 255
    with pytest.raises(InvalidRule, match="at most 255"):
        PricingRule(name="x" * 256)
