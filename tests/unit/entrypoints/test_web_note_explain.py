"""A decision's re-check note reads in Arabic: every reason the core's re-check can give, made by the core."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from entrypoints.web.explanations import explain_line, note_text
from entrypoints.web.note_explain import note_line
from pricing_core import CompetitorOffer, PricePoint, PricingDecision, Product, TenantSettings, price_product
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.overrides import ProductOverride
from pricing_core.recheck import recheck_decision
from pricing_core.settings import DirectionLock
from pricing_core.usecases.apply_checks import find_overtaken

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
D = Decimal
SETTINGS = TenantSettings(automation_mode="full-auto", min_profit_margin=D("10"), max_change_pct=D("10"))
DOWN, UP = DirectionLock.DOWN_ONLY, DirectionLock.UP_ONLY
PRODUCT = Product(id="1001", name="Oud oil", price=D("100.00"), cost_price=D("50.00"))


def _decision(suggested: str) -> PricingDecision:
    offers = [CompetitorOffer(competitor="noon", price=D("95"), observed_at=NOW - timedelta(hours=1),
                              second_reading=D("95"))]
    made = price_product(PRODUCT, offers, SETTINGS, now=NOW - timedelta(hours=2))
    return attrs.evolve(made, suggested_price=D(suggested))


# Each case: (suggested price, the product in Salla now, settings, override, last change) -> a refusal.
CASES: dict[str, tuple[str, Product | None, TenantSettings, ProductOverride | None, PricePoint | None]] = {
    "gone from Salla": ("95.00", None, SETTINGS, None, None),
    "excluded": ("95.00", PRODUCT, SETTINGS, ProductOverride(product_id="1001", excluded=True), None),
    "hidden": ("95.00", attrs.evolve(PRODUCT, status="hidden"), SETTINGS, None, None),
    "price moved": ("95.00", attrs.evolve(PRODUCT, price=D("104.00")), SETTINGS, None, None),
    "cooldown": ("95.00", PRODUCT, SETTINGS.model_copy(update={"cooldown_hours": 24}), None,
                 PricePoint(product_id="1001", price=D("100"), changed_at=NOW - timedelta(hours=1))),
    "cost removed": ("95.00", attrs.evolve(PRODUCT, cost_price=None), SETTINGS, None, None),
    "below the floor, VAT": ("56.00", attrs.evolve(PRODUCT, prices_include_vat=True), SETTINGS, None, None),
    "below MAP": ("95.00", PRODUCT, SETTINGS, ProductOverride(product_id="1001", map_price=D("98")), None),
    "above the maximum": ("108.00", PRODUCT, SETTINGS.model_copy(update={"max_price": D("105")}), None, None),
    "below the minimum": ("92.00", PRODUCT, SETTINGS.model_copy(update={"min_price": D("95")}), None, None),
    "decreases only": ("105.00", PRODUCT, SETTINGS.model_copy(update={"direction_lock": DOWN}), None, None),
    "raises only": ("95.00", PRODUCT, SETTINGS.model_copy(update={"direction_lock": UP}), None, None),
    "maximum change": ("80.00", PRODUCT, SETTINGS, None, None),
}


def _refusal(case: str) -> str:
    suggested, current, settings, override, last = CASES[case]
    reason = recheck_decision(_decision(suggested), current, settings, last_change=last, now=NOW,
                              merchant_approved=False, override=override)
    assert reason is not None, case
    return reason


def _latin_words(text: str) -> list[str]:
    # What is left in Latin letters once translated: only UTC, a status value or a source name.
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w != "UTC"]


@pytest.mark.parametrize("case", list(CASES))
def test_every_refusal_of_the_recheck_reads_in_arabic_with_its_numbers(case: str) -> None:
    reason = _refusal(case)
    text, translated = explain_line(reason, "ar")
    assert translated and text == note_line(reason), reason
    assert not _latin_words(text), (reason, text)
    assert re.findall(r"\d+(?:\.\d+)?", reason) == re.findall(r"\d+(?:\.\d+)?", text), (reason, text)
    assert explain_line(reason, "en") == (reason, True)


def test_a_write_a_crash_may_have_sent_says_not_re_sent() -> None:
    reason = _refusal("price moved").replace("not applied:", "not re-sent:", 1)  # as ``find_refused`` words it
    assert note_line(reason) == ("لم يُرسَل مجددًا: تغيّر السعر في سلة من 100.00 إلى 104.00 بعد هذا القرار"
                                 "؛ سيُسعَّر في الجولة القادمة")


def test_a_decision_overtaken_by_another_price_reads_in_arabic() -> None:
    record = DecisionRecord(id="d1", store_id="7", run_id=None, idempotency_key="k", decision=_decision("95.00"),
                            status=DecisionStatus.APPROVED, created_at=NOW, updated_at=NOW)
    later = PricePoint(product_id="1001", price=D("97.00"), changed_at=NOW - timedelta(minutes=5), source="merchant")
    reason = find_overtaken([record], {"1001": later})["d1"]
    text, translated = explain_line(reason, "ar")
    assert translated and _latin_words(text) == ["merchant"], text  # the source, as the core names it
    assert "97.00" in text and "سيُسعَّر في الجولة القادمة" in text


def test_a_note_of_an_unknown_shape_is_shown_as_written_and_marked_english() -> None:
    salla_said = "not applied: Salla answered 422: the price must be a number"
    assert note_line(salla_said) is None
    assert note_text(salla_said, "ar") == (salla_said, False)
    assert note_text("settings changed", "ar") == ("تغيّرت الإعدادات", True)
    assert note_text("settings changed", "en") == ("the settings changed", True)
