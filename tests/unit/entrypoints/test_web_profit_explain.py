"""The profit strategy's explanation steps read in Arabic, every path the core can take."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from entrypoints.web.explanations import explain_line
from pricing_core import CompetitorOffer, ElasticityEstimate, PricePoint, Product, TenantSettings, price_product

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
D = Decimal
NARROW = TenantSettings(strategy="profit", automation_mode="full-auto", min_profit_margin=D("10"),
                        max_change_pct=D("10"), profit_max_interval_width=D("1"))


def product(cost: str | None = "50.00", vat: bool = False) -> Product:
    return Product(id="1001", name="Oud oil", price=D("100.00"), cost_price=D(cost) if cost else None,
                   prices_include_vat=vat)


def estimate(e: float, width: float = 0.4, prior: float = 0.0) -> ElasticityEstimate:
    return ElasticityEstimate(e, e - width / 2, e + width / 2, 56, units_per_day=10.0, at_price=D("100"),
                              prior_share=prior)


OFFERS = [CompetitorOffer(competitor="noon", price=D("95"), observed_at=NOW - timedelta(hours=1),
                          second_reading=D("95"))]
CASES = {
    "optimum": (product(), estimate(-3.0), NARROW, OFFERS, None),
    "optimum in expectation, VAT": (product(vat=True), estimate(-2.5, 2.0, prior=0.4), NARROW.model_copy(
        update={"profit_max_interval_width": D("6")}), OFFERS, None),
    "test around the optimum": (product(), estimate(-2.5, 2.0), NARROW.model_copy(
        update={"profit_max_interval_width": D("6"), "exploration": True}), OFFERS, None),
    "too uncertain": (product(), estimate(-2.0, 3.0), NARROW, OFFERS, None),
    "too uncertain, price test": (product(), estimate(-2.0, 3.0), NARROW.model_copy(
        update={"exploration": True}), OFFERS, None),
    "no estimate, typical price test": (product(), None, NARROW.model_copy(update={"exploration": True}), [], None),
    "no estimate": (product(), None, NARROW, OFFERS, None),
    "no cost": (product(cost=None), estimate(-3.0), NARROW, OFFERS, None),
    "inelastic step up": (product(), estimate(-0.6), NARROW, OFFERS, None),
    "inelastic, changed today": (product(), estimate(-0.6), NARROW, OFFERS,
                                 PricePoint(product_id="1001", price=D("95"), changed_at=NOW - timedelta(hours=3))),
    "maybe inelastic": (product(), estimate(-1.2, 0.9), NARROW, OFFERS, None),
    "inelastic, competitive": (product(), estimate(-0.6), NARROW.model_copy(
        update={"profit_when_inelastic": "competitive"}), OFFERS, None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_profit_step_reads_in_arabic(case: str) -> None:
    item, demand, settings, offers, last = CASES[case]
    decision = price_product(item, offers, settings, now=NOW, demand=demand,
                             history=[last] if last is not None else None)
    profit_steps = [line for line in decision.explanation
                    if line.startswith(("Profit strategy", "Price test", "Demand: at"))]
    assert profit_steps, decision.explanation
    for line in profit_steps:
        text, translated = explain_line(line, "ar")
        assert translated, line
        assert "Profit" not in text and "elasticity" not in text and "test" not in text, (line, text)


def test_a_step_reads_with_its_numbers() -> None:
    line = ("Profit strategy: elasticity -3.00 (90% interval -3.20..-2.80, 56 days); the profit-maximizing price "
            "is 75.00 (cost 50.00 x e/(1+e)).")
    assert explain_line(line, "ar") == (
        "استراتيجية الربح: المرونة -3.00 (مجال ثقة 90%: من -3.20 إلى -2.80، من 56 يومًا)؛ السعر الذي يعظّم "
        "الربح هو 75.00 (التكلفة 50.00 × e/(1+e)).", True)
    demand = ("Demand: at 90.00 instead of 100.00, expected gross profit +12.50 SAR/day +25.0% "
              "(between +8.00 and +16.00 across the interval).")
    assert explain_line(demand, "ar") == (
        "الطلب: عند 90.00 بدل 100.00، الربح الإجمالي المتوقع +12.50 SAR يوميًا +25.0% (بين +8.00 و+16.00 عبر المجال).",
        True)


def test_an_unknown_clause_leaves_the_whole_line_in_english() -> None:
    line = "Profit strategy: a step this page does not know; falls back to 'match'."
    assert explain_line(line, "ar") == (line, False)


@pytest.mark.parametrize(("every", "arabic"), [("weekly", "أسبوعيًا"), ("daily", "يوميًا")])
def test_a_price_test_says_how_often_its_side_alternates(every: str, arabic: str) -> None:
    # Explanations stored before the tests held a week on each side said "daily": they still read.
    line = (f"Price test: no demand estimate yet (no sales history); today's test is 2% above the 'match' target "
            f"100.00 -> 102.00 (the side alternates {every}, so demand is seen at both).")
    text, translated = explain_line(line, "ar")
    assert translated and f"يتناوب الاتجاه {arabic}" in text, text
