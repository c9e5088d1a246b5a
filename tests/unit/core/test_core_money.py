"""The core's one reader of amounts: exponents read exactly, commas only as thousands, nothing absurd."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing_core.money import MAX_AMOUNT, MoneyError, quantize, to_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.5e3", "2500"), ("2.5E+3", "2500"), (2.5e3, "2500.0"), (Decimal("1E+3"), "1000"), ("1e-2", "0.01"),
        ("1,299.50", "1299.50"), ("12,345,678", "12345678"), (" 99.9 ", "99.9"), (7, "7"),
    ],
)
def test_amounts_are_read_for_what_they_say(value, expected):
    result = to_decimal(value)
    assert result == Decimal(expected)
    assert "E" not in str(result)  # written out: 2500, never 2.5E+3


@pytest.mark.parametrize(
    "value",
    ["nan", "inf", "-Infinity", float("nan"), float("inf"), "1e400", "1e15", MAX_AMOUNT, "1,5", "2,5e3", "12,34.5",
     "", "abc", True, None, [1]],
)
def test_what_is_not_a_plausible_finite_amount_is_refused(value):
    with pytest.raises(MoneyError):
        to_decimal(value)


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2),
       st.integers(min_value=-3, max_value=3))
def test_exponent_notation_and_plain_notation_agree(amount, shift):
    scientific = f"{amount.scaleb(-shift):f}e{shift}"  # 12.50 -> "1.250e1" and the like
    assert quantize(to_decimal(scientific)) == amount
