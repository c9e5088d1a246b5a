"""The merchant dashboard and the operator view: pages, actions, isolation between stores, CSRF."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from tests.support.web_harness import ADMIN_TOKEN, Harness, make_harness

from pricing_core import CompetitorOffer, PricingDecision, ProductOverride, TenantSettings, price_product
from pricing_core.activity import ActivityType
from pricing_core.catalog import PricePoint, Product
from pricing_core.commands import ApplyDecisions, SweepStoreNow
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.event_time import SALLA_TZ
from pricing_core.runs import OptimizationRun, RunStatus, RunType
from pricing_core.sales import DailySales
from pricing_core.settings import AutomationMode

P, A = DecisionStatus.PENDING, DecisionStatus.APPLIED


@pytest.fixture
def web() -> Harness:
    return make_harness()


@pytest.fixture
def two_stores(web: Harness):
    """Two installed stores, each with pending decisions; returns (web, mine, theirs, my browser)."""
    mine, theirs = web.merchant_ids()[:2]
    browser = web.install(mine)
    web.install(theirs)
    web.add_decisions(mine, ("m1", P), ("m2", P), ("m3", A))
    web.add_decisions(theirs, ("t1", P))
    web.queue.commands.clear()
    return web, mine, theirs, browser


PAGES = ["", "/approvals", "/decisions", "/activity", "/settings", "/products/p-t1", "/costs", "/costs.csv", "/rules",
         "/unpriceable"]
ACTIONS = ["/run", "/settings", "/decisions/review", "/decisions/t1/approve", "/decisions/t1/reject", "/costs",
           "/rules"]


def test_landing_offers_the_sandbox_install_in_the_embedded_default() -> None:
    web = make_harness(sandbox=True)
    page = web.client.get("/")
    assert page.status_code == 200 and "Install on a sandbox store" in page.text
    assert 'href="/oauth/authorize"' in page.text
    assert "sandbox" not in make_harness().client.get("/").text.lower().split("<main>")[1]


def test_merchant_pages_render(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    with web.uow_factory(mine) as uow:
        assert uow.store is not None
        now = web.services.clock.now()
        uow.store.products.upsert_many([Product(id="p-m1", name="Oud", price="100.00")], seen_at=now)
        uow.store.price_history.add_many([PricePoint(product_id="p-m1", price="95.00",
                                                     changed_at=web.services.clock.now())])
        uow.commit()
    base = f"/dashboard/stores/{mine}"
    overview = browser.get(base)
    assert overview.status_code == 200 and "Token valid" in overview.text and "semi-auto" in overview.text
    approvals = browser.get(base + "/approvals")
    assert approvals.text.count('name="decision_id"') == 2
    for text in ("100.00", "90.00", "-10.00%", "36.11%", "medium", "reference: lowest 90.00"):
        assert text in approvals.text
    assert browser.get(base + "/decisions").text.count("data-decision-id") == 3
    product = browser.get(base + "/products/p-m1")
    assert product.status_code == 200 and "95.00" in product.text and "Oud" in product.text
    assert browser.get(base + "/products/unknown").status_code == 404
    activity = browser.get(base + "/activity", params={"type": "tokens_authorized"})
    assert "activity-tokens_authorized" in activity.text and "activity-store_onboarded" not in activity.text
    assert 'name="min_profit_margin"' in browser.get(base + "/settings").text


@pytest.mark.parametrize("suffix", PAGES)
def test_another_stores_pages_are_404(two_stores, suffix: str) -> None:
    _web, _mine, theirs, browser = two_stores
    assert browser.get(f"/dashboard/stores/{theirs}{suffix}").status_code == 404
    assert browser.get(f"/dashboard/stores/999{suffix}").status_code == 404


@pytest.mark.parametrize("suffix", ACTIONS)
def test_another_stores_actions_are_404_and_change_nothing(two_stores, suffix: str) -> None:
    web, mine, theirs, browser = two_stores
    token = web.csrf(browser, f"/dashboard/stores/{mine}")
    response = browser.post(f"/dashboard/stores/{theirs}{suffix}",
                            data={"csrf_token": token, "decision_id": "t1", "action": "approve",
                                  "automation_mode": "manual"})
    assert response.status_code == 404
    assert web.status_of(theirs, "t1") is P and web.queue.commands == []
    with web.uow_factory(theirs) as uow:
        assert uow.store is not None and uow.store.settings.get().automation_mode is AutomationMode.SEMI_AUTO


def test_my_own_store_cannot_act_on_another_stores_decision(two_stores) -> None:
    web, mine, theirs, browser = two_stores
    token = web.csrf(browser, f"/dashboard/stores/{mine}")
    response = browser.post(f"/dashboard/stores/{mine}/decisions/t1/approve", data={"csrf_token": token})
    assert response.status_code == 404 and web.status_of(theirs, "t1") is P
    bulk = browser.post(f"/dashboard/stores/{mine}/decisions/review",
                        data={"csrf_token": token, "decision_id": ["m1", "t1"], "action": "approve"})
    assert bulk.status_code == 404 and web.status_of(mine, "m1") is P


def test_anonymous_visitors_see_no_store(two_stores) -> None:
    web, mine, _theirs, _browser = two_stores
    anonymous = web.new_client()
    # No session (lost, expired, never signed in): a sign-in page, the same for every store id.
    for store_id in (mine, "999"):
        page = anonymous.get(f"/dashboard/stores/{store_id}")
        assert page.status_code == 401 and 'id="sign-in-salla"' in page.text and 'href="/oauth/authorize"' in page.text
    assert anonymous.post(f"/dashboard/stores/{mine}/run", data={"csrf_token": "x"}).status_code == 401
    assert web.queue.commands == []
    assert anonymous.get("/dashboard", follow_redirects=False).headers["location"] == "/"


@pytest.mark.parametrize("suffix", [*ACTIONS[:3], "/decisions/m1/approve"])
@pytest.mark.parametrize("token", [None, "forged"])
def test_state_changing_forms_need_the_csrf_token(two_stores, suffix: str, token) -> None:
    web, mine, _theirs, browser = two_stores
    data = {"decision_id": "m1", "action": "approve", "automation_mode": "manual"}
    if token:
        data["csrf_token"] = token
    response = browser.post(f"/dashboard/stores/{mine}{suffix}", data=data)
    assert response.status_code == 403
    assert web.status_of(mine, "m1") is P and web.queue.commands == []
    with web.uow_factory(mine) as uow:
        assert uow.store is not None and uow.store.settings.get().automation_mode is AutomationMode.SEMI_AUTO


def test_approve_and_reject_per_row(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    token = web.csrf(browser, f"/dashboard/stores/{mine}/approvals")
    done = browser.post(f"/dashboard/stores/{mine}/decisions/m1/approve", data={"csrf_token": token},
                        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("/approvals")
    assert web.status_of(mine, "m1") is DecisionStatus.APPROVED
    assert web.queue.of(ApplyDecisions) == [ApplyDecisions(store_id=mine, decision_ids=("m1",))]
    browser.post(f"/dashboard/stores/{mine}/decisions/m2/reject", data={"csrf_token": token})
    assert web.status_of(mine, "m2") is DecisionStatus.REJECTED
    # Approving an applied decision is refused with a message, not an error page.
    again = browser.post(f"/dashboard/stores/{mine}/decisions/m3/approve", data={"csrf_token": token})
    assert again.status_code == 200 and "no longer waiting for approval" in again.text
    assert browser.post(f"/dashboard/stores/{mine}/decisions/m1/delete",
                        data={"csrf_token": token}).status_code == 404


def test_bulk_approve(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    token = web.csrf(browser, f"/dashboard/stores/{mine}/approvals")
    page = browser.post(f"/dashboard/stores/{mine}/decisions/review",
                        data={"csrf_token": token, "decision_id": ["m1", "m2", "m3"], "action": "approve"})
    # First a confirmation naming the count; nothing moves yet.
    assert 'id="confirm-bulk"' in page.text and "Approve 3 price changes?" in page.text
    assert web.status_of(mine, "m1") is P and web.queue.of(ApplyDecisions) == []
    page = browser.post(f"/dashboard/stores/{mine}/decisions/review",
                        data={"csrf_token": token, "decision_id": ["m1", "m2", "m3"], "action": "approve",
                              "confirmed": "yes"})
    assert "2 change(s) approved." in page.text and "1 skipped" in page.text
    assert web.queue.of(ApplyDecisions) == [ApplyDecisions(store_id=mine, decision_ids=("m1", "m2"))]
    assert "Nothing waits for your approval" in browser.get(f"/dashboard/stores/{mine}/approvals").text


def test_bulk_needs_a_selection_and_a_known_action(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    token = web.csrf(browser, f"/dashboard/stores/{mine}/approvals")
    page = browser.post(f"/dashboard/stores/{mine}/decisions/review", data={"csrf_token": token, "action": "approve"})
    assert "Select at least one change" in page.text
    bad = browser.post(f"/dashboard/stores/{mine}/decisions/review",
                       data={"csrf_token": token, "decision_id": "m1", "action": "delete"})
    assert bad.status_code == 400 and web.status_of(mine, "m1") is P


def test_run_now_queues_a_manual_sweep(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    token = web.csrf(browser, f"/dashboard/stores/{mine}")
    page = browser.post(f"/dashboard/stores/{mine}/run", data={"csrf_token": token})
    assert page.status_code == 200 and "A run was queued" in page.text
    assert web.queue.of(SweepStoreNow) == [SweepStoreNow(store_id=mine)]


def test_settings_form_saves_valid_values(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    token = web.csrf(browser, f"/dashboard/stores/{mine}/settings")
    page = browser.post(f"/dashboard/stores/{mine}/settings",
                        data={"csrf_token": token, "automation_mode": "manual", "min_profit_margin": "22.5",
                              "max_price": "", "own_store_names": "My Store, Branch"})
    assert page.status_code == 200 and "Settings saved" in page.text
    with web.uow_factory(mine) as uow:
        assert uow.store is not None
        settings = uow.store.settings.get()
        assert settings.automation_mode is AutomationMode.MANUAL and str(settings.min_profit_margin) == "22.5"
        assert settings.own_store_names == ("My Store", "Branch")
        assert uow.store.activity.list(activity_type=ActivityType.SETTINGS_UPDATED)


def test_an_empty_optional_field_of_the_form_is_no_change_and_replaces_no_decision(two_stores) -> None:
    """The form posts every field; an empty ``reference_competitor`` (a ``Name | None``) is "none", as
    stored, so saving a non-pricing change leaves the decisions waiting for approval alone."""
    web, mine, _theirs, browser = two_stores
    with web.uow_factory(mine) as uow:
        waiting = {r.id for r in uow.store.decisions.list(status=DecisionStatus.PENDING)}
    assert waiting
    token = web.csrf(browser, f"/dashboard/stores/{mine}/settings")
    page = browser.post(f"/dashboard/stores/{mine}/settings",
                        data={"csrf_token": token, "update_frequency_hours": "12", "reference_competitor": ""})
    assert page.status_code == 200 and "Settings saved" in page.text
    with web.uow_factory(mine) as uow:
        assert uow.store.settings.get().reference_competitor is None
        assert {r.id for r in uow.store.decisions.list(status=DecisionStatus.PENDING)} == waiting
        [entry] = uow.store.activity.list(activity_type=ActivityType.SETTINGS_UPDATED)
    assert entry.description == "Settings updated by merchant (dashboard): update_frequency_hours"


def test_settings_form_handles_competitor_scope_weights_and_shipping(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    token = web.csrf(browser, f"/dashboard/stores/{mine}/settings")
    page = browser.post(f"/dashboard/stores/{mine}/settings",
                        data={"csrf_token": token, "include_shipping": "true", "competitors_exclude": "jarir",
                              "competitor_weights": "noon=2, amazon.sa=1.5"})
    assert page.status_code == 200 and "Settings saved" in page.text
    with web.uow_factory(mine) as uow:
        assert uow.store is not None
        settings = uow.store.settings.get()
    assert settings.include_shipping and settings.competitors_exclude == ("jarir",)
    assert settings.competitor_weights == {"noon": Decimal("2"), "amazon.sa": Decimal("1.5")}
    form = browser.get(f"/dashboard/stores/{mine}/settings").text
    assert 'value="noon=2, amazon.sa=1.5"' in form and '<option value="true" selected' in form
    bad = browser.post(f"/dashboard/stores/{mine}/settings",
                       data={"csrf_token": token, "competitor_weights": "noon"})
    assert bad.status_code == 400 and 'id="e-competitor_weights"' in bad.text


def test_settings_form_shows_errors_inline_and_saves_nothing(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    token = web.csrf(browser, f"/dashboard/stores/{mine}/settings")
    page = browser.post(f"/dashboard/stores/{mine}/settings",
                        data={"csrf_token": token, "min_profit_margin": "120", "automation_mode": "manual",
                              "update_frequency_hours": "0"})
    assert page.status_code == 400
    assert 'id="e-min_profit_margin"' in page.text and "from 0 up to (not including) 95%" in page.text
    assert "Value error" not in page.text
    assert 'id="e-update_frequency_hours"' in page.text
    assert 'value="120"' in page.text  # what the merchant typed stays in the form
    with web.uow_factory(mine) as uow:
        assert uow.store is not None and uow.store.settings.get().automation_mode is AutomationMode.SEMI_AUTO


def test_model_level_settings_errors_are_shown(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    token = web.csrf(browser, f"/dashboard/stores/{mine}/settings")
    page = browser.post(f"/dashboard/stores/{mine}/settings",
                        data={"csrf_token": token, "min_price": "50", "max_price": "10"})
    assert page.status_code == 400 and "min_price must not exceed" not in page.text
    error = page.text.split('id="e-min_price"', 1)[1].split("</div>", 1)[0]
    assert "The lowest price must not be above the highest price." in error


def test_arabic_pages_render_right_to_left(two_stores) -> None:
    _web, mine, _theirs, browser = two_stores
    switched = browser.get(f"/lang/ar?next=/dashboard/stores/{mine}", follow_redirects=False)
    assert switched.headers["location"] == f"/dashboard/stores/{mine}"
    page = browser.get(f"/dashboard/stores/{mine}")
    assert 'dir="rtl"' in page.text and 'lang="ar"' in page.text and "شغّل الآن" in page.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_language_switch_is_not_an_open_redirect(web: Harness, target: str) -> None:
    response = web.client.get("/lang/ar", params={"next": target}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_logout_needs_csrf_and_ends_the_session(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    assert browser.post("/logout", data={}).status_code == 403
    token = web.csrf(browser, f"/dashboard/stores/{mine}")
    browser.post("/logout", data={"csrf_token": token})
    assert browser.get(f"/dashboard/stores/{mine}").status_code == 401


def test_operator_login_and_view(two_stores) -> None:
    web, mine, theirs, _browser = two_stores
    operator = web.new_client()
    assert operator.get("/operator", follow_redirects=False).headers["location"] == "/operator/login"
    token = web.csrf(operator, "/operator/login")
    wrong = operator.post("/operator/login", data={"csrf_token": token, "token": "nope"})
    assert wrong.status_code == 401
    assert operator.post("/operator/login", data={"token": ADMIN_TOKEN}).status_code == 403  # no CSRF
    page = operator.post("/operator/login", data={"csrf_token": token, "token": ADMIN_TOKEN})
    assert page.status_code == 200
    for text in (mine, theirs, "total stores", "healthy tokens", "Recent system actions", "Failed runs",
                 "Queue depth"):
        assert text in page.text
    # An operator may open and act on every store.
    assert operator.get(f"/dashboard/stores/{theirs}/approvals").status_code == 200
    csrf = web.csrf(operator, f"/dashboard/stores/{theirs}/approvals")
    operator.post(f"/dashboard/stores/{theirs}/decisions/t1/approve", data={"csrf_token": csrf})
    assert web.status_of(theirs, "t1") is DecisionStatus.APPROVED


def test_operator_view_accepts_the_bearer_token(two_stores) -> None:
    web = two_stores[0]
    page = web.new_client().get("/operator", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert page.status_code == 200 and "Queue depth" in page.text


def test_operator_login_disabled_without_admin_token() -> None:
    web = make_harness(admin_token=None)
    client = web.new_client()
    token = web.csrf(client, "/operator/login")
    page = client.post("/operator/login", data={"csrf_token": token, "token": ""})
    assert page.status_code == 401 and "ADMIN_API_TOKEN" in page.text


def _catalog(web: Harness, store_id: str) -> None:
    with web.uow_factory(store_id) as uow:
        assert uow.store is not None
        uow.store.products.upsert_many([Product(id="p1", sku="عطر-1", price=Decimal("100")),
                                        Product(id="p2", sku="B-2", price=Decimal("50"), cost_price=Decimal("20"))],
                                       seen_at=web.services.clock.now())
        uow.commit()


def _overrides(web: Harness, store_id: str) -> dict:
    with web.uow_factory(store_id) as uow:
        assert uow.store is not None
        return {o.product_id: o for o in uow.store.overrides.list()}


def test_cost_upload_shows_bad_lines_then_previews_and_applies_a_fixed_file(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    _catalog(web, mine)
    base = f"/dashboard/stores/{mine}/costs"
    token = web.csrf(browser, base)
    bad = "\ufeffsku;cost_price\nعطر-1;٣٥٫٥\nNOPE;40\n".encode()
    page = browser.post(base, data={"csrf_token": token, "action": "preview"},
                        files={"sheet": ("costs.csv", bad, "text/csv")})
    assert page.status_code == 400 and 'id="line-errors"' in page.text
    assert "no product with SKU &#39;NOPE&#39;" in page.text and 'id="apply-form"' not in page.text
    good = "\ufeffsku;cost_price\nعطر-1;٣٥٫٥\nB-2;20\n".encode()
    page = browser.post(base, data={"csrf_token": token, "action": "preview"},
                        files={"sheet": ("costs.csv", good, "text/csv")})
    assert page.status_code == 200 and "Would change (2)" in page.text and "cost price 35.5" in page.text
    assert _overrides(web, mine) == {}  # a preview changes nothing
    sheet_text = re.search(r'name="sheet_text" value="([^"]+)"', page.text).group(1)
    done = browser.post(base, data={"csrf_token": token, "action": "apply", "sheet_text": sheet_text})
    assert done.status_code == 200 and 'id="applied"' in done.text
    assert _overrides(web, mine)["p1"].cost_price == Decimal("35.5")
    csv_text = browser.get(f"{base}.csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("product_id;sku;name") and "p1;عطر-1;;;35.5" in csv_text


def test_cost_upload_problems_are_shown(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    base = f"/dashboard/stores/{mine}/costs"
    token = web.csrf(browser, base)
    missing = browser.post(base, data={"csrf_token": token, "action": "preview"})
    assert missing.status_code == 400 and "Choose a CSV file" in missing.text
    headerless = browser.post(base, data={"csrf_token": token, "action": "preview"},
                              files={"sheet": ("x.csv", b"name;other\nx;y\n", "text/csv")})
    assert headerless.status_code == 400 and "product_id or a sku column" in headerless.text
    lost = browser.post(base, data={"csrf_token": token, "action": "apply", "sheet_text": "%%%"})
    assert lost.status_code == 400 and "upload it again" in lost.text


def test_rule_editor_previews_saves_and_deletes_a_category_rule(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    with web.uow_factory(mine) as uow:
        assert uow.store is not None
        uow.store.products.upsert_many([
            Product(id="p1", name="Oud", price=Decimal("100"), cost_price=Decimal("60"), categories=("7",), brand="9"),
            Product(id="p2", name="Dates", price=Decimal("100"), cost_price=Decimal("60"), categories=("8",)),
        ], seen_at=web.services.clock.now())
        uow.commit()
    base = f"/dashboard/stores/{mine}/rules"
    form = browser.get(base).text
    assert '<option value="7"' in form and '<option value="8"' in form and '<option value="9"' in form
    token = web.csrf(browser, base)
    rule = {"csrf_token": token, "name": "Oud margin", "priority": "3", "categories": ["7"],
            "s_min_profit_margin": "45"}
    preview = browser.post(base, data={**rule, "action": "preview"})
    assert preview.status_code == 200 and "Preview: 1 product(s) match" in preview.text
    assert "Priced with rule &#39;Oud margin&#39; (priority 3)." in preview.text and "Dates" not in preview.text
    row = preview.text.split('id="preview"')[1]
    assert "auto_apply" not in row and "needs_approval" not in row and "no_change" not in row  # words, not codes
    assert "SAR" in row
    with web.uow_factory(mine) as uow:
        assert uow.store is not None and uow.store.rules.list() == []  # a preview saves nothing
    saved = browser.post(base, data={**rule, "action": "save"})
    assert saved.status_code == 200 and "Oud margin" in saved.text
    with web.uow_factory(mine) as uow:
        assert uow.store is not None
        (stored,) = uow.store.rules.list()
    assert stored.match.categories == ("7",) and dict(stored.settings) == {"min_profit_margin": "45"}
    again = browser.post(base, data={**rule, "action": "save"})
    assert again.status_code == 400 and "exists" in again.text
    bad = browser.post(base, data={**rule, "name": "x", "s_min_profit_margin": "120", "action": "save"})
    assert bad.status_code == 400 and "settings.min_profit_margin" in bad.text
    gone = browser.post(base, data={"csrf_token": token, "action": "delete", "delete": "Oud margin"})
    assert gone.status_code == 200
    with web.uow_factory(mine) as uow:
        assert uow.store is not None and uow.store.rules.list() == []


def test_unpriceable_products_are_listed_with_reason_and_fix(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    now = web.services.clock.now()
    offers = [CompetitorOffer(competitor="noon", price=Decimal("95"), observed_at=now - timedelta(hours=1)),
              CompetitorOffer(competitor="amazon", price=Decimal("95"), observed_at=now - timedelta(hours=1))]
    settings = TenantSettings()
    decided = [
        price_product(Product(id="nocost", name="No cost", price=Decimal("100")), offers, settings, now=now),
        price_product(Product(id="alone", name="Alone", price=Decimal("100"), cost_price=Decimal("50")), [],
                      settings, now=now),
        price_product(Product(id="out", name="Excluded", price=Decimal("100")), offers, settings, now=now,
                      override=ProductOverride(product_id="out", excluded=True)),
        price_product(Product(id="fine", name="Fine", price=Decimal("100"), cost_price=Decimal("50")), offers,
                      settings, now=now),
    ]
    _store_run(web, mine, "sweep-1", [(d, DecisionStatus.RECORDED, None) for d in decided])
    table = browser.get(f"/dashboard/stores/{mine}/unpriceable").text.split('id="unpriceable"')[1]
    assert f'href="/dashboard/stores/{mine}/products/nocost">No cost</a>' in table
    assert "upload a cost sheet" in table
    assert "products/alone\">Alone</a>" in table and "competitor feed" in table
    assert "products/out\">Excluded</a>" in table and "remove the exclusion" in table
    assert "products/fine" not in table


def _store_run(web: Harness, store_id: str, run_id: str,
               decided: list[tuple[PricingDecision, DecisionStatus, str | None]]) -> None:
    """A completed scheduled run with these decisions (each with its status and note)."""
    now = web.services.clock.now()
    with web.uow_factory(store_id) as uow:
        assert uow.store is not None
        uow.store.runs.add(OptimizationRun(id=run_id, store_id=store_id, run_type=RunType.SCHEDULED,
                                           status=RunStatus.COMPLETED, started_at=now))
        uow.store.decisions.add_many([
            DecisionRecord(id=f"{run_id}-{d.product_id}", store_id=store_id, run_id=run_id,
                           idempotency_key=f"{run_id}-{d.product_id}", decision=d, status=status,
                           created_at=now, updated_at=now, error=note)
            for d, status, note in decided])
        uow.commit()


def test_product_page_shows_offers_with_trust_a_price_chart_and_the_demand_curve(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    now = web.services.clock.now()
    today = now.astimezone(SALLA_TZ).date()
    with web.uow_factory(mine) as uow:
        assert uow.store is not None
        uow.store.products.upsert_many([Product(id="p-d", name="Dates", sku="DATES-1KG", price="100.00",
                                                cost_price="50")], seen_at=now)
        uow.store.offers.add_many({"p-d": [
            CompetitorOffer(competitor="noon", price=Decimal("97"), observed_at=now - timedelta(hours=2),
                            url="https://www.noon.com/p/1", shipping=Decimal("10")),
            CompetitorOffer(competitor="jarir", price=Decimal("90"), observed_at=now - timedelta(hours=3),
                            in_stock=False),
        ]})
        # Sixty days at alternating prices, selling more at the lower one: a clear elasticity.
        points, sales = [], []
        for d in range(60, 0, -1):
            day = today - timedelta(days=d)
            price = Decimal("90") if d % 2 else Decimal("110")
            points.append(PricePoint(product_id="p-d", price=price,
                                     changed_at=datetime.combine(day, time(6), tzinfo=SALLA_TZ)))
            sales.append(DailySales(product_id="p-d", day=day, units=12 if d % 2 else 6, revenue=price * 6))
        uow.store.price_history.add_many(points)
        uow.store.sales.replace_from(today - timedelta(days=60), sales)
        uow.commit()
    page = browser.get(f"/dashboard/stores/{mine}/products/p-d").text
    offers = page.split('id="offers"')[1].split("</table>")[0]
    assert offers.index("noon") < offers.index("jarir")  # the used offer first
    assert 'href="https://www.noon.com/p/1"' in offers and "out of stock" in offers
    assert "<svg" in page.split('id="price-chart"')[1] and 'class="floor"' in page
    estimate = page.split('id="demand-estimate"')[1].split("</p>")[0]
    assert "Price elasticity -" in estimate and "60 days" in estimate
    assert 'id="demand-chart"' in page and "most profit" in page
    browser.get("/lang/ar")
    arabic = browser.get(f"/dashboard/stores/{mine}/products/p-d").text
    assert "عروض المنافسين" in arabic and "نافد من المخزون" in arabic and "مرونة السعر" in arabic
    # A product without sales says so instead of drawing a curve.
    browser.get("/lang/en")
    with web.uow_factory(mine) as uow:
        assert uow.store is not None
        uow.store.products.upsert_many([Product(id="p-new", name="New", price="10.00")], seen_at=now)
        uow.commit()
    fresh = browser.get(f"/dashboard/stores/{mine}/products/p-new").text
    assert "Not enough sales yet" in fresh and "No competitor offer" in fresh


def test_settings_preview_prices_the_latest_run_again_without_saving(two_stores) -> None:
    from pricing_core.replay import PricingInput

    web, mine, _theirs, browser = two_stores
    now = web.services.clock.now()
    base = f"/dashboard/stores/{mine}/settings"
    token = web.csrf(browser, base)
    none_yet = browser.post(base, data={"csrf_token": token, "action": "preview", "max_change_pct": "5"})
    assert none_yet.status_code == 200 and "No run with stored inputs yet" in none_yet.text
    offer = CompetitorOffer(competitor="noon", price=Decimal("90"), observed_at=now, second_reading=Decimal("90"))
    with web.uow_factory(mine) as uow:
        assert uow.store is not None
        uow.store.runs.add(OptimizationRun(id="r-prev", store_id=mine, run_type=RunType.MANUAL,
                                           status=RunStatus.COMPLETED, started_at=now))
        uow.store.run_inputs.add_many("r-prev", [PricingInput(
            product=Product(id="p-x", name="Oud", price=Decimal("100"), cost_price=Decimal("40")),
            offers=(offer,), now=now)])
        uow.commit()
        before = uow.store.settings.get()
    page = browser.post(base, data={"csrf_token": token, "action": "preview", "max_change_pct": "5"})
    preview = page.text.split('id="settings-preview"')[1].split("</div>")[0]
    assert "1 price(s) would change" in preview and "-5.00%" in preview  # 100 -> 95, not 90: at most 5%
    assert 'value="5"' in page.text  # the form keeps what the merchant typed
    with web.uow_factory(mine) as uow:
        assert uow.store is not None and uow.store.settings.get() == before  # nothing saved
    bad = browser.post(base, data={"csrf_token": token, "action": "preview", "max_change_pct": "500"})
    assert bad.status_code == 400 and 'id="settings-preview"' not in bad.text
    browser.get("/lang/ar")
    arabic = browser.post(base, data={"csrf_token": token, "action": "preview", "max_change_pct": "5"}).text
    assert "سيتغيّر 1 سعر" in arabic


def test_send_a_test_alert_from_the_settings_page(two_stores) -> None:
    from adapters.alerts import MemoryNotifier
    from pricing_core.alert_settings import StoreAlertSettings

    web, mine, _theirs, browser = two_stores
    base = f"/dashboard/stores/{mine}/settings"
    token = web.csrf(browser, base)
    web.services.store_notifier = MemoryNotifier()
    unconfigured = browser.post(f"{base}/test-alert", data={"csrf_token": token})
    assert "No alert target is configured" in unconfigured.text  # the store has no target of its own yet
    with web.uow_factory(mine) as uow:
        assert uow.store is not None
        uow.store.alerts.save(StoreAlertSettings(targets=("tgram://123:SECRET/9",)))
        uow.commit()
    browser.get("/lang/ar")
    sent = browser.post(f"{base}/test-alert", data={"csrf_token": token})
    assert "أُرسل تنبيه تجريبي إلى 1 وجهة" in sent.text
    [(batch, _targets)] = web.services.store_notifier.sent_to
    assert batch.store_id == mine and batch.kind.value == "test"
    web.services.store_notifier.fail = True
    failed = browser.post(f"{base}/test-alert", data={"csrf_token": token})
    assert "التنبيه التجريبي: tgram://123•••/•••: فشل" in failed.text and "SECRET" not in failed.text
    assert browser.post(f"{base}/test-alert", data={"csrf_token": "wrong"}).status_code == 403


def test_rule_preview_prices_the_latest_run_again_with_the_rule_added(two_stores) -> None:
    from pricing_core.replay import PricingInput

    web, mine, _theirs, browser = two_stores
    now = web.services.clock.now()
    base = f"/dashboard/stores/{mine}/rules"
    token = web.csrf(browser, base)
    rule = {"csrf_token": token, "name": "Gentle", "priority": "1", "s_max_change_pct": "5", "action": "preview"}
    assert "No run with stored inputs yet" in browser.post(base, data=rule).text
    oud = Product(id="p-x", name="Oud", price=Decimal("100"), cost_price=Decimal("40"))
    offer = CompetitorOffer(competitor="noon", price=Decimal("90"), observed_at=now, second_reading=Decimal("90"))
    with web.uow_factory(mine) as uow:
        assert uow.store is not None
        uow.store.products.upsert_many([oud], seen_at=now)
        uow.store.runs.add(OptimizationRun(id="r-prev", store_id=mine, run_type=RunType.MANUAL,
                                           status=RunStatus.COMPLETED, started_at=now))
        uow.store.run_inputs.add_many("r-prev", [PricingInput(product=oud, offers=(offer,), now=now)])
        uow.commit()
    page = browser.post(base, data=rule)
    preview = page.text.split('id="rule-run-preview"')[1].split("</div>")[0]
    assert "1 price(s) would change" in preview and "-5.00%" in preview  # 100 -> 95 under the rule's 5%
    with web.uow_factory(mine) as uow:
        assert uow.store is not None and uow.store.rules.list() == []  # nothing saved
    browser.get("/lang/ar")
    assert "معاينة: آخر تشغيل مع إضافة هذه القاعدة" in browser.post(base, data=rule).text


def test_a_decisions_note_reads_in_arabic_or_is_marked_as_english(two_stores) -> None:
    from pricing_core.recheck import recheck_decision
    from pricing_core.usecases.store_settings import SUPERSEDED_NOTE

    web, mine, _theirs, browser = two_stores
    now = web.services.clock.now()
    offers = [CompetitorOffer(competitor="noon", price=Decimal("95"), observed_at=now - timedelta(hours=1))]
    decided = [price_product(Product(id=pid, name=pid, price=Decimal("100"), cost_price=Decimal("50")), offers,
                             TenantSettings(), now=now) for pid in ("replaced", "refused", "moved")]
    in_salla_now = Product(id="moved", name="moved", price=Decimal("104"), cost_price=Decimal("50"))
    moved = recheck_decision(decided[2], in_salla_now, TenantSettings(), last_change=None, now=now,
                             merchant_approved=False)
    assert moved is not None
    notes = {"replaced": SUPERSEDED_NOTE, "refused": "not re-sent: Salla shows 97.00", "moved": moved}
    statuses = {"replaced": DecisionStatus.SUPERSEDED, "refused": DecisionStatus.FAILED,
                "moved": DecisionStatus.FAILED}
    _store_run(web, mine, "sweep-n", [(d, statuses[d.product_id], notes[d.product_id]) for d in decided])
    english = browser.get(f"/dashboard/stores/{mine}/decisions").text
    assert "the settings changed" in english and 'lang="en" dir="ltr">not re-sent' not in english
    browser.get("/lang/ar")
    arabic = browser.get(f"/dashboard/stores/{mine}/decisions").text
    assert "تغيّرت الإعدادات" in arabic and SUPERSEDED_NOTE not in arabic
    # The re-check's refusal reads in Arabic with its prices (``note_explain``).
    assert "لم يُطبَّق: تغيّر السعر في سلة من 100.00 إلى 104.00 بعد هذا القرار" in arabic and moved not in arabic
    # A note the page has no words for (Salla's own refusal) is marked as English.
    assert 'lang="en" dir="ltr">not re-sent: Salla shows 97.00</span>' in arabic


def test_the_activity_log_reads_in_arabic_where_it_knows_the_entry(two_stores) -> None:
    web, mine, _theirs, browser = two_stores
    now = web.services.clock.now()
    with web.uow_factory(mine) as uow:
        uow.store.activity.log(ActivityType.PRICE_APPLIED, "Applied 3 price change(s) in Salla", at=now)
        uow.store.activity.log(ActivityType.STORE_EVENTS_SUBSCRIBED,
                               "Subscribed to store events: product.price.updated", at=now)
        uow.commit()
    browser.get("/lang/ar")
    page = browser.get(f"/dashboard/stores/{mine}/activity").text
    assert ">تغييرات أسعار طُبّقت في سلة: 3</td>" in page and "Applied 3 price change(s)" not in page
    assert 'lang="en" dir="auto">Subscribed to store events: product.price.updated</td>' in page
