"""Approvals at scale: pages instead of a silent cap, filters, sort by impact, select all matching with a
count confirmation, and one run for repeated "Run now" clicks; CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import attrs
import pytest
from tests.support.web_harness import make_harness

from pricing_core.commands import ApplyDecisions, SweepStoreNow
from pricing_core.decision import DecisionRecord, DecisionStatus, RiskLevel

P = DecisionStatus.PENDING


@pytest.fixture
def crowded():  # type: ignore[no-untyped-def]
    """A store with 130 pending decisions: 120 medium 10% cuts of 100.00, and 10 high 30% cuts of 1,000.00."""
    web = make_harness()
    store_id = web.merchant_ids()[0]
    browser = web.install(store_id)
    web.add_decisions(store_id, *[(f"d{i:03}", P) for i in range(120)])
    with web.uow_factory(store_id) as uow:
        assert uow.store is not None
        now = web.services.clock.now()
        base = uow.store.decisions.get("d000")
        assert base is not None
        big = []
        for i in range(10):
            d = attrs.evolve(base.decision, product_id=f"p-big{i}", name=f"Big {i}", old_price=Decimal("1000.00"),
                             suggested_price=Decimal("700.00"), change_pct=Decimal("-30"), risk=RiskLevel.HIGH,
                             fingerprint=f"fp-big{i}")
            big.append(DecisionRecord(id=f"big{i}", store_id=store_id, run_id="run-1", idempotency_key=f"k-big{i}",
                                      decision=d, status=P, created_at=now, updated_at=now))
        uow.store.decisions.add_many(big)
        uow.commit()
    web.queue.commands.clear()
    return web, store_id, browser


def ids_on(page_text: str) -> list[str]:
    return [chunk.split('"', 1)[0] for chunk in page_text.split('data-decision-id="')[1:]]


def test_every_pending_decision_is_reachable_page_by_page(crowded) -> None:
    _web, store_id, browser = crowded
    seen: list[str] = []
    for number in (1, 2, 3):
        page = browser.get(f"/dashboard/stores/{store_id}/approvals", params={"page": number})
        assert "(130)" in page.text
        seen += ids_on(page.text)
    assert len(seen) == 130 and len(set(seen)) == 130
    assert ids_on(browser.get(f"/dashboard/stores/{store_id}/approvals", params={"page": 99}).text) == seen[-30:]


def test_sorted_by_impact_and_filtered_by_risk_and_size(crowded) -> None:
    _web, store_id, browser = crowded
    first = ids_on(browser.get(f"/dashboard/stores/{store_id}/approvals").text)[:10]
    assert sorted(first) == [f"big{i}" for i in range(10)]  # a 300.00 move outranks a 10.00 one
    high = browser.get(f"/dashboard/stores/{store_id}/approvals", params={"risk": "high"})
    assert "(10)" in high.text and len(ids_on(high.text)) == 10
    small = browser.get(f"/dashboard/stores/{store_id}/approvals", params={"size": "medium"})
    assert "(120)" in small.text and not any(i.startswith("big") for i in ids_on(small.text))


def test_select_all_matching_asks_with_the_count_then_approves_every_page(crowded) -> None:
    web, store_id, browser = crowded
    token = web.csrf(browser, f"/dashboard/stores/{store_id}/approvals")
    form = {"csrf_token": token, "action": "approve", "scope": "all", "size": "medium"}
    confirm = browser.post(f"/dashboard/stores/{store_id}/decisions/review", data=form)
    assert confirm.status_code == 200 and "Approve 120 price changes?" in confirm.text
    assert web.status_of(store_id, "d119") is P and web.queue.of(ApplyDecisions) == []
    done = browser.post(f"/dashboard/stores/{store_id}/decisions/review", data={**form, "confirmed": "yes"})
    assert "120 change(s) approved." in done.text
    assert all(web.status_of(store_id, f"d{i:03}") is DecisionStatus.APPROVED for i in range(120))
    assert all(web.status_of(store_id, f"big{i}") is P for i in range(10))  # outside the filter


def test_repeated_run_now_clicks_start_one_run(crowded) -> None:
    web, store_id, browser = crowded
    token = web.csrf(browser, f"/dashboard/stores/{store_id}")
    for _ in range(3):
        browser.post(f"/dashboard/stores/{store_id}/run", data={"csrf_token": token})
    assert web.queue.of(SweepStoreNow) == [SweepStoreNow(store_id=store_id)]
    web.services.clock.advance(timedelta(minutes=2))
    page = browser.post(f"/dashboard/stores/{store_id}/run", data={"csrf_token": token})
    assert "A run was queued" in page.text and len(web.queue.of(SweepStoreNow)) == 2


def test_csv_exports_carry_a_bom_and_follow_the_filter(crowded) -> None:
    _web, store_id, browser = crowded
    browser.get("/lang/ar")
    answer = browser.get(f"/dashboard/stores/{store_id}/decisions.csv", params={"status": "pending"})
    assert answer.headers["content-type"].startswith("text/csv") and answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert len(rows) == 131 and rows[0][0] == "الوقت" and rows[1][10] == "بانتظار الموافقة"
    catalog = browser.get(f"/dashboard/stores/{store_id}/catalog.csv", params={"q": "nothing matches this"})
    assert catalog.content.startswith(b"\xef\xbb\xbf")
    assert len(list(csv.reader(io.StringIO(catalog.content.decode("utf-8-sig"))))) == 1  # the header only


def test_catalog_lists_every_product_with_its_market_position_and_filters(crowded) -> None:
    from pricing_core.catalog import CompetitorOffer, Product

    web, store_id, browser = crowded
    now = web.services.clock.now()
    products = [Product(id=f"c{i:03}", sku=f"SKU-C{i:03}", name=f"Item {i:03}", price="100.00",
                        cost_price="40.00" if i % 2 else None, categories=(f"cat{i % 3}",),
                        brand="b7" if i < 10 else None) for i in range(60)]
    with web.uow_factory(store_id) as uow:
        assert uow.store is not None
        uow.store.products.upsert_many(products, seen_at=now)
        uow.store.offers.add_many({
            "c000": [CompetitorOffer(competitor="Noon", price="90.00", observed_at=now)],
            "c001": [CompetitorOffer(competitor="Noon", price="120.00", observed_at=now),
                     CompetitorOffer(competitor="Amazon", price="100.00", observed_at=now, in_stock=False)],
            "c002": [CompetitorOffer(competitor="Noon", price="100.00", observed_at=now)],
        })
        uow.commit()
    base = f"/dashboard/stores/{store_id}/catalog"
    first, second = browser.get(base), browser.get(base, params={"page": 2})
    assert "(60)" in first.text
    listed = [c.split('"', 1)[0] for page in (first, second) for c in page.text.split('data-product-id="')[1:]]
    assert sorted(listed) == [p.id for p in products]
    above = browser.get(base, params={"position": "above"}).text
    assert above.count('data-product-id="') == 1 and 'data-product-id="c000"' in above and "Noon" in above
    cheapest = browser.get(base, params={"position": "cheapest"}).text  # the out-of-stock 100.00 is not a rival
    assert cheapest.count('data-product-id="') == 1 and 'data-product-id="c001"' in cheapest
    assert 'data-product-id="c002"' in browser.get(base, params={"position": "matched"}).text
    found = browser.get(base, params={"q": "sku-c017"}).text
    assert found.count('data-product-id="') == 1 and "54.00%" in found  # (100/1.15 - 40) / (100/1.15)
    no_cost = browser.get(base, params={"cost": "no"}).text
    assert "(30)" in no_cost
    assert '<option value="cat2"' in first.text and '<option value="b7"' in first.text
    assert "(20)" in browser.get(base, params={"category": "cat1"}).text
    assert "(3)" in browser.get(base, params={"category": "cat1", "brand": "b7"}).text  # 1, 4 and 7
    exported = browser.get(f"{base}.csv", params={"brand": "b7"}).content.decode("utf-8-sig")
    assert len(exported.strip().splitlines()) == 11  # what is filtered is what is exported


def test_a_products_price_history_exports_as_csv_in_the_merchants_language(crowded) -> None:
    from pricing_core.catalog import PricePoint, Product

    web, store_id, browser = crowded
    now = web.services.clock.now()
    with web.uow_factory(store_id) as uow:
        assert uow.store is not None
        uow.store.products.upsert_many([Product(id="h1", sku="SKU-H1", name="عود", price="95.00")], seen_at=now)
        uow.store.price_history.add_many([
            PricePoint(product_id="h1", price="100.00", changed_at=now - timedelta(days=2), source="optimizer"),
            PricePoint(product_id="h1", price="95.00", changed_at=now - timedelta(days=1), source="rollback"),
        ])
        uow.commit()
    page = browser.get(f"/dashboard/stores/{store_id}/products/h1").text
    assert f'href="/dashboard/stores/{store_id}/products/h1/history.csv"' in page
    browser.get("/lang/ar")
    answer = browser.get(f"/dashboard/stores/{store_id}/products/h1/history.csv")
    assert answer.headers["content-type"].startswith("text/csv") and answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][0] == "الوقت" and [r[4] for r in rows[1:]] == ["95.00", "100.00"]  # newest first
    assert rows[1][1:4] == ["h1", "SKU-H1", "عود"] and rows[1][5] == "SAR"
    assert rows[1][0].endswith("+03:00")  # the store's time zone
    assert [r[6] for r in rows[1:]] == ["أُعيد بالتراجع", "تغيير سعر بواسطة التطبيق"]
    assert browser.get(f"/dashboard/stores/{store_id}/products/nope/history.csv").status_code == 404
