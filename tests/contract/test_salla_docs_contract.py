"""Salla's documented example payloads are the oracle for both sides of the Salla port.

The client must read every documented product into the merchant's regular price (and leave a
running sale alone); the fake Salla must answer with the keys and types Salla's examples show.
Neither side is checked against the other here: a test that passes only because the fake and
the client agree would prove nothing. Fixtures and their sources: ``salla_docs/README.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from adapters.fake_salla import SandboxStoreSpec, create_fake_salla
from adapters.fake_salla.fake import FakeSalla
from adapters.memory.clock import FakeClock
from adapters.salla import SallaMerchantClient, parse_webhook
from adapters.salla.products import listed_regular_price, parse_product
from pricing_core.ports import PriceUpdate

DOCS = Path(__file__).parent / "salla_docs"
MERCHANT = 1234509876
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def documented(name: str) -> Any:
    return json.loads((DOCS / name).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Shapes: which keys and JSON types Salla's examples show


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


def shape_problems(
    value: object,
    examples: list[object],
    path: str = "$",
    *,
    extra_kinds: Mapping[str, set[str]] | None = None,
    optional_keys: frozenset[str] = frozenset(),
) -> list[str]:
    """How ``value`` departs from the documented ``examples`` of the same field ([] when it conforms).

    A field's JSON type must be one the examples show at that path (``extra_kinds`` adds the
    ones Salla's schema documents without an example). An object must carry every key all
    documented objects there carry (except under ``optional_keys`` paths) and no key that none
    of them has; an empty object only where an example is empty; arrays are checked item by item
    against all documented items. Paths read ``$.data[].price.amount``.
    """
    extra = extra_kinds or {}
    kinds = {_kind(e) for e in examples} | extra.get(path, set())
    kind = _kind(value)
    if kind not in kinds:
        return [f"{path}: {kind} {value!r:.60}, documented as {sorted(kinds)}"]
    if isinstance(value, Mapping):
        objects = [e for e in examples if isinstance(e, Mapping)]
        full = [e for e in objects if e]
        if not value:
            return [] if len(full) < len(objects) or not objects else [f"{path}: {{}}, documented with keys"]
        if not full:
            return [f"{path}: keys {sorted(value)}, documented only as {{}}"]
        documented_keys = set().union(*(set(e) for e in full))
        required = set.intersection(*(set(e) for e in full)) if path not in optional_keys else set()
        problems = []
        if missing := required - set(value):
            problems.append(f"{path}: missing {sorted(missing)}")
        if unknown := set(value) - documented_keys:
            problems.append(f"{path}: keys no example shows {sorted(unknown)}")
        for key in sorted(set(value) & documented_keys):
            problems += shape_problems(value[key], [e[key] for e in full if key in e], f"{path}.{key}",
                                       extra_kinds=extra, optional_keys=optional_keys)
        return problems
    if isinstance(value, list):
        items = [item for e in examples if isinstance(e, list) for item in e]
        if value and not items:
            return [f"{path}: {len(value)} items, documented only as []"]
        problems = []
        for item in value:
            problems += shape_problems(item, items, f"{path}[]", extra_kinds=extra, optional_keys=optional_keys)
        return problems
    return []


def test_the_shape_check_can_fail() -> None:
    examples: list[object] = [{"price": {"amount": 1, "currency": "SAR"}, "sale_end": {}}, {"price": {"amount": 2.5,
                              "currency": "SAR"}, "sale_end": "2025-06-23"}]
    assert shape_problems({"price": {"amount": 3, "currency": "SAR"}, "sale_end": None}, examples) == [
        "$.sale_end: null None, documented as ['object', 'string']"]
    assert shape_problems({"price": 3, "sale_end": {}, "extra": 1}, examples) == [
        "$: keys no example shows ['extra']", "$.price: number 3, documented as ['object']"]
    assert shape_problems({"sale_end": {}}, examples) == ["$: missing ['price']"]


# Salla's ProductDetails schema types ``cost_price`` as a number; its examples show strings and null.
PRODUCT_EXTRA = {"$.cost_price": {"number"}}
DOCUMENTED_PRODUCTS: list[object] = [
    *documented("list_products.json")["data"],
    documented("product_details.json")["data"],
    documented("webhook_product_created.json")["data"],
]
DOCUMENTED_PAGINATION: list[object] = [
    documented("list_products.json")["pagination"],
    documented("product_variants_list.json")["pagination"],
]
DOCUMENTED_VARIANTS: list[object] = [
    documented("variant_update_201.json")["data"],
    documented("product_variant_model_example.json"),
    *(sku for product in DOCUMENTED_PRODUCTS for sku in product["skus"]),  # type: ignore[index]
]


# ---------------------------------------------------------------------------------------------
# The client reads each documented product into the merchant's regular price


@pytest.mark.parametrize(("fixture", "index", "today", "regular", "on_sale"), [
    ("list_products.json", 0, date(2025, 6, 1), "100", False),
    ("list_products.json", 1, date(2025, 6, 1), None, True),     # price 79 is the sale price; regular 159
    ("list_products.json", 1, date(2025, 6, 24), "159", False),  # the sale ended: the merchant's price is 159
    ("product_details.json", None, date(2025, 6, 1), "100", False),
    ("list_products_light.json", 0, date(2025, 6, 1), "910.8", False),
    ("list_products_light.json", 7, date(2025, 6, 1), "319.7", False),
    ("list_products_light_format.json", 0, date(2025, 6, 1), None, True),  # prices{}: 141.45 below 250.7
    ("list_products_light_format.json", 0, date(2025, 6, 13), "250.7", False),
    ("webhook_product_created.json", None, date(2025, 6, 1), "299", False),
], ids=["tshirt", "skirt-on-sale", "skirt-after-sale", "details", "light-0", "light-7", "light-prices-on-sale",
        "light-prices-after", "product-created-event"])
def test_client_reads_documented_products(
    fixture: str, index: int | None, today: date, regular: str | None, on_sale: bool
) -> None:
    body = documented(fixture)
    raw = body["data"] if index is None else body["data"][index]
    products, rejected = parse_product(raw, today=today)
    if on_sale:
        assert products == [] and len(rejected) == 1
        assert rejected[0].reason.startswith("skipped: on sale at ")
        assert "left alone" in rejected[0].reason
    else:
        assert rejected == [] and [p.price for p in products] == [Decimal(regular or "")]


def test_the_documented_price_event_announces_the_regular_price() -> None:
    event = parse_webhook((DOCS / "webhook_product_price_updated.json").read_bytes())
    assert event.event == "product.price.updated" and event.merchant_id == "546096831"
    assert listed_regular_price(event.data) == Decimal("150.00")  # the expired sale (85) is not it


def test_documented_app_events_parse() -> None:
    for name, expected in [("webhook_app_store_authorize.json", "app.store.authorize"),
                           ("webhook_app_installed.json", "app.installed"),
                           ("webhook_app_uninstalled.json", "app.uninstalled"),
                           ("webhook_product_status_updated.json", "product.status.updated")]:
        event = parse_webhook((DOCS / name).read_bytes())
        assert event.event == expected and event.merchant_id.isdigit()


# ---------------------------------------------------------------------------------------------
# The fake answers the way Salla's examples show


@pytest.fixture
def fake() -> Iterator[FakeSalla]:
    spec = SandboxStoreSpec(name="Docs", plan="pro", products=130, merchant_id=MERCHANT, variant_share=0.3,
                            sale_share=0.3)
    salla = create_fake_salla(clock=FakeClock(NOW), stores=[spec], bulk_delay=0)
    yield salla
    salla.close()


def _get(fake: FakeSalla, path: str, **params: Any) -> Any:
    token = fake.issue_tokens(MERCHANT)["access_token"]
    with TestClient(fake.app) as http:
        return http.get(f"http://testserver/admin/v2{path}", params=params,
                        headers={"Authorization": f"Bearer {token}"})


def test_fake_full_format_pages_match_the_documented_shape(fake: FakeSalla) -> None:
    page = _get(fake, "/products", per_page=60).json()
    assert set(page) == set(documented("list_products.json"))
    problems = shape_problems(page["pagination"], DOCUMENTED_PAGINATION, "$.pagination",
                              optional_keys=frozenset({"$.pagination.links"}))
    for product in page["data"]:
        problems += shape_problems(product, DOCUMENTED_PRODUCTS, extra_kinds=PRODUCT_EXTRA)
    assert problems == []
    assert urlsplit(page["pagination"]["links"]["next"]).query == "page=2"  # as documented: no per_page
    details = _get(fake, f"/products/{page['data'][0]['id']}").json()
    assert set(details) == set(documented("product_details.json"))
    assert shape_problems(details["data"], DOCUMENTED_PRODUCTS, extra_kinds=PRODUCT_EXTRA) == []


def test_fake_light_format_matches_the_documented_shape_and_its_cursor_walks_the_catalog(fake: FakeSalla) -> None:
    documented_page = documented("list_products_light.json")
    seen: list[int] = []
    page = _get(fake, "/products", format="light", per_page=50).json()
    while True:
        assert set(page) == set(documented_page)  # cursor and filters, no pagination
        problems = [p for item in page["data"] for p in shape_problems(item, documented_page["data"])]
        assert problems == []
        seen += [item["id"] for item in page["data"]]
        if page["cursor"]["next"] is None:
            break
        assert shape_problems(page["cursor"], [documented_page["cursor"]], "$.cursor") == []
        query = dict(part.split("=", 1) for part in urlsplit(page["cursor"]["next"]).query.split("&"))
        assert query["format"] == "light" and "cursor" in query and "per_page" not in query  # as documented
        page = _get(fake, "/products", **query).json()
    assert sorted(seen) == sorted(fake.store(MERCHANT).products)


def _on_sale(fake: FakeSalla, *, with_variants: bool) -> Any:
    today = fake.today()
    return next(p for p in fake.store(MERCHANT).products.values()
                if p.running_sale(today) is not None and bool(p.variants) is with_variants
                and p.cost_price is not None and p.sale_end)


def test_fake_on_sale_product_shows_the_sale_price_as_price(fake: FakeSalla) -> None:
    product = _on_sale(fake, with_variants=True)
    served = _get(fake, f"/products/{product.id}").json()["data"]
    assert Decimal(str(served["price"]["amount"])) == product.sale_price
    assert Decimal(str(served["regular_price"]["amount"])) == product.price
    assert Decimal(str(served["sale_price"]["amount"])) == product.sale_price
    for sku in served["skus"]:  # SKUs following the product: regular_price 0, the product's sale
        variant = product.find_variant(sku["id"])
        assert variant is not None
        if not variant.own_price:
            assert sku["regular_price"]["amount"] == 0 and sku["price"] == served["price"]
            assert sku["has_special_price"] is True and sku["sale_price"]["amount"] == served["sale_price"]["amount"]
    # the client leaves it alone, and prices it from the regular price once the sale is over
    assert parse_product(served, today=fake.today())[1][0].reason.startswith("skipped: on sale at")
    assert listed_regular_price(served) == product.price.quantize(Decimal("0.01"))


def test_fake_variant_answer_and_price_event_match_the_documented_shape(fake: FakeSalla) -> None:
    product = next(p for p in fake.store(MERCHANT).products.values() if p.variants)
    variant = product.variants[0]
    token = fake.issue_tokens(MERCHANT)["access_token"]
    with TestClient(fake.app) as http:
        answer = http.put(f"http://testserver/admin/v2/products/variants/{variant.id}", json={"price": 77.5},
                          headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201 and set(answer.json()) == set(documented("variant_update_201.json"))
    assert shape_problems(answer.json()["data"], DOCUMENTED_VARIANTS) == []
    assert listed_regular_price(answer.json()["data"]) == Decimal("77.50")
    event_data = fake.price_event_data(_on_sale(fake, with_variants=False))
    documented_data = documented("webhook_product_price_updated.json")["data"]
    assert set(event_data) == set(documented_data)
    assert shape_problems(event_data, [documented_data]) == []


def test_fake_bulk_price_writes_the_regular_price_and_keeps_the_sale(fake: FakeSalla) -> None:
    product = _on_sale(fake, with_variants=False)
    sale = product.sale_price
    token = fake.issue_tokens(MERCHANT)["access_token"]
    client = SallaMerchantClient(TestClient(fake.app), api_url="http://testserver/admin/v2", sleep=lambda s: None,
                                 clock=FakeClock(NOW))
    report = client.apply_prices(token, [PriceUpdate(product_id=str(product.id), price=product.price + 10)])
    assert report.accepted == (str(product.id),) and report.confirmed == (str(product.id),)
    assert fake.prices(MERCHANT)[str(product.id)] == product.price and product.sale_price == sale
    served = _get(fake, f"/products/{product.id}").json()["data"]
    assert Decimal(str(served["price"]["amount"])) == sale  # customers still pay the sale price


@pytest.mark.parametrize(("request_args", "status", "fixture"), [
    (("post", "/products/prices/bulkPrice", {"products": [{"id": "P", "price": 12.5}]}), 201, "bulk_price_201.json"),
    (("post", "/products/prices/bulkPrice", {}), 422, "bulk_price_422_products_required.json"),
    (("put", "/products/variants/1", {"price": 1}), 404, "variant_update_404.json"),
    (("get", "/products", None), 401, "error_401_invalid_token.json"),
], ids=["bulk-201", "bulk-422", "variant-404", "401-invalid-token"])
def test_fake_answers_equal_the_documented_examples(
    fake: FakeSalla, request_args: tuple[str, str, Any], status: int, fixture: str
) -> None:
    method, path, body = request_args
    product_id = next(iter(fake.store(MERCHANT).products))
    if body is not None and body.get("products"):
        body = {"products": [{"id": product_id, "price": 12.5}]}
    token = "not-a-token" if status == 401 else fake.issue_tokens(MERCHANT)["access_token"]
    with TestClient(fake.app) as http:
        answer = http.request(method, f"http://testserver/admin/v2{path}", json=body,
                              headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == status and answer.json() == documented(fixture)


@pytest.mark.parametrize(("scope", "method", "path", "fixture"), [
    ("settings.read offline_access", "get", "/products", "list_products_401_scope.json"),
    ("products.read offline_access", "post", "/products/prices/bulkPrice", "bulk_price_401_scope.json"),
])
def test_fake_scope_refusals_equal_the_documented_examples(
    fake: FakeSalla, scope: str, method: str, path: str, fixture: str
) -> None:
    token = fake.issue_tokens(MERCHANT, scope=scope)["access_token"]
    with TestClient(fake.app) as http:
        answer = http.request(method, f"http://testserver/admin/v2{path}", json={"products": []},
                              headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401 and answer.json() == documented(fixture)
