"""Reading prices as Saudi shops print them: Arabic-Indic digits, Arabic separators, currency words."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.competitors.parsing import detect_currency, normalize_currency, parse_amount, parse_price

ARABIC = str.maketrans("0123456789.,", "٠١٢٣٤٥٦٧٨٩٫٬")
EASTERN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("1,299.00 ر.س", "1299.00", "SAR"),
        ("ر.س 1٬299٫50", "1299.50", "SAR"),
        ("١٬٢٩٩٫٥٠ ر.س", "1299.50", "SAR"),
        ("٩٩٫٥٠ ريال", "99.50", "SAR"),
        ("۲۴۹ ریال", "249", "SAR"),
        ("السعر: ٤٥٫٩٩ ر.س.", "45.99", "SAR"),
        ("SAR 12,999.00", "12999.00", "SAR"),
        ("SAR\u00a01,149.00", "1149.00", "SAR"),
        ("12,50 SR", "12.50", "SAR"),
        ("﷼ 12", "12", "SAR"),
        ("\u200f١٥٠\u200f ر.س", "150", "SAR"),
        ("AED 99.90", "99.90", "AED"),
        ("249", "249", None),
    ],
)
def test_display_prices_are_read_with_their_currency(text, amount, currency):
    parsed = parse_price(text)
    assert parsed is not None
    assert parsed.amount == Decimal(amount)
    assert parsed.currency == currency


@pytest.mark.parametrize("text", ["free", "", "ر.س", "0.00 SAR", "-5", "call for price"])
def test_text_without_a_positive_price_is_not_a_price(text):
    assert parse_price(text) is None


def test_latin_currency_codes_must_stand_alone():
    # "SR" inside a word is not the Saudi riyal.
    assert detect_currency("USRAM edition 5") is None
    assert normalize_currency("sar") == "SAR"
    assert normalize_currency("ر.س") == "SAR"
    assert normalize_currency("") is None


@pytest.mark.parametrize("value", [True, None, [], {"price": 1}, float("nan")])
def test_non_numbers_are_not_amounts(value):
    assert parse_amount(value) is None


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2))
def test_arabic_indic_and_eastern_digits_read_like_ascii(amount):
    grouped = f"{amount:,.2f}"  # 12,345.67
    assert parse_amount(grouped.translate(ARABIC)) == amount
    assert parse_amount(grouped.translate(EASTERN)) == amount
    assert parse_amount(f"{grouped.translate(ARABIC)} ر.س") == amount
