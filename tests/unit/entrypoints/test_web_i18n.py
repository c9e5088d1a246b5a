"""The dashboard in the merchant's words and language: Arabic pages, explanations, settings errors, formatting."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from html import unescape

import pytest
from tests.support.web_harness import Harness, make_harness

from entrypoints.web.explanations import explain_line
from entrypoints.web.formatting import fmt_datetime, fmt_money
from entrypoints.web.i18n import LABELS
from entrypoints.web.settings_text import FIELDS
from pricing_core.catalog import PricePoint, Product
from pricing_core.decision import DecisionStatus
from pricing_core.engine import price_catalog
from pricing_core.sample import sample_catalog
from pricing_core.settings import Fallback, PriceEnding, TenantSettings

P = DecisionStatus.PENDING
PAGES = ["", "/approvals", "/decisions", "/activity", "/settings", "/catalog", "/products/p-m1"]


@pytest.fixture
def merchant():  # type: ignore[no-untyped-def]
    web = make_harness()
    store_id = web.merchant_ids()[0]
    browser = web.install(store_id)
    web.add_decisions(store_id, ("m1", P), ("m2", DecisionStatus.APPLIED))
    with web.uow_factory(store_id) as uow:
        assert uow.store is not None
        uow.store.products.upsert_many([Product(id="p-m1", name="Oud", price="100.00", cost_price="50")],
                                       seen_at=web.services.clock.now())
        uow.store.price_history.add_many([PricePoint(product_id="p-m1", price="95.00",
                                                     changed_at=web.services.clock.now())])
        uow.commit()
    return web, store_id, browser


def visible_text(html: str) -> str:
    """What a reader sees: no tags, styles, attribute values."""
    html = re.sub(r"<style.*?</style>|<script.*?</script>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def ui_english_phrases() -> set[str]:
    """The UI's own English strings (labels, field labels, help), which must not show on an Arabic page."""
    phrases = {entry["en"] for entry in LABELS.values() if entry.get("ar") and entry["ar"] != entry["en"]}
    phrases |= {label["en"] for label, _help in FIELDS.values()} | {help_["en"] for _l, help_ in FIELDS.values()}
    # "{n}" templates and the language switch (English by design on the Arabic page) are left out.
    return {p for p in phrases if "{" not in p and p != "English" and len(p) > 2}


@pytest.mark.parametrize("suffix", PAGES)
def test_arabic_pages_contain_none_of_the_uis_english_strings(merchant, suffix: str) -> None:
    web, store_id, browser = merchant
    browser.get("/lang/ar")
    page = browser.get(f"/dashboard/stores/{store_id}{suffix}")
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    # Text the page marks as English (activity log lines written by the core, an explanation step of an
    # unknown shape) is shown as written on purpose; everything else must be Arabic.
    body = re.sub(r'<(td|li)[^>]*lang="en"[^>]*>.*?</\1>', " ", page.text, flags=re.S)
    text = visible_text(body)
    # The merchant's own data (store and product names) may well be English; only the UI's strings count.
    with web.uow_factory(store_id) as uow:
        store = uow.stores.get(store_id)
    for data in (store.store_name if store else "", "Product m1", "Product m2"):
        text = text.replace(data or "\0", " ")
    found = sorted(p for p in ui_english_phrases() if re.search(rf"(?<![A-Za-z]){re.escape(p)}(?![A-Za-z])", text))
    assert found == [], found


def test_the_english_list_is_not_empty_and_the_check_can_fail(merchant) -> None:
    _web, store_id, browser = merchant
    page = browser.get(f"/dashboard/stores/{store_id}/approvals")  # English
    text = visible_text(page.text)
    assert len(ui_english_phrases()) > 100
    assert any(p in text for p in ("Approve", "Reject", "Waiting for approval"))


def test_statuses_risks_and_settings_are_arabic(merchant) -> None:
    _web, store_id, browser = merchant
    browser.get("/lang/ar")
    approvals = browser.get(f"/dashboard/stores/{store_id}/approvals").text
    assert "متوسطة" in approvals and "موافقة" in approvals and "ر.س." in approvals
    decisions = browser.get(f"/dashboard/stores/{store_id}/decisions").text
    assert "مطبّق" in decisions and "بانتظار الموافقة" in decisions
    settings = browser.get(f"/dashboard/stores/{store_id}/settings").text
    assert "أدنى هامش ربح (%)" in settings and "min_profit_margin</label>" not in settings


def test_settings_errors_in_the_merchants_words_next_to_the_field(merchant) -> None:
    web, store_id, browser = merchant
    path = f"/dashboard/stores/{store_id}/settings"
    for lang, expected in (("en", "Enter a number, like 15 or 12.5."), ("ar", "أدخل رقمًا، مثل 15 أو 12.5.")):
        browser.get(f"/lang/{lang}")
        token = web.csrf(browser, path)
        page = browser.post(path, data={"csrf_token": token, "min_profit_margin": "abc"})
        assert page.status_code == 400
        text = unescape(page.text)
        assert "Value error" not in text and "Input should be" not in text and "min_profit_margin must" not in text
        margin = text.split('id="e-min_profit_margin">', 1)[1].split("<", 1)[0]
        assert margin == expected
        # A cross-field error sits next to the field to change.
        cross = unescape(browser.post(path, data={"csrf_token": token, "min_price": "50", "max_price": "10"}).text)
        assert "min_price must" not in cross and 'id="e-min_price"' in cross


def test_flash_messages_follow_the_language(merchant) -> None:
    web, store_id, browser = merchant
    browser.get("/lang/ar")
    token = web.csrf(browser, f"/dashboard/stores/{store_id}/approvals")
    page = browser.post(f"/dashboard/stores/{store_id}/decisions/m1/approve", data={"csrf_token": token})
    assert "تمت الموافقة على التغيير." in page.text


def test_a_lost_session_gets_a_sign_in_page_in_its_language(merchant) -> None:
    web, store_id, _browser = merchant
    stranger = web.new_client()
    stranger.get("/lang/ar")
    page = stranger.get(f"/dashboard/stores/{store_id}/approvals")
    assert page.status_code == 401 and "تسجيل الدخول عبر سلة" in page.text and "Not found" not in page.text


def _engine_explanations() -> list[str]:
    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    products, offers = sample_catalog(now)
    lines: list[str] = []
    for settings in (TenantSettings(), TenantSettings(fallback=Fallback.TARGET_MARGIN, target_margin=Decimal(30),
                                                      price_ending=PriceEnding.END_95, min_price=Decimal(5)),
                     TenantSettings(automation_mode="manual", strategy="beat_percent", strategy_value=Decimal(3),
                                    reference="median", no_cost_policy="hold")):
        for d in price_catalog(products, offers, settings, now=now):
            lines.extend(d.explanation)
    return lines


def test_every_engine_explanation_step_of_the_sample_catalog_reads_in_arabic() -> None:
    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    products, offers = sample_catalog(now)
    names = {o.competitor for group in offers.values() for o in group} | {p.name for p in products}
    lines = _engine_explanations()
    assert len(set(lines)) > 20
    for line in lines:
        text, translated = explain_line(line, "ar")
        assert translated, line
        for name in names:
            text = text.replace(name, "")
        leftover = re.findall(r"[A-Za-z]{3,}", text)
        assert leftover == [], (line, text)
        # The numbers survive the translation.
        assert re.findall(r"\d+(?:\.\d+)?", line) == re.findall(r"\d+(?:\.\d+)?", text), (line, text)


def test_an_unknown_step_is_shown_as_written_and_marked() -> None:
    assert explain_line("Something new: 12.", "ar") == ("Something new: 12.", False)
    assert explain_line("Offers: 3 seen, 2 usable.", "en") == ("Offers: 3 seen, 2 usable.", True)


def test_money_and_times_are_formatted_per_language_in_riyadh_time() -> None:
    assert fmt_money(Decimal("1234.5"), "SAR", "en") == "1,234.50\xa0SAR"
    assert "ر.س." in fmt_money(Decimal("1234.5"), "SAR", "ar")
    moment = datetime(2026, 11, 27, 22, 30, tzinfo=UTC)  # already the 28th in Riyadh
    assert fmt_datetime(moment, "en") == "28 Nov 2026, 01:30 GMT+03:00"
    assert "نوفمبر" in fmt_datetime(moment, "ar")


def test_catalog_and_product_show_the_fresh_price_after_an_applied_change(web_with_applied: tuple) -> None:
    _web, store_id, browser = web_with_applied
    catalog = browser.get(f"/dashboard/stores/{store_id}/catalog").text
    row = catalog.split('data-product-id="p-a1"', 1)[1].split("</tr>", 1)[0]
    assert 'data-price="90.00"' in row  # the snapshot still says 100.00
    product = browser.get(f"/dashboard/stores/{store_id}/products/p-a1").text
    assert 'id="current-price" data-price="90.00"' in product


@pytest.fixture
def web_with_applied() -> tuple[Harness, str, object]:
    web = make_harness()
    store_id = web.merchant_ids()[0]
    browser = web.install(store_id)
    web.add_decisions(store_id, ("a1", DecisionStatus.APPLIED))
    with web.uow_factory(store_id) as uow:
        assert uow.store is not None
        uow.store.products.upsert_many([Product(id="p-a1", name="Amber", price="100.00")],
                                       seen_at=web.services.clock.now())
        uow.commit()
    return web, store_id, browser


def test_salla_product_statuses_are_named_in_arabic() -> None:
    text, translated = explain_line("Skipped: product status is 'hidden'.", "ar")
    assert translated and text == "تم التخطي: حالة المنتج «مخفي»."
    assert explain_line("Skipped: product status is 'draft'.", "ar")[0] == "تم التخطي: حالة المنتج «draft»."


def test_yes_no_settings_read_as_words_not_true_false() -> None:
    from entrypoints.web.settings_text import choice_label

    assert choice_label("include_shipping", "false", "ar") == "لا"
    assert choice_label("exploration", "true", "en") == "Yes"
    assert choice_label("automation_mode", "manual", "en").startswith("Manual")
