"""The Salla ports' contract: the httpx adapter against the fake Salla, in process and over loopback.

Every test runs twice: through ``starlette.testclient.TestClient`` (httpx over ASGI) and with
a real ``httpx.Client`` against uvicorn on 127.0.0.1. The fake runs on an injected
``FakeClock``; the adapter's ``sleep`` advances that clock, so pacing, Retry-After and token
expiry are exercised without waiting. The in-memory Salla fakes have no HTTP; what they share with
the httpx clients is checked at the port level in ``test_salla_ports_contract.py``.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from adapters.fake_salla import SandboxStoreSpec, create_fake_salla, sign
from adapters.fake_salla.fake import FakeSalla
from adapters.fake_salla.webhooks import Strategy
from adapters.memory.clock import FakeClock
from adapters.salla import (
    SallaMerchantClient,
    SallaOAuthClient,
    WebhookEvent,
    parse_webhook,
    token_set_from_authorize,
    verify_webhook,
)
from adapters.salla.http import MerchantHttp
from adapters.salla.store_webhooks import list_webhooks, subscribe_webhook
from pricing_core.errors import BadResponse, MissingScope, RateLimited, SallaUnavailable, TokenRevoked, WebhookRejected
from pricing_core.ports import PriceUpdate
from pricing_core.store_events import SallaWebhook

FIXTURES = Path(__file__).parent / "salla_fixtures"
# httpx.Client over loopback, or Starlette's TestClient (httpx2-based) in process: same interface.
HttpClientLike = httpx.Client | TestClient
MERCHANT = 1234509876
REDIRECT = "https://optimizer.example/oauth/callback"
HOOK_SECRET = "whsec-test-secret"


# ---------------------------------------------------------------------------------------------
# Harness: one fake, a webhook receiver, and the two adapter clients over the chosen transport


class Switch:
    """An ASGI app forwarding ``/hooks/*`` to the receiver and the rest to the current fake."""

    def __init__(self) -> None:
        self.fake: Any = None
        self.hooks: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        target = self.hooks if scope["path"].startswith("/hooks/") else self.fake
        await target(scope, receive, send)


@attrs.define
class Receiver:
    """The app's webhook endpoint, reduced to verify + parse + record."""

    secret: str
    strategy: str = "auto"
    events: list[WebhookEvent] = attrs.field(factory=list)
    refusals: list[int] = attrs.field(factory=list)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            raw = await request.body()
            try:
                verify_webhook(raw, request.headers, secret=self.secret, strategy=self.strategy)  # type: ignore[arg-type]
                event = parse_webhook(raw)
            except WebhookRejected as exc:
                self.refusals.append(exc.status)
                return JSONResponse({"error": str(exc)}, status_code=exc.status)
            self.events.append(event)
            return JSONResponse({"ok": True})

        return Starlette(routes=[Route("/hooks/salla", hook, methods=["POST"])])


@attrs.define
class Harness:
    """A fake Salla plus adapter clients wired for one transport."""

    fake: FakeSalla
    clock: FakeClock
    http: HttpClientLike
    origin: str
    oauth: SallaOAuthClient
    merchant: SallaMerchantClient
    receiver: Receiver
    sleeps: list[float]

    def tokens(self, merchant_id: int = MERCHANT) -> dict[str, Any]:
        return self.fake.issue_tokens(merchant_id)


@pytest.fixture(scope="module")
def loopback() -> Iterator[tuple[Switch, str]]:
    """uvicorn on a free loopback port serving a ``Switch`` (one server for the whole module)."""
    switch = Switch()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(switch, log_level="critical", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    yield switch, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)
    sock.close()


@pytest.fixture(params=["asgi", "loopback"])
def make_salla(request: pytest.FixtureRequest) -> Iterator[Callable[..., Harness]]:
    """Factory: ``make_salla(**fake_options)`` -> a ``Harness`` over this test's transport."""
    built: list[tuple[FakeSalla, HttpClientLike, list[TestClient]]] = []

    def build(*, hook_strategy: Strategy = "signature", receiver_secret: str = HOOK_SECRET, **options: Any) -> Harness:
        clock = FakeClock()
        receiver = Receiver(secret=receiver_secret)
        extra_clients: list[TestClient] = []
        if request.param == "asgi":
            origin = "http://testserver"
            hook_client = TestClient(receiver.app())
            extra_clients.append(hook_client)
            options.setdefault("webhook_http", hook_client)
        else:
            switch, origin = request.getfixturevalue("loopback")
        fake = create_fake_salla(
            clock=clock,
            webhook_url=f"{origin}/hooks/salla",
            webhook_secret=HOOK_SECRET,
            webhook_strategy=hook_strategy,
            webhook_retry_intervals=(0.01, 0.01, 0.01),
            **options,
        )
        if request.param == "asgi":
            http: HttpClientLike = TestClient(fake.app)
        else:
            switch.fake = fake.app
            switch.hooks = receiver.app()
            http = httpx.Client(timeout=5.0)
        sleeps: list[float] = []

        def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            clock.advance(seconds=seconds)

        oauth = SallaOAuthClient(
            http, accounts_url=origin, client_id=fake.client_id, client_secret=fake.client_secret, clock=clock
        )
        merchant = SallaMerchantClient(
            http, api_url=f"{origin}/admin/v2", sleep=sleep, clock=clock, backoff_base=0.05, confirm_delay=0.05
        )
        built.append((fake, http, extra_clients))
        return Harness(
            fake=fake, clock=clock, http=http, origin=origin, oauth=oauth, merchant=merchant,
            receiver=receiver, sleeps=sleeps,
        )

    yield build
    for fake, http, extra in built:
        fake.close()
        http.close()
        for client in extra:
            client.close()


@pytest.fixture
def salla(make_salla: Callable[..., Harness]) -> Harness:
    """The default harness: the three seeded sandbox stores."""
    return make_salla()


def _authorize(h: Harness, state: str = "a-b-c-d") -> tuple[str, dict[str, list[str]]]:
    url = h.oauth.authorize_url(state=state, redirect_uri=REDIRECT)
    response = h.http.get(f"{url}&login_hint={MERCHANT}", follow_redirects=False)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT)
    query = parse_qs(urlsplit(location).query)
    return query["code"][0], query


# ---------------------------------------------------------------------------------------------
# OAuth


def test_authorize_url_asks_for_offline_access_and_products(salla: Harness) -> None:
    url = salla.oauth.authorize_url(state="s1", redirect_uri=REDIRECT, scope="settings.read")
    scope = parse_qs(urlsplit(url).query)["scope"][0].split()
    assert {"offline_access", "products.read_write", "settings.read"} <= set(scope)
    page = salla.http.get(url)
    assert page.status_code == 200
    for store in salla.fake.sandbox_stores():
        assert str(store.merchant_id) in page.text


def test_code_exchange_is_single_use_and_state_loses_hyphens(salla: Harness) -> None:
    code, query = _authorize(salla, state="a-b-c-d")
    assert query["state"] == ["abcd"]
    assert "offline_access" in query["scope"][0]
    tokens = salla.oauth.exchange_code(code, redirect_uri=REDIRECT)
    assert tokens.access_token.startswith("ory_at_") and tokens.refresh_token
    assert tokens.expires_at == salla.clock.now() + timedelta(seconds=1_209_599)
    assert salla.oauth.user_info(tokens.access_token).merchant_id == str(MERCHANT)
    with pytest.raises(TokenRevoked) as replay:
        salla.oauth.exchange_code(code, redirect_uri=REDIRECT)
    assert replay.value.status == 400
    # fosite also revokes what the first use of a replayed code produced
    with pytest.raises(TokenRevoked):
        salla.merchant.store_info(tokens.access_token)


def test_refresh_rotates_tokens(salla: Harness) -> None:
    first = salla.tokens()
    second = salla.oauth.refresh(first["refresh_token"])
    assert second.access_token != first["access_token"]
    assert second.refresh_token not in (None, first["refresh_token"])
    assert salla.merchant.store_info(second.access_token).merchant_id == str(MERCHANT)
    third = salla.oauth.refresh(second.refresh_token or "")
    assert salla.merchant.store_info(third.access_token).plan == "plus"


@pytest.mark.parametrize("status", [400, 401])
def test_reusing_a_refresh_token_revokes_the_whole_chain(make_salla: Callable[..., Harness], status: int) -> None:
    h = make_salla(invalid_grant_status=status)
    first = h.tokens()
    second = h.oauth.refresh(first["refresh_token"])
    assert h.merchant.store_info(second.access_token).merchant_id == str(MERCHANT)
    with pytest.raises(TokenRevoked) as reuse:
        h.oauth.refresh(first["refresh_token"])
    assert reuse.value.status == status
    for access in (first["access_token"], second.access_token):
        with pytest.raises(TokenRevoked):
            h.merchant.store_info(access)
    with pytest.raises(TokenRevoked):
        h.oauth.refresh(second.refresh_token or "")
    # another store's chain is untouched
    other = h.fake.sandbox_stores()[1].merchant_id
    assert h.merchant.store_info(h.tokens(other)["access_token"]).merchant_id == str(other)


def test_token_answer_with_expires_instead_of_expires_in(make_salla: Callable[..., Harness]) -> None:
    h = make_salla(token_expiry_field="expires")
    code, _ = _authorize(h)
    tokens = h.oauth.exchange_code(code, redirect_uri=REDIRECT)
    assert tokens.expires_at == h.clock.now() + timedelta(seconds=1_209_599)


def test_access_token_expires_after_fourteen_days(salla: Harness) -> None:
    tokens = salla.tokens()
    salla.clock.advance(days=13)
    assert salla.merchant.store_info(tokens["access_token"]).merchant_id == str(MERCHANT)
    salla.clock.advance(days=1)
    with pytest.raises(TokenRevoked):
        salla.merchant.store_info(tokens["access_token"])
    refreshed = salla.oauth.refresh(tokens["refresh_token"])
    assert salla.merchant.store_info(refreshed.access_token).merchant_id == str(MERCHANT)


def test_user_info_reads_the_merchant(salla: Harness) -> None:
    store = salla.fake.sandbox_stores()[2]
    info = salla.oauth.user_info(salla.tokens(store.merchant_id)["access_token"])
    assert (info.merchant_id, info.store_name, info.plan) == (str(store.merchant_id), store.name, store.plan)
    assert info.email == store.email
    with pytest.raises(TokenRevoked):
        salla.oauth.user_info("ory_at_not-a-token")


def test_wrong_client_secret_is_not_a_revocation(salla: Harness) -> None:
    bad = SallaOAuthClient(salla.http, accounts_url=salla.origin, client_id=salla.fake.client_id,
                           client_secret="wrong", clock=salla.clock)
    tokens = salla.tokens()
    with pytest.raises(Exception) as info:
        bad.refresh(tokens["refresh_token"])
    assert not isinstance(info.value, TokenRevoked)
    assert info.value.status == 401  # type: ignore[attr-defined]
    # the refresh token was not consumed
    assert salla.oauth.refresh(tokens["refresh_token"]).access_token


# ---------------------------------------------------------------------------------------------
# Catalog


def test_catalog_pages_cover_every_product(make_salla: Callable[..., Harness]) -> None:
    h = make_salla(stores=[SandboxStoreSpec(name="Big", plan="pro", products=430, merchant_id=MERCHANT)])
    pages = list(h.merchant.iter_product_pages(h.tokens()["access_token"]))
    assert [p.page for p in pages] == list(range(1, 9))
    assert {p.total_pages for p in pages} == {8}
    assert pages[0].total_products == 430
    seen = {p.variant_of or p.id for page in pages for p in page.products}
    seen |= {(r.product_id or "").split(":")[0] for page in pages for r in page.rejected}
    assert seen == {str(pid) for pid in h.fake.store(MERCHANT).products}
    assert h.fake.stats(MERCHANT).by_route == {"GET /products": 8}


def test_quirky_products_are_read(salla: Harness) -> None:
    store = salla.fake.store(MERCHANT)
    pages = list(salla.merchant.iter_product_pages(salla.tokens()["access_token"]))
    products = {p.id: p for page in pages for p in page.products}
    rejected = {r.product_id: r.reason for page in pages for r in page.rejected}
    quirks = {"string cost": 0, "null cost": 0, "string quantity": 0, "empty sale_end": 0, "own-priced SKUs": 0}
    for fake_product in store.products.values():
        pid = str(fake_product.id)
        if pid in rejected:
            assert fake_product.sale_price, rejected[pid]  # only running sales are skipped here
            continue
        if any(v.own_price for v in fake_product.variants):
            quirks["own-priced SKUs"] += 1
            for variant in fake_product.variants:
                parsed = products[f"{pid}:{variant.id}"]
                assert parsed.variant_of == pid and parsed.price == variant.price
            continue
        parsed = products[pid]
        assert parsed.price == fake_product.price
        assert parsed.prices_include_vat is fake_product.with_tax
        if fake_product.cost_style == "string":
            quirks["string cost"] += 1
            assert parsed.cost_price == fake_product.cost_price
        if fake_product.cost_price is None:
            quirks["null cost"] += 1
            assert parsed.cost_price is None
        if fake_product.quantity_as_string:
            quirks["string quantity"] += 1
            assert parsed.quantity == fake_product.quantity
        if fake_product.sale_end_style == "empty_object":
            quirks["empty sale_end"] += 1
    assert all(quirks.values()), quirks  # the seeded catalog really contains every quirk


def test_a_product_with_a_non_numeric_price_is_rejected_with_a_reason(salla: Harness) -> None:
    bad_id = next(iter(salla.fake.store(MERCHANT).products))
    salla.fake.corrupt_product(MERCHANT, bad_id, raw_price={"amount": "السعر عند الطلب", "currency": "SAR"})
    pages = list(salla.merchant.iter_product_pages(salla.tokens()["access_token"]))
    rejected = [r for page in pages for r in page.rejected if r.product_id == str(bad_id)]
    assert len(rejected) == 1 and "price is not a number" in rejected[0].reason
    assert all(p.id != str(bad_id) for page in pages for p in page.products)
    assert sum(len(p.products) for p in pages) > 100  # the sweep went on


def test_get_products_by_id_and_missing_ones(salla: Harness) -> None:
    ids = [str(pid) for pid in list(salla.fake.store(MERCHANT).products)[:3]]
    page = salla.merchant.get_products(salla.tokens()["access_token"], [*ids, "999"])
    found = {p.variant_of or p.id for p in page.products} | {r.product_id for r in page.rejected}
    assert set(ids) <= found
    assert any(r.product_id == "999" and "404" in r.reason for r in page.rejected)


@pytest.mark.parametrize("count", [1, 3, 10, 72, 150])
def test_get_products_by_many_ids_reads_catalog_pages_when_that_is_cheaper(salla: Harness, count: int) -> None:
    """150 products = 3 pages: a few ids cost one GET each, many cost the pages, never more than pages + 1."""
    token = salla.tokens()["access_token"]
    listed = [p for page in salla.merchant.iter_product_pages(token) for p in page.products]
    by_parent: dict[str, list[str]] = {}
    for p in listed:
        by_parent.setdefault(p.variant_of or p.id, []).append(p.id)
    parents = list(by_parent)[-count:]
    salla.fake.reset_stats()
    page = salla.merchant.get_products(token, parents)
    stats = salla.fake.stats(MERCHANT).by_route
    assert sorted(p.id for p in page.products) == sorted(i for pid in parents for i in by_parent[pid])
    assert {p.id: p for p in page.products} == {p.id: p for p in listed if (p.variant_of or p.id) in parents}
    pages, gets = stats.get("GET /products", 0), stats.get("GET /products/{id}", 0)
    if count < salla.merchant.page_read_min:
        assert (pages, gets) == (0, count)
    else:
        assert pages + gets <= min(count, 3) + 1 and pages >= 1


def test_get_products_of_a_large_catalog_falls_back_to_one_get_each(make_salla: Callable[..., Harness]) -> None:
    salla = make_salla(stores=[SandboxStoreSpec(name="Big", plan="special", products=600, merchant_id=MERCHANT)])
    token = salla.tokens()["access_token"]
    ids = [str(pid) for pid in salla.fake.store(MERCHANT).products][-5:]
    salla.fake.reset_stats()
    page = salla.merchant.get_products(token, [*ids, "999"])
    stats = salla.fake.stats(MERCHANT).by_route
    # Page 1 (10 pages in all) held none of them: 6 GETs beat 9 more pages.
    assert (stats.get("GET /products", 0), stats.get("GET /products/{id}", 0)) == (1, 6)
    assert {p.variant_of or p.id for p in page.products} == set(ids)
    assert any(r.product_id == "999" and "404" in r.reason for r in page.rejected)


def test_store_info(salla: Harness) -> None:
    store = salla.fake.sandbox_stores()[1]
    info = salla.merchant.store_info(salla.tokens(store.merchant_id)["access_token"])
    assert (info.merchant_id, info.store_name, info.plan, info.currency) == (
        str(store.merchant_id), store.name, "pro", "SAR"
    )


def test_uninstalled_store_answers_401(salla: Harness) -> None:
    tokens = salla.tokens()
    salla.fake.uninstall_store(MERCHANT)
    with pytest.raises(TokenRevoked):
        list(salla.merchant.iter_product_pages(tokens["access_token"]))
    salla.fake.wait_webhooks()
    assert [e.event for e in salla.receiver.events] == ["app.uninstalled"]


# ---------------------------------------------------------------------------------------------
# Prices


def _plain_products(h: Harness, count: int) -> list[int]:
    store = h.fake.store(MERCHANT)
    return [p.id for p in store.products.values() if not p.variants][:count]


def test_bulk_apply_then_confirm(salla: Harness) -> None:
    ids = _plain_products(salla, 45)
    updates = [PriceUpdate(product_id=str(pid), price=Decimal("99.95") + i) for i, pid in enumerate(ids)]
    salla.fake.reset_stats()
    report = salla.merchant.apply_prices(salla.tokens()["access_token"], updates)
    assert set(report.accepted) == {str(pid) for pid in ids} and not report.failed
    stats = salla.fake.stats(MERCHANT)
    assert stats.by_route["POST /products/prices/bulkPrice"] == 1
    assert stats.by_route["GET /products/{id}"] == 3  # the sampled confirmation
    assert report.requests == stats.requests == 4
    assert report.confirmed == (str(ids[0]), str(ids[22]), str(ids[44])) and report.unconfirmed == ()
    prices = salla.fake.prices(MERCHANT)
    assert all(prices[u.product_id] == u.price for u in updates)


def test_bulk_apply_is_queued_on_salla_side(make_salla: Callable[..., Harness]) -> None:
    h = make_salla(bulk_delay=60)
    pid = _plain_products(h, 1)[0]
    before = h.fake.prices(MERCHANT)[str(pid)]
    response = h.http.post(
        f"{h.origin}/admin/v2/products/prices/bulkPrice",
        json={"products": [{"id": pid, "price": 12.5}]},
        headers={"Authorization": f"Bearer {h.tokens()['access_token']}"},
    )
    assert response.status_code == 201
    assert response.json() == json.loads((FIXTURES / "bulk_price_queued.json").read_text())
    assert h.fake.prices(MERCHANT)[str(pid)] == before  # queued, not applied yet
    h.clock.advance(seconds=59)
    assert h.fake.prices(MERCHANT)[str(pid)] == before
    h.clock.advance(seconds=1)
    assert h.fake.prices(MERCHANT)[str(pid)] == Decimal("12.5")


def test_bulk_apply_reports_refused_items_and_applies_the_rest(salla: Harness) -> None:
    ids = _plain_products(salla, 5)
    updates = [PriceUpdate(product_id=str(pid), price=Decimal("50")) for pid in ids]
    updates.append(PriceUpdate(product_id="1000000001", price=Decimal("10")))  # not in this store
    report = salla.merchant.apply_prices(salla.tokens()["access_token"], updates)
    assert set(report.accepted) == {str(pid) for pid in ids}
    assert "1000000001" in report.failed and "refused" in report.failed["1000000001"]
    assert all(salla.fake.prices(MERCHANT)[str(pid)] == Decimal("50") for pid in ids)


def test_own_priced_skus_are_written_one_by_one(salla: Harness) -> None:
    store = salla.fake.store(MERCHANT)
    product = next(p for p in store.products.values() if any(v.own_price for v in p.variants))
    variant = product.variants[0]
    core_id = f"{product.id}:{variant.id}"
    report = salla.merchant.apply_prices(salla.tokens()["access_token"], [PriceUpdate(product_id=core_id,
                                                                                       price=Decimal("77.70"))])
    assert report.accepted == (core_id,) and report.requests == 1
    assert salla.fake.prices(MERCHANT)[core_id] == Decimal("77.70")


# ---------------------------------------------------------------------------------------------
# Rate limits and faults


def test_429_is_retried_after_retry_after(salla: Harness) -> None:
    salla.fake.inject_fault(MERCHANT, "rate_limit", seconds=7)
    info = salla.merchant.store_info(salla.tokens()["access_token"])
    assert info.merchant_id == str(MERCHANT)
    assert any(7 <= s < 7.5 for s in salla.sleeps)
    assert salla.fake.stats(MERCHANT).rate_limited == 1


def test_full_bucket_gives_a_real_429_and_the_client_waits_it_out(salla: Harness) -> None:
    token = salla.tokens()["access_token"]
    salla.fake.fill_bucket(MERCHANT)
    pages = list(salla.merchant.iter_product_pages(token))
    assert len(pages) == 3
    stats = salla.fake.stats(MERCHANT)
    assert stats.rate_limited == 1  # only the first request, before the client saw any header
    assert stats.requests == 4


def test_a_read_that_spends_the_budget_slows_to_one_request_per_second_without_a_429(salla: Harness) -> None:
    token = salla.tokens()["access_token"]
    salla.fake.fill_bucket(MERCHANT, 119)  # one request of the minute's budget left (Plus: 120)
    pages = list(salla.merchant.iter_product_pages(token))
    assert len(pages) == 3
    stats = salla.fake.stats(MERCHANT)
    assert stats.requests == 3 and stats.rate_limited == 0
    times = salla.fake.request_times(MERCHANT)
    assert [round(b - a, 6) for a, b in itertools.pairwise(times)] == [1.0, 1.0]  # "1 request per second"
    [window] = salla.fake.rate_windows(MERCHANT)
    assert window.admitted == 3 and window.refused == 0


def test_rate_limited_after_the_retries(salla: Harness) -> None:
    salla.fake.inject_fault(MERCHANT, "rate_limit", count=10, seconds=3)
    with pytest.raises(RateLimited) as info:
        salla.merchant.store_info(salla.tokens()["access_token"])
    assert info.value.retry_after == 3


def test_headers_on_every_answer(salla: Harness) -> None:
    response = salla.http.get(
        f"{salla.origin}/admin/v2/store/info", headers={"Authorization": f"Bearer {salla.tokens()['access_token']}"}
    )
    assert response.headers["X-RateLimit-Limit"] == "120"
    assert int(response.headers["X-RateLimit-Remaining"]) == 119
    assert int(response.headers["X-RateLimit-Reset"]) >= int(salla.clock.now().timestamp())


@pytest.mark.parametrize("kind", ["error", "malformed", "timeout"])
def test_transient_faults_are_retried(salla: Harness, kind: str) -> None:
    salla.fake.inject_fault(MERCHANT, kind, count=2, seconds=0.05)  # type: ignore[arg-type]
    info = salla.merchant.store_info(salla.tokens()["access_token"])
    assert info.merchant_id == str(MERCHANT)
    assert salla.fake.stats(MERCHANT).faults == 2


def test_persistent_5xx_is_unavailable(salla: Harness) -> None:
    salla.fake.inject_fault(MERCHANT, "error", count=10, status=503)
    with pytest.raises(SallaUnavailable):
        salla.merchant.store_info(salla.tokens()["access_token"])


def test_error_envelopes_match_salla(salla: Harness) -> None:
    token = salla.tokens()["access_token"]
    missing = salla.http.get(f"{salla.origin}/admin/v2/products/1", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 404
    assert missing.json() == json.loads((FIXTURES / "error_404.json").read_text())
    anonymous = salla.http.get(f"{salla.origin}/admin/v2/products")
    assert anonymous.status_code == 401
    assert anonymous.json() == json.loads((FIXTURES / "error_401.json").read_text())
    read_only = salla.fake.issue_tokens(MERCHANT, scope="products.read offline_access")["access_token"]
    denied = salla.http.post(
        f"{salla.origin}/admin/v2/products/prices/bulkPrice",
        json={"products": [{"id": 1, "price": 1}]},
        headers={"Authorization": f"Bearer {read_only}"},
    )
    assert denied.status_code == 401 and "products.read_write" in denied.json()["error"]["message"]


# ---------------------------------------------------------------------------------------------
# Webhooks


@pytest.mark.parametrize("strategy", ["signature", "token"])
@pytest.mark.parametrize("order", ["installed_first", "authorize_first"])
def test_easy_mode_install_delivers_verifiable_events(
    make_salla: Callable[..., Harness], strategy: str, order: str
) -> None:
    h = make_salla(hook_strategy=strategy)
    granted = h.fake.deliver_install(MERCHANT, order=order)  # type: ignore[arg-type]
    assert h.fake.wait_webhooks()
    events = [e.event for e in h.receiver.events]
    expected = ["app.installed", "app.store.authorize"]
    assert events == (expected if order == "installed_first" else expected[::-1])
    authorize = next(e for e in h.receiver.events if e.event == "app.store.authorize")
    assert authorize.merchant_id == str(MERCHANT)
    tokens = token_set_from_authorize(authorize, h.clock.now())
    assert tokens.access_token == granted["access_token"]
    assert tokens.expires_at == h.clock.now() + timedelta(seconds=1_209_599)
    assert h.merchant.store_info(tokens.access_token).merchant_id == str(MERCHANT)


def test_price_events_after_a_bulk_update(salla: Harness) -> None:
    pid = _plain_products(salla, 1)[0]
    token = salla.tokens()["access_token"]
    salla.merchant.subscribe_webhook(token, event="product.price.updated", url=f"{salla.origin}/hooks/salla",
                                     name="prices")  # store events come only when subscribed
    salla.merchant.apply_prices(token, [PriceUpdate(product_id=str(pid), price=Decimal(42))])
    assert salla.fake.wait_webhooks()
    event = next(e for e in salla.receiver.events if e.event == "product.price.updated")
    assert event.data["id"] == pid and event.data["price"] == 42
    assert event.created_at is not None and event.created_at.utcoffset() == timedelta(hours=3)


def test_bad_signature_is_refused_and_retried(make_salla: Callable[..., Harness]) -> None:
    h = make_salla(receiver_secret="not-the-secret", portal_events=("product.price.updated",))
    delivery = h.fake.emit_price_updated(MERCHANT, _plain_products(h, 1)[0])
    assert delivery is not None and h.fake.wait_webhooks()
    assert delivery.attempts == ["401"] * 4 and not delivery.delivered  # 1 try + 3 retries
    assert h.receiver.events == [] and h.receiver.refusals == [401] * 4


def test_redelivery_has_the_same_delivery_id(salla: Harness) -> None:
    body = (FIXTURES / "webhook_product_price_updated.json").read_bytes()
    for _ in range(2):
        assert _post_hook(salla, body).status_code == 200
    first, second = salla.receiver.events
    assert first.delivery_id == second.delivery_id
    assert first.created_at is not None and first.created_at.utcoffset() == timedelta(hours=3)


def _post_hook(h: Harness, body: bytes, headers: dict[str, str] | None = None) -> Any:
    sent = headers if headers is not None else {
        "X-Salla-Signature": sign(body, HOOK_SECRET), "X-Salla-Security-Strategy": "Signature"
    }
    with TestClient(h.receiver.app()) as client:
        return client.post("/hooks/salla", content=body, headers=sent)


def test_malformed_body_is_a_400_and_bad_signature_a_401(salla: Harness) -> None:
    malformed = b'{"event": "app.installed", "merchant": '
    assert _post_hook(salla, malformed).status_code == 400
    no_merchant = json.dumps({"event": "app.installed", "data": {}}).encode()
    assert _post_hook(salla, no_merchant).status_code == 400
    body = (FIXTURES / "webhook_app_installed.json").read_bytes()
    tampered = body.replace(b"1234509876", b"1234509877")
    headers = {"X-Salla-Signature": sign(body, HOOK_SECRET), "X-Salla-Security-Strategy": "Signature"}
    assert _post_hook(salla, tampered, headers).status_code == 401
    assert _post_hook(salla, body, {"X-Salla-Security-Strategy": "Token", "Authorization": "guess"}).status_code == 401
    assert _post_hook(salla, body, {}).status_code == 401
    assert salla.receiver.refusals == [400, 400, 401, 401, 401]


def test_fake_product_json_has_the_documented_shape(salla: Harness) -> None:
    documented = json.loads((FIXTURES / "product_details.json").read_text())
    token = salla.tokens()["access_token"]
    pid = next(iter(salla.fake.store(MERCHANT).products))
    served = salla.http.get(f"{salla.origin}/admin/v2/products/{pid}", headers={"Authorization": f"Bearer {token}"})
    assert served.status_code == 200
    body = served.json()
    assert set(body) == set(documented) == {"status", "success", "data"}
    missing = set(documented["data"]) - set(body["data"])
    assert not missing, missing
    assert set(body["data"]["price"]) == {"amount", "currency"}


# ---------------------------------------------------------------------------------------------
# Store-event webhooks (Webhooks API): the client on Salla's documented answers, the fake's shape,
# and the client against the fake


def _documented(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _serving(status: int, fixture: str) -> MerchantHttp:
    """A Merchant API session whose every answer is one of Salla's documented examples."""
    body = (FIXTURES / fixture).read_bytes()
    transport = httpx.MockTransport(lambda request: httpx.Response(status, content=body,
                                                                   headers={"Content-Type": "application/json"}))
    return MerchantHttp(httpx.Client(transport=transport), "https://api.salla.dev/admin/v2", sleep=lambda s: None)


def test_client_reads_the_documented_webhook_answers() -> None:
    assert list_webhooks(_serving(200, "webhooks_list.json"), "t") == [SallaWebhook(
        id="831980095", event="customer.login", url="https://webhook.site/ae7ff328-b54d-42d0-bc7c-94673cd2e982",
        name="Customer Login", version=2)]
    created = subscribe_webhook(_serving(200, "webhook_subscribe.json"), "t", event="customer.updated",
                                url="https://webhook.site/07254470-c763-4ee3-bef1-ab2480262814", name="x")
    assert (created.id, created.event, created.version) == ("60587520", "customer.updated", 2)
    with pytest.raises(MissingScope) as missing:
        list_webhooks(_serving(401, "error_401_webhooks_scope.json"), "t")
    assert missing.value.scope == "webhooks.read_write"
    with pytest.raises(BadResponse) as refused:
        subscribe_webhook(_serving(422, "error_422_webhook_subscribe.json"), "t", event="x", url="http://localhost",
                          name="x")
    assert refused.value.status == 422 and "localhost" in str(refused.value)


def test_fake_webhook_answers_have_the_documented_shape(make_salla: Callable[..., Harness]) -> None:
    h = make_salla(strict_webhook_urls=True)
    auth = {"Authorization": f"Bearer {h.tokens()['access_token']}"}
    created = h.http.post(f"{h.origin}/admin/v2/webhooks/subscribe", headers=auth, json={
        "name": "n", "event": "product.price.updated", "url": "https://optimizer.example/webhooks/salla",
        "version": 2, "headers": [{"key": "X-App-Source", "value": "optimizer"}]})
    assert created.status_code == 200
    assert set(created.json()) == {"status", "success", "data"}
    assert set(created.json()["data"]) == set(_documented("webhook_subscribe.json")["data"])
    listed = h.http.get(f"{h.origin}/admin/v2/webhooks", headers=auth).json()
    documented = _documented("webhooks_list.json")
    assert set(listed) == set(documented) and set(listed["data"][0]) == set(documented["data"][0])
    assert set(listed["pagination"]) == set(documented["pagination"])
    refused = h.http.post(f"{h.origin}/admin/v2/webhooks/subscribe", headers=auth,
                          json={"event": "no.such.event", "url": "http://localhost/hook"})
    assert refused.status_code == 422 and refused.json() == _documented("error_422_webhook_subscribe.json")
    narrow = h.fake.issue_tokens(MERCHANT, scope="offline_access products.read_write webhooks.read")
    denied = h.http.post(f"{h.origin}/admin/v2/webhooks/subscribe",
                         headers={"Authorization": f"Bearer {narrow['access_token']}"},
                         json={"event": "product.price.updated", "url": "https://optimizer.example/webhooks/salla"})
    assert denied.status_code == 401 and denied.json() == _documented("error_401_webhooks_scope.json")


def test_client_subscribes_against_the_fake_and_events_follow(make_salla: Callable[..., Harness]) -> None:
    h = make_salla()
    token = h.tokens()["access_token"]
    hook_url = f"{h.origin}/hooks/salla"
    pid = _plain_products(h, 1)[0]
    assert h.merchant.list_webhooks(token) == []
    h.fake.emit_price_updated(MERCHANT, pid)
    assert h.fake.wait_webhooks() and h.receiver.events == []  # nothing subscribed, nothing sent

    created = h.merchant.subscribe_webhook(token, event="product.price.updated", url=hook_url, name="prices")
    again = h.merchant.subscribe_webhook(token, event="product.price.updated", url=hook_url, name="prices")

    assert created.id == again.id and h.merchant.list_webhooks(token) == [created]
    assert (created.event, created.url, created.version) == ("product.price.updated", hook_url, 2)
    h.fake.emit_price_updated(MERCHANT, pid)
    assert h.fake.wait_webhooks()
    assert [(e.event, e.data["id"]) for e in h.receiver.events] == [("product.price.updated", pid)]
    narrow = h.fake.issue_tokens(MERCHANT, scope="offline_access products.read_write")["access_token"]
    with pytest.raises(MissingScope):
        h.merchant.list_webhooks(narrow)
