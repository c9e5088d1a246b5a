"""The embedded default in a real browser: install a sandbox store through OAuth, see the first sweep,
approve a pending decision, and find the new price in the fake Salla.

A real ``salla-optimizer serve`` (uvicorn, SQLite in a temp dir, in-process worker and scheduler,
the sandbox mounted at /sandbox) is driven by Playwright with Debian's chromium.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
ADMIN_TOKEN = "e2e-admin-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``salla-optimizer serve`` with no configuration but the admin token, in an empty directory."""
    workdir = tmp_path_factory.mktemp("embedded")
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SALLA_CLIENT_ID", "SALLA_ACCOUNTS_URL", "PUBLIC_URL")}
    env.update({"ADMIN_API_TOKEN": ADMIN_TOKEN, "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"})
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"],
        cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited: {(workdir / 'server.log').read_text()}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("server did not become healthy")
            time.sleep(0.3)
        assert (workdir / "var").is_dir()  # the embedded SQLite lives under ./var
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


def test_install_sweep_approve_and_see_the_price_in_salla(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)

    # Landing -> install on a sandbox store -> the sandbox's store picker -> approve the first store.
    page.goto(server + "/")
    page.click("#install-sandbox")
    page.wait_for_url("**/sandbox/oauth2/auth**")
    page.click("text=Install into")
    page.wait_for_url("**/dashboard/stores/*")
    store_id = page.url.rstrip("/").rsplit("/", 1)[1]
    assert page.get_attribute("#token-health .big", "data-reason") == "Token valid"

    # The first sweep runs in the in-process worker; wait for it to finish with pending approvals.
    deadline = time.monotonic() + 90
    while True:
        runs = page.inner_text("#runs")
        if "Completed" in runs and int(page.inner_text("#pending-count")) > 0:
            break
        assert "Failed" not in runs, runs
        assert time.monotonic() < deadline, f"no completed sweep with pending approvals: {runs}"
        time.sleep(1)
        page.reload()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "dashboard.png"), full_page=False)

    # Approve the first pending decision from the approvals page.
    page.click("#pending-count")
    page.wait_for_url("**/approvals")
    row = page.locator("#pending tbody tr").first
    product_id = row.get_attribute("data-product-id")
    new_price = Decimal(row.locator(".new-price").get_attribute("data-price") or "")
    page.screenshot(path=str(OUTPUT / "approvals.png"), full_page=False)
    row.locator("button.approve").click()
    page.wait_for_url("**/approvals")
    assert "Decision approved" in page.content()

    # The worker applies it through the bulk price API; the fake Salla's inspection API shows it.
    deadline = time.monotonic() + 60
    seen = None
    while time.monotonic() < deadline:
        prices = httpx.get(f"{server}/sandbox/_fake/stores/{store_id}/prices", timeout=5).json()
        seen = Decimal(prices[product_id])
        if seen == new_price:
            break
        time.sleep(0.5)
    assert seen == new_price, f"product {product_id}: Salla has {seen}, approved {new_price}"

    # The dashboard shows it as applied, and the admin API agrees.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page.goto(f"{server}/dashboard/stores/{store_id}/products/{product_id}")
        if page.locator("table.decisions tr[data-status=applied]").count():
            break
        time.sleep(0.5)
    assert page.locator("table.decisions tr[data-status=applied]").count() >= 1
    detail = httpx.get(f"{server}/stores/{store_id}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    assert detail["decision_counts"]["applied"] >= 1 and detail["last_run"]["status"] == "completed"
    page.goto(f"{server}/dashboard/stores/{store_id}")
    page.screenshot(path=str(OUTPUT / "dashboard-after-approval.png"), full_page=True)

    # The same page in Arabic renders right to left.
    page.click("header a[lang=ar]")
    page.wait_for_url(f"**/dashboard/stores/{store_id}")
    assert page.get_attribute("html", "dir") == "rtl" and "شغّل الآن" in page.inner_text("#run-now")
    page.goto(f"{server}/dashboard/stores/{store_id}/approvals")
    page.screenshot(path=str(OUTPUT / "approvals-ar.png"), full_page=False)


PHONE = {"width": 390, "height": 844}
STORE_PAGES = ["", "/approvals", "/catalog", "/decisions", "/activity", "/settings", "/costs", "/rules", "/unpriceable"]


def _overflow(page) -> int:  # type: ignore[no-untyped-def]
    """How many pixels the page is wider than the viewport (0 when nothing scrolls sideways)."""
    return int(page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
                             " - window.innerWidth"))


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_page_fits_a_phone(server: str, browser, lang: str) -> None:
    """At 390 px no page scrolls sideways, in either language, and approve/reject are on screen."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(30_000)
    OUTPUT.mkdir(exist_ok=True)
    page.goto(f"{server}/lang/{lang}?next=/")
    page.screenshot(path=str(OUTPUT / f"phone-{lang}-landing.png"), full_page=True)
    assert _overflow(page) <= 0, "landing"
    # A lost session: the sign-in page, not "Not found".
    page.goto(f"{server}/dashboard/stores/1")
    assert page.locator("#sign-in-salla").is_visible()
    page.screenshot(path=str(OUTPUT / f"phone-{lang}-sign-in.png"), full_page=True)
    assert _overflow(page) <= 0, "sign-in"

    page.goto(server + "/")
    page.click("#install-sandbox")
    page.wait_for_url("**/sandbox/oauth2/auth**")
    page.click("text=Install into")
    page.wait_for_url("**/dashboard/stores/*")
    base = page.url.rstrip("/")
    deadline = time.monotonic() + 90
    while int(page.get_attribute("#pending-count", "data-count") or 0) == 0:
        assert time.monotonic() < deadline, "no pending approvals"
        time.sleep(1)
        page.reload()
    product_href = None
    for suffix in STORE_PAGES:
        page.goto(base + suffix)
        assert page.get_attribute("html", "lang") == lang
        name = suffix.strip("/") or "overview"
        page.screenshot(path=str(OUTPUT / f"phone-{lang}-{name}.png"), full_page=True)
        assert _overflow(page) <= 0, f"{name} scrolls sideways by {_overflow(page)} px"
        if suffix == "/approvals":
            row = page.locator("#pending tbody tr").first
            for button in (row.locator("button.approve"), row.locator("button.reject"),
                           page.locator("#approve-selected")):
                box = button.bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            product_href = row.locator("a").first.get_attribute("href")
            row.locator("details summary").click()
            row.screenshot(path=str(OUTPUT / f"phone-{lang}-approval-explained.png"))
            steps = row.locator("ol.explanation li")
            assert steps.count() > 3
            if lang == "ar":  # every step of the engine's explanation is rendered in Arabic
                assert row.locator("ol.explanation li[lang=en]").count() == 0
        if suffix == "/unpriceable":
            assert page.locator("#unpriceable td").count() > 0
            if lang == "ar":  # reasons and fixes are the merchant's language, not the engine's English
                assert page.locator("#unpriceable [lang=en]").count() == 0
                assert "only products for sale" not in page.inner_text("#unpriceable")
    # A rule's preview: the latest run priced again with it, and the products it would move.
    page.goto(base + "/rules")
    page.select_option("#r-categories", index=0)
    page.fill("#r-name", "Phone rule")
    page.fill("#s-max_change_pct", "3")
    page.click("#rule-form button[value=preview]")
    run_preview = page.inner_text("#rule-run-preview")
    assert ("would change" in run_preview) if lang == "en" else ("سيتغيّر" in run_preview), run_preview
    page.screenshot(path=str(OUTPUT / f"phone-{lang}-rule-preview.png"), full_page=True)
    assert _overflow(page) <= 0, f"rule preview scrolls sideways by {_overflow(page)} px"
    # The latest run's page and its rollback preview (what would be restored) fit the phone too.
    page.goto(base)
    run_href = page.locator("a.run-link").first.get_attribute("href")
    assert run_href
    for name, path in (("run", run_href), ("rollback", run_href.rstrip("/") + "/rollback")):
        page.goto(server + path)
        page.screenshot(path=str(OUTPUT / f"phone-{lang}-{name}.png"), full_page=True)
        assert _overflow(page) <= 0, f"{name} scrolls sideways by {_overflow(page)} px"
    assert product_href
    page.goto(server + product_href)
    page.screenshot(path=str(OUTPUT / f"phone-{lang}-product.png"), full_page=True)
    assert _overflow(page) <= 0, "product"
    # The sandbox market gives every product competitor offers; the chart is drawn from its price history.
    assert page.locator("#offers tbody tr").count() > 0 and page.locator("#price-chart svg").count() == 1
    context.close()


def _admin(server: str, path: str) -> dict:
    response = httpx.get(f"{server}{path}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10)
    response.raise_for_status()
    return response.json()


def test_costs_with_a_bad_line_then_a_category_rule_named_in_the_decisions(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)
    page.goto(server + "/")
    page.click("#install-sandbox")
    page.wait_for_url("**/sandbox/oauth2/auth**")
    page.click("text=Install into")
    page.wait_for_url("**/dashboard/stores/*")
    store_id = page.url.rstrip("/").rsplit("/", 1)[1]
    base = f"{server}/dashboard/stores/{store_id}"
    deadline = time.monotonic() + 90
    while "completed" not in page.inner_text("#runs").lower():
        assert time.monotonic() < deadline, page.inner_text("#runs")
        time.sleep(1)
        page.reload()
    product_id = _admin(server, f"/stores/{store_id}/decisions?limit=1")["decisions"][0]["product_id"]

    # A cost sheet with a bad line: the error is shown and nothing changes; fixed, it previews and applies.
    page.goto(base + "/costs")
    bad = f"\ufeffproduct_id;cost_price\n{product_id};٣٥\nno-such-product;40\n".encode()
    page.set_input_files("input[name=sheet]", files=[{"name": "costs.csv", "mimeType": "text/csv", "buffer": bad}])
    page.click("#upload-form button")
    assert "no product no-such-product" in page.inner_text("#line-errors")
    assert page.locator("#apply-form").count() == 0
    good = f"\ufeffproduct_id;cost_price\n{product_id};٣٥\n".encode()
    page.set_input_files("input[name=sheet]", files=[{"name": "costs.csv", "mimeType": "text/csv", "buffer": good}])
    page.click("#upload-form button")
    assert "cost price 35" in page.inner_text("#changes")
    page.click("#apply-form button")
    assert "Applied: 1 product(s) updated" in page.inner_text("#applied")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "costs.png"), full_page=False)

    # A rule for one of the store's categories: preview what it would do, save it.
    page.goto(base + "/rules")
    page.select_option("#r-categories", index=0)
    page.fill("#r-name", "E2E category rule")
    page.fill("#s-min_profit_margin", "20")
    page.click("#rule-form button[value=preview]")
    assert "Priced with rule 'E2E category rule'" in page.inner_text("#preview")
    page.screenshot(path=str(OUTPUT / "rule-preview.png"), full_page=False)
    page.click("#rule-form button[value=save]")
    page.wait_for_url("**/rules")
    assert "E2E category rule" in page.inner_text("#rules-list")

    # Run now; the new run's decisions name the rule.
    page.goto(base)
    page.click("#run-now")
    deadline = time.monotonic() + 120
    named = []
    while not named:
        assert time.monotonic() < deadline, "no decision names the rule"
        time.sleep(1)
        decisions = _admin(server, f"/stores/{store_id}/decisions?limit=500")["decisions"]
        named = [d for d in decisions if "E2E category rule" in d["explanation"][0]]
    assert named[0]["explanation"][0] == "Priced with rule 'E2E category rule' (priority 0)."
