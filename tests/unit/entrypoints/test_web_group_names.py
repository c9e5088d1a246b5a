"""Category and brand names (as Salla gives them) in the catalog filters, the product page and the rules
editor, in English and Arabic; the id where Salla gave no name."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from tests.support.web_harness import Harness, make_harness

from pricing_core.catalog import Product

PRODUCTS = [
    Product(id="p1", name="Oud", price=Decimal("100"), categories=("1032561074", "8"), brand="259940351",
            category_names=(("1032561074", "الفساتين"),), brand_name="Luis Viton"),
    Product(id="p2", name="Dates", price=Decimal("50"), categories=("8",), brand="77"),
]


@pytest.fixture
def store() -> tuple[Harness, str, object]:
    web = make_harness()
    mine = web.merchant_ids()[0]
    browser = web.install(mine)
    with web.uow_factory(mine) as uow:
        assert uow.store is not None
        uow.store.products.upsert_many(PRODUCTS, seen_at=web.services.clock.now())
        uow.commit()
    return web, mine, browser


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_names_in_the_catalog_filters_the_rules_editor_and_the_product_page(store, lang: str) -> None:  # type: ignore[no-untyped-def]
    _web, mine, browser = store
    browser.get(f"/lang/{lang}")
    base = f"/dashboard/stores/{mine}"
    for page in (browser.get(f"{base}/catalog").text, browser.get(f"{base}/rules").text):
        assert re.search(r'<option value="1032561074"[^>]*>الفساتين</option>', page)
        assert re.search(r'<option value="259940351"[^>]*>Luis Viton</option>', page)
        assert re.search(r'<option value="8"[^>]*>8</option>', page)  # no name from Salla: the id
        assert re.search(r'<option value="77"[^>]*>77</option>', page)
    product = browser.get(f"{base}/products/p1").text.split('id="product-groups"')[1].split("</p>")[0]
    assert "الفساتين" in product and "Luis Viton" in product and "1032561074" not in product
    filtered = browser.get(f"{base}/catalog?category=1032561074").text
    assert "Oud" in filtered and "Dates" not in filtered  # the filter still works by id
