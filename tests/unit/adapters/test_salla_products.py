"""Parsing Salla's product JSON: the documented examples, every quirk, and arbitrary garbage."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.salla.products import listed_regular_price, parse_product, read_amount, split_variant_id, variant_id

FIXTURES = Path(__file__).parents[2] / "contract" / "salla_fixtures"
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
        "regular_price": json_values, "prices": json_values,
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
    regular = listed_regular_price(raw)  # never raises either
    assert regular is None or regular == regular.quantize(Decimal("0.01"))


# ---------------------------------------------------------------------------------------------
# Sale prices and variants, as Salla documents them (tests/contract/salla_docs)

DOCS = Path(__file__).parents[2] / "contract" / "salla_docs"


def _documented(name: str) -> Any:
    return json.loads((DOCS / name).read_text(encoding="utf-8"))


def _parse_all(items: list[Any], today: date) -> tuple[dict[str, Any], dict[str | None, str]]:
    products: dict[str, Any] = {}
    reasons: dict[str | None, str] = {}
    for raw in items:
        ok, bad = parse_product(raw, today=today)
        products.update({p.id: p for p in ok})
        reasons.update({r.product_id: r.reason for r in bad})
    return products, reasons


def test_documented_on_sale_product_is_left_alone_and_never_priced_from_the_sale_price() -> None:
    items = _documented("list_products.json")["data"]
    during, reasons = _parse_all(items, date(2025, 6, 1))
    assert "1994210129" not in during
    assert reasons["1994210129"] == (
        "skipped: on sale at 79 until 2025-06-23 (regular price 159); the merchant's promotion is left alone"
    )
    # After the sale's end date Salla may still report 79 as ``price``: the merchant's price is 159.
    after, reasons = _parse_all(items, date(2025, 6, 24))
    assert reasons == {}
    skirt = after["1994210129"]
    assert skirt.price == Decimal("159") and skirt.cost_price == Decimal("10") and skirt.quantity == 1
    assert skirt.variant_of is None  # its SKUs show regular_price 0: "the product's", so they fold in
    shirt = after["1672932878"]
    assert shirt.price == Decimal("100") and shirt.cost_price == Decimal("35")
    assert shirt.quantity is None  # quantity "50" next to unlimited_quantity: true
    assert set(after) == {"1672932878", "1994210129"}


def test_documented_product_details_and_light_formats() -> None:
    (product,), rejected = parse_product(_documented("product_details.json")["data"], today=TODAY)
    assert rejected == [] and product.price == Decimal("100") and product.cost_price == Decimal("35")
    light, reasons = _parse_all(_documented("list_products_light.json")["data"], TODAY)
    assert reasons == {} and light["1840141304"].price == Decimal("910.8") and light["1840141304"].cost_price is None
    nested = _documented("list_products_light_format.json")["data"]
    # prices{} nested, sale_end a Unix timestamp (2025-06-12): on sale at 141.45 below a regular 250.7
    _, reasons = _parse_all(nested, date(2025, 6, 1))
    assert reasons["1182964224"].startswith("skipped: on sale at 141.45 until 2025-06-12 (regular price 250.7)")
    after, _ = _parse_all(nested, date(2025, 6, 13))
    assert after["1182964224"].price == Decimal("250.7")


def _product(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": 9, "name": "عطر", "price": {"amount": 100, "currency": "SAR"},
                            "regular_price": {"amount": 100, "currency": "SAR"},
                            "sale_price": {"amount": 0, "currency": "SAR"}, "sale_end": None, "cost_price": "40"}
    return {**base, **fields}


def _sku(sku_id: int, price: Any, regular: Any, sale: Any = None, cost: Any = 0, **extra: Any) -> dict[str, Any]:
    return {"id": sku_id, "price": {"amount": price, "currency": "SAR"},
            "regular_price": {"amount": regular, "currency": "SAR"},
            "sale_price": {"amount": sale, "currency": "SAR"} if sale is not None else {},
            "cost_price": {"amount": cost, "currency": "SAR"}, "sku": f"S-{sku_id}", **extra}


def test_sku_regular_price_zero_means_the_products() -> None:
    raw = _product(skus=[_sku(1, 100, 0, has_special_price=True), _sku(2, 100, 0)])
    (product,), rejected = parse_product(raw, today=TODAY)
    # has_special_price alone is not a price of its own (Salla sets it for a sale price)
    assert rejected == [] and product.id == "9" and product.price == Decimal("100")


def test_own_priced_skus_are_priced_by_their_regular_price_and_their_own_sales_left_alone() -> None:
    raw = _product(skus=[_sku(1, 100, 0), _sku(2, 120, 120, cost=55), _sku(3, 99, 130, sale=99)])
    products, rejected = parse_product(raw, today=TODAY)
    by_id = {p.id: p for p in products}
    assert by_id["9:1"].price == Decimal("100")  # regular 0: the product's
    assert by_id["9:1"].cost_price is None  # cost 0 on a SKU: not set, never "costs nothing"
    assert by_id["9:2"].price == Decimal("120") and by_id["9:2"].cost_price == Decimal("55")
    assert [r.product_id for r in rejected] == ["9:3"]
    assert rejected[0].reason.startswith("variant skipped: on sale at 99 (regular price 130)")


def test_sale_rules() -> None:
    # a sale at or above the regular price is no sale
    (p,), _ = parse_product(_product(sale_price={"amount": 100, "currency": "SAR"}, sale_end="2099-01-01"),
                            today=TODAY)
    assert p.price == Decimal("100")
    # an open-ended sale ({} or null end) runs
    _, (r,) = parse_product(_product(price={"amount": 80}, sale_price={"amount": 80}, sale_end={}), today=TODAY)
    assert r.reason.startswith("skipped: on sale at 80 (regular price 100)")
    # only the sale price and no regular price shown: left alone, never priced from the sale price
    _, (r,) = parse_product(_product(price=80, regular_price=None, sale_price=80, sale_end="2020-01-01"), today=TODAY)
    assert "not the regular price" in r.reason
    # regular_price 0 or absent, no sale: ``price`` is the merchant's price
    (p,), _ = parse_product(_product(price=70, regular_price=0), today=TODAY)
    assert p.price == Decimal("70")
    _, (r,) = parse_product(_product(regular_price={"amount": "N/A"}), today=TODAY)
    assert r.reason.startswith("regular_price is not a number")


def test_listed_regular_price_reads_every_documented_shape() -> None:
    assert listed_regular_price(_documented("webhook_product_price_updated.json")["data"]) == Decimal("150.00")
    assert listed_regular_price(_documented("variant_update_201.json")["data"]) == Decimal("13.50")
    # the model example: price 90.5 is the sale price; the variant's regular price is 100.33
    assert listed_regular_price(_documented("product_variant_model_example.json")) == Decimal("100.33")
    sale_product = _documented("list_products.json")["data"][1]
    assert listed_regular_price(sale_product) == Decimal("159.00")
    assert listed_regular_price({"price": 79, "sale_price": {"amount": 79}}) is None  # sale price only
    assert listed_regular_price({"regular_price": 150}) == Decimal("150.00")
    for garbage in (None, [], "150", {"price": "N/A"}, {"price": 5, "regular_price": "x"}):
        assert listed_regular_price(garbage) is None


def test_documented_categories_brand_and_tags_are_read() -> None:
    listed, _ = _parse_all(_documented("list_products.json")["data"], TODAY)
    assert listed["1994210129"].categories == ("1032561074",)  # [{"id": 1032561074, "name": "الفساتين", ...}]
    assert listed["1994210129"].brand is None  # brand {} is no brand
    assert listed["1672932878"].categories == () and listed["1672932878"].tags == ()
    light, _ = _parse_all(_documented("list_products_light.json")["data"], TODAY)
    assert light["1840141304"].brand == "259940351"  # {"id": "259940351", "name": "Luis Viton", ...}
    assert light["1840141304"].tags[:3] == ("Cream", "فواحة", "مسك")  # tags [{"name", "url"}]
    nested, _ = _parse_all(_documented("list_products_light_format.json")["data"], date(2025, 6, 13))
    assert nested["1182964224"].categories == ("1645188772", "521042030", "385182462")
    assert nested["1182964224"].brand == "99911771"


def test_documented_category_and_brand_names_are_kept_as_salla_gives_them() -> None:
    listed, _ = _parse_all(_documented("list_products.json")["data"], TODAY)
    assert listed["1994210129"].category_names == (("1032561074", "الفساتين"),)
    assert listed["1994210129"].brand_name is None  # brand {}: no brand, no name
    light, _ = _parse_all(_documented("list_products_light.json")["data"], TODAY)
    assert light["1840141304"].brand_name == "Luis Viton"


def test_variants_carry_their_products_grouping() -> None:
    raw = _product(categories=[{"id": 5, "name": "عطور"}], brand={"id": 7, "name": "X"}, tags=[{"name": "sale"}],
                   skus=[_sku(1, 120, 120), _sku(2, 100, 0)])
    products, _ = parse_product(raw, today=TODAY)
    assert products and all((p.categories, p.brand, p.tags) == (("5",), "7", ("sale",)) for p in products)
    assert all((p.category_names, p.brand_name) == ((("5", "عطور"),), "X") for p in products)


@given(st.one_of(st.none(), st.integers(), st.text(), st.lists(st.one_of(st.none(), st.integers(), st.text(),
                                                                      st.dictionaries(st.text(), st.text())))))
def test_odd_grouping_shapes_never_raise(value: object) -> None:
    products, rejected = parse_product(_product(categories=value, brand=value, tags=value), today=TODAY)
    assert len(products) + len(rejected) == 1
