"""Every saved product page gives the expected price, currency, stock state and second reading."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.competitors.extraction import CONFIDENCE, extract

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
INDEX = json.loads((PAGES / "index.json").read_text(encoding="utf-8"))["pages"]


def test_the_saved_set_is_large_and_varied():
    assert len(INDEX) >= 20
    assert {p["method"] for p in INDEX} == {"json-ld", "microdata", "rdfa", "meta", "text"}
    assert any(not p["in_stock"] for p in INDEX)
    assert sorted(p.name for p in PAGES.glob("*.html")) == sorted(p["file"] for p in INDEX)


@pytest.mark.parametrize("page", INDEX, ids=[p["file"] for p in INDEX])
def test_saved_page(page):
    html = (PAGES / page["file"]).read_text(encoding="utf-8")
    found = extract(html, page["url"])
    assert found is not None, "no price read"
    assert found.price == Decimal(page["price"])
    assert found.currency == page["currency"]
    assert found.in_stock is page["in_stock"]
    assert found.method == page["method"]
    expected_second = page["second_reading"]
    assert found.second_reading == (None if expected_second is None else Decimal(expected_second))
    assert found.confidence == CONFIDENCE[page["method"]]


def test_a_page_without_any_price_gives_nothing():
    html = "<html><head><title>Not found</title></head><body><h1>الصفحة غير موجودة</h1></body></html>"
    assert extract(html, "https://www.noon.com/x") is None


def test_a_crossed_out_price_alone_is_not_the_price():
    html = '<html><body><div class="price"><del>199 ر.س</del></div><span class="old-price">150</span></body></html>'
    assert extract(html, "https://shop.salla.sa/p1") is None
