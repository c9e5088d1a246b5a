"""Parsing Salla's product JSON: the documented examples, every quirk, and arbitrary garbage."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.salla.products import parse_product, read_amount, split_variant_id, variant_id

FIXTURES = Path(__file__).parents[1] / "contract" / "salla_fixtures"
TODAY = date(2026, 1, 15)


def _fixture(name: str) -> object:
    return json.loads((FIXTURES / name).read_text())


def test_documented_product_details_with_string_cost_and_quantity() -> None:
    raw = _fixture("product_details.json")["data"]  # type: ignore[index]
    (product,), rejected = parse_product(raw, today=TODAY)
    assert rejected == []
    assert product.id == "1462551237" and product.sku == "PRO-7644"
    assert product.price == Decimal("150") and product.cost_price == Decimal("35")
    assert product.quantity == 12
    assert product.prices_include_vat is False
    assert product.gtin is None  # "" is no GTIN
    assert product.currency == "SAR"


def test_documented_list_page() -> None:
    items = _fixture("products_list.json")["data"]  # type: ignore[index]
    products, rejected = [], []
    for raw in items:
        ok, bad = parse_product(raw, today=TODAY)
        products += ok
        rejected += bad
    by_id = {p.id: p for p in products}
    reasons = {r.product_id: r.reason for r in rejected}
    # SKUs that follow the product price fold into the product; null cost stays unknown
    assert by_id["784769282"].price == Decimal("100") and by_id["784769282"].cost_price is None
    # one own-priced SKU: every SKU becomes its own product
    assert "784769283" not in by_id
    assert by_id["784769283:4001"].price == Decimal("910.8") and by_id["784769283:4001"].cost_price == Decimal(500)
    assert by_id["784769283:4002"].price == Decimal("960") and by_id["784769283:4002"].cost_price is None
    assert by_id["784769283:4002"].variant_of == "784769283" and by_id["784769283:4002"].sku == "ABY-02-58"
    assert by_id["784769283:4001"].quantity == 4
    # a running sale is the merchant's promotion: skipped with a reason
    assert reasons["784769284"].startswith("skipped: on sale at 600 until 2099-07-30")
    # an expired sale is ignored; "20.00" cost as a string
    assert by_id["784769285"].price == Decimal("45") and by_id["784769285"].cost_price == Decimal("20.00")
    assert by_id["784769285"].status == "out" and by_id["784769285"].quantity == 0
    # a non-numeric price is rejected, never a crash
    assert "price is not a number" in reasons["784769286"]


def test_amount_spellings() -> None:
    assert read_amount({"amount": 910.8, "currency": "SAR"}) == Decimal("910.8")
    assert read_amount("35") == Decimal("35")
    assert read_amount(" 1,250.50 ") == Decimal("1250.50")
    assert read_amount(60) == Decimal(60)
    assert read_amount(None) is None and read_amount({}) is None and read_amount("") is None
    assert read_amount([]) is None


def test_odd_but_readable_products() -> None:
    (p,), _ = parse_product(
        {"id": 5, "price": "12.5", "name": {"ar": "قهوة", "en": "Coffee"}, "cost_price": "abc",
         "quantity": "n/a", "with_tax": "0", "unlimited_quantity": False},
        today=TODAY,
    )
    assert p.price == Decimal("12.5") and p.name == "قهوة - Coffee"
    assert p.cost_price is None  # unreadable cost: unknown, so never lowered automatically
    assert p.quantity is None and p.prices_include_vat is False
    (q,), _ = parse_product({"id": 6, "price": 10, "quantity": 3, "unlimited_quantity": True}, today=TODAY)
    assert q.quantity is None


def test_rejections_name_the_reason() -> None:
    cases = {
        "product without an id": {"price": 1},
        "product has no price": {"id": 1},
        "negative price": {"id": 1, "price": -3},
        "deleted": {"id": 1, "price": 3, "status": "deleted"},
        "not a product object": ["id", 1],
    }
    for reason, raw in cases.items():
        products, rejected = parse_product(raw, today=TODAY)
        assert products == [] and len(rejected) == 1 and reason in rejected[0].reason


def test_variant_ids_round_trip() -> None:
    assert split_variant_id(variant_id("12", "34")) == ("12", "34")
    assert split_variant_id("12") == ("12", None)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
product_like = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values, "price": json_values, "cost_price": json_values, "quantity": json_values,
        "sale_price": json_values, "sale_end": json_values, "skus": json_values, "name": json_values,
        "with_tax": json_values, "status": json_values, "sku": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(product_like, json_values))
def test_parse_never_raises_and_accounts_for_the_product(raw: object) -> None:
    products, rejected = parse_product(raw, today=TODAY)
    assert products or rejected
    for product in products:
        assert product.price >= 0
        assert product.cost_price is None or product.cost_price >= 0
