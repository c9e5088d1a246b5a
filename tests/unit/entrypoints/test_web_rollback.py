"""Rolling a run back from the admin API and from the run page, through the HTTP fake Salla."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from pathlib import Path

import attrs
import pytest
from starlette.testclient import TestClient
from tests.support.web_harness import ADMIN_TOKEN, Harness, make_harness

from adapters.config import Config
from adapters.storage import build_storage
from entrypoints.web.i18n import LABELS
from pricing_core.activity import ActivityType
from pricing_core.decision import Action, DecisionRecord, DecisionStatus, PricingDecision, RiskLevel
from pricing_core.ports import scope_of
from pricing_core.runs import OptimizationRun, RunStatus, RunType

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
RUN = "run-7"


@attrs.define
class Seeded:
    web: Harness
    merchant_id: str
    browser: TestClient
    before: dict[str, Decimal]   # product id -> price before the run
    after: dict[str, Decimal]    # product id -> price the run set

    def path(self, run_id: str = RUN) -> str:
        return f"/stores/{self.merchant_id}/runs/{run_id}/rollback"

    def salla(self) -> dict[str, Decimal]:
        self.web.fake.flush_queued()
        prices = self.web.fake.prices(int(self.merchant_id))
        return {pid: prices[pid] for pid in self.before}


def _record(store_id: str, product_id: str, old: Decimal, new: Decimal, at: object) -> DecisionRecord:
    d = PricingDecision(
        product_id=product_id, sku=None, name=f"Item {product_id}", old_price=old, suggested_price=new,
        cost_price=None, currency="SAR", strategy="match", reference_price=new, floor_price=None,
        risk=RiskLevel.LOW, action=Action.AUTO_APPLY, change_pct=Decimal("5"), margin_pct_after=None,
        offers_considered=2, offers_used=2, explanation=("Priced with store settings.",), decided_at=at,  # type: ignore[arg-type]
        fingerprint=f"fp-{product_id}")
    return DecisionRecord(id=f"d-{product_id}", store_id=store_id, run_id=RUN, idempotency_key=f"k-{product_id}",
                          decision=d, status=DecisionStatus.APPLIED, created_at=at, updated_at=at,  # type: ignore[arg-type]
                          decided_by="optimizer")


@pytest.fixture
def seeded() -> Seeded:
    return seed(make_harness())


def seed(web: Harness) -> Seeded:
    """A connected sandbox store whose run ``run-7`` raised two prices by 5% (no cost known: raises only)."""
    mid = web.merchant_ids()[0]
    browser = web.install(mid)
    now = web.services.clock.now()
    prices = web.fake.prices(int(mid))
    with_skus = {pid.partition(":")[0] for pid in prices if ":" in pid}
    chosen = sorted(pid for pid in prices if ":" not in pid and pid not in with_skus)[:2]
    before = {pid: prices[pid] for pid in chosen}
    after = {pid: (price * Decimal("1.05")).quantize(Decimal("0.01")) for pid, price in before.items()}
    for pid, price in after.items():
        web.fake.set_price(int(mid), pid, price)
    with web.uow_factory(mid) as uow:
        scope = scope_of(uow)
        scope.runs.add(OptimizationRun(id=RUN, store_id=mid, run_type=RunType.MANUAL, status=RunStatus.COMPLETED,
                                       started_at=now, finished_at=now, products_analyzed=2, products_updated=2))
        scope.decisions.add_many([_record(mid, pid, before[pid], after[pid], now) for pid in chosen])
        uow.commit()
    return Seeded(web=web, merchant_id=mid, browser=browser, before=before, after=after)


# -- the admin API


def test_the_api_rolls_back_once_and_a_repeat_restores_nothing(seeded: Seeded) -> None:
    dry = seeded.web.client.post(seeded.path(), headers=AUTH, json={"dry_run": True})
    assert dry.status_code == 200 and dry.json()["would_restore"] == 2 and dry.json()["restored"] == 0
    assert seeded.salla() == seeded.after

    done = seeded.web.client.post(seeded.path(), headers=AUTH)
    assert done.status_code == 200, done.text
    assert done.json()["restored"] == 2 and done.json()["left"] == []
    assert seeded.salla() == seeded.before
    again = seeded.web.client.post(seeded.path(), headers=AUTH, json={})
    assert again.status_code == 200 and again.json()["restored"] == 0 and again.json()["already_restored"] == 2
    with seeded.web.uow_factory(seeded.merchant_id) as uow:
        log = scope_of(uow).activity.list(activity_type=ActivityType.PRICE_ROLLED_BACK)
    assert log[-1].metadata["by"] == "admin-api" and log[-1].metadata["restored"] == 2


def test_the_api_rollback_on_sqlite_storage(tmp_path: Path) -> None:
    factory, _locks = build_storage(Config(var_dir=tmp_path), migrate_schema=True)
    try:
        seeded = seed(make_harness(uow_factory=factory))
        changed = sorted(seeded.before)[0]
        seeded.web.fake.set_price(int(seeded.merchant_id), changed, Decimal("12.34"))
        body = seeded.web.client.post(seeded.path(), headers=AUTH).json()
        assert body["restored"] == 1 and [i["product_id"] for i in body["left"]] == [changed]
        again = seeded.web.client.post(seeded.path(), headers=AUTH).json()
        assert again["restored"] == 0 and again["already_restored"] == 1
        assert seeded.salla() == {**seeded.before, changed: Decimal("12.34")}
        with factory(seeded.merchant_id) as uow:
            history = scope_of(uow).price_history.for_product(sorted(seeded.before)[1])
        assert [p.source for p in history] == ["rollback"]
    finally:
        factory.engine.dispose()


def test_the_api_leaves_a_price_the_merchant_changed(seeded: Seeded) -> None:
    changed = sorted(seeded.before)[0]
    seeded.web.fake.set_price(int(seeded.merchant_id), changed, Decimal("12.34"))
    body = seeded.web.client.post(seeded.path(), headers=AUTH).json()
    assert body["restored"] == 1
    assert [i["product_id"] for i in body["left"]] == [changed]
    assert "changed since" in body["left"][0]["reason"]
    assert seeded.salla()[changed] == Decimal("12.34")


def test_the_api_rolls_back_one_decision(seeded: Seeded) -> None:
    one = sorted(seeded.before)[1]
    body = seeded.web.client.post(seeded.path(), headers=AUTH, json={"decision_ids": [f"d-{one}"]}).json()
    assert body["restored"] == 1 and [i["product_id"] for i in body["items"]] == [one]


@pytest.mark.parametrize("body,status", [
    (b"{", 400), (b"[]", 422), (b'{"dry_run": "yes"}', 422), (b'{"nope": 1}', 422),
    (b'{"decision_ids": []}', 422), (b'{"decision_ids": [""]}', 422), (b'{"decision_ids": null}', 422),
])
def test_the_api_refuses_a_bad_body(seeded: Seeded, body: bytes, status: int) -> None:
    response = seeded.web.client.post(seeded.path(), headers={**AUTH, "Content-Type": "application/json"},
                                      content=body)
    assert response.status_code == status and response.json()["error"] == "bad_request"
    assert seeded.salla() == seeded.after


def test_the_api_needs_the_token_and_an_existing_store_run_and_decision(seeded: Seeded) -> None:
    assert seeded.web.client.post(seeded.path()).status_code == 401
    assert seeded.web.client.post(seeded.path(), headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert seeded.web.client.post("/stores/nope/runs/run-7/rollback", headers=AUTH).status_code == 404
    assert seeded.web.client.post(seeded.path("no-such-run"), headers=AUTH).status_code == 404
    missing = seeded.web.client.post(seeded.path(), headers=AUTH, json={"decision_ids": ["d-other"]})
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert seeded.salla() == seeded.after


def test_the_openapi_document_describes_the_rollback() -> None:
    doc = make_harness().client.get("/openapi.json").json()
    operation = doc["paths"]["/stores/{store_id}/runs/{run_id}/rollback"]["post"]
    assert operation["operationId"] == "rollbackRun" and operation["security"] == [{"adminToken": []}]
    assert {"restored", "left"} <= set(doc["components"]["schemas"]["RollbackResult"]["required"])


# -- the run page


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_the_run_page_previews_and_rolls_back_after_confirmation(seeded: Seeded) -> None:
    base = f"/dashboard/stores/{seeded.merchant_id}"
    overview = seeded.browser.get(base).text
    assert f'href="{base}/runs/{RUN}"' in overview

    run_page = seeded.browser.get(f"{base}/runs/{RUN}")
    assert run_page.status_code == 200 and 'id="rollback-run"' in run_page.text
    assert run_page.text.count('data-rollback=""') == 2

    preview = seeded.browser.get(f"{base}/runs/{RUN}/rollback")
    assert preview.status_code == 200
    assert 'id="rollback-restore"' in preview.text and "Will be restored (2)" in unescape(preview.text)
    assert seeded.salla() == seeded.after  # the preview changed nothing

    refused = seeded.browser.post(f"{base}/runs/{RUN}/rollback", data={"csrf_token": "forged"})
    assert refused.status_code == 403 and seeded.salla() == seeded.after

    done = seeded.browser.post(f"{base}/runs/{RUN}/rollback", data={"csrf_token": _csrf(preview.text)})
    assert done.status_code == 200 and 'data-restored="2"' in done.text
    assert seeded.salla() == seeded.before
    after = seeded.browser.get(f"{base}/runs/{RUN}").text
    assert after.count('data-rollback="applied"') == 2 and 'id="rollback-run"' not in after


def test_one_change_from_the_run_page(seeded: Seeded) -> None:
    base = f"/dashboard/stores/{seeded.merchant_id}"
    one = sorted(seeded.before)[0]
    preview = seeded.browser.get(f"{base}/runs/{RUN}/rollback", params={"decision": f"d-{one}"}).text
    assert f'value="d-{one}"' in preview
    done = seeded.browser.post(f"{base}/runs/{RUN}/rollback",
                               data={"csrf_token": _csrf(preview), "decision_id": f"d-{one}"})
    assert 'data-restored="1"' in done.text
    assert seeded.salla() == {**seeded.after, one: seeded.before[one]}


def test_a_stranger_sees_no_run(seeded: Seeded) -> None:
    other = seeded.web.merchant_ids()[1]
    stranger = seeded.web.install(other)
    assert stranger.get(f"/dashboard/stores/{seeded.merchant_id}/runs/{RUN}").status_code == 404
    assert stranger.get(f"/dashboard/stores/{other}/runs/{RUN}").status_code == 404
    assert seeded.browser.get(f"/dashboard/stores/{seeded.merchant_id}/runs/nope").status_code == 404


def _visible(html: str) -> str:
    html = re.sub(r"<style.*?</style>|<script.*?</script>", " ", html, flags=re.S)
    html = re.sub(r'<(td|li|div)[^>]*lang="en"[^>]*>.*?</\1>', " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("suffix", ["", "/rollback"])
def test_the_run_pages_read_in_arabic(seeded: Seeded, suffix: str) -> None:
    seeded.browser.get("/lang/ar")
    page = seeded.browser.get(f"/dashboard/stores/{seeded.merchant_id}/runs/{RUN}{suffix}")
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    with seeded.web.uow_factory(seeded.merchant_id) as uow:
        store = uow.stores.get(seeded.merchant_id)
    text = _visible(page.text).replace("Item ", " ").replace(store.store_name if store else "\0", " ")
    english = {e["en"] for e in LABELS.values() if e.get("ar") and e["ar"] != e["en"]}
    found = sorted(p for p in english if "{" not in p and len(p) > 2 and p != "English"
                   and re.search(rf"(?<![A-Za-z]){re.escape(p)}(?![A-Za-z])", text))
    assert found == [], found
    assert "سيُستعاد" in page.text or "ما غيّره هذا التشغيل" in page.text


def test_every_rollback_sentence_reads_in_arabic() -> None:
    from datetime import UTC, datetime

    from entrypoints.web.explanations import explain_line
    from pricing_core.catalog import PricePoint, Product
    from pricing_core.overrides import ProductOverride
    from pricing_core.rollback import judge_restore, restore_guard_breaks, restore_record
    from pricing_core.settings import TenantSettings

    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    record = attrs.evolve(_record("1", "p", Decimal("100.00"), Decimal("110.00"), now), run_id="run12")
    product = Product(id="p", price="110.00", cost_price="95")
    settings = TenantSettings(max_price=Decimal("99"), direction_lock="up_only")
    override = ProductOverride(product_id="p", excluded=True, fixed_price="120", map_price="101", min_price="105")
    breaks = restore_guard_breaks(Decimal("100.00"), product, settings, override)
    no_cost = restore_guard_breaks(Decimal("100.00"), Product(id="p", price="110.00"), TenantSettings(), None)
    assert len(breaks) == 7 and len(no_cost) == 1
    lines = [*restore_record(record, product, settings=settings, override=override, guard_breaks=breaks,
                             by="merchant", now=now).decision.explanation,
             *restore_record(record, product, settings=TenantSettings(), override=None, guard_breaks=(),
                             by="admin-api", now=now).decision.explanation, *no_cost]
    for current, later, confirm in ((None, None, False), (Product(id="p", price="100"), None, False),
                                    (Product(id="p", price="90"), None, False),
                                    (product, PricePoint(product_id="p", price="110", changed_at=now), False),
                                    (product, None, False)):
        judged = judge_restore(record, current, settings=settings, override=override, later_change=later,
                               confirm_guard_breaks=confirm)
        lines.append(judged.reason or "")
    lines += [f"not restored: {lines[-2]}", "not restored for now: Salla answered 503; roll back again to retry"]
    for line in lines:
        text, translated = explain_line(line, "ar")
        assert translated, line
        assert set(re.findall(r"[A-Za-z]{2,}", text)) <= {"UTC", "run"}, (line, text)
