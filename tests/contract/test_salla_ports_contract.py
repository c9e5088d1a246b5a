"""The Salla ports' contract at the port level, run against every implementation of the ports.

``SallaAuth``, ``SallaCatalog`` and ``SallaWebhooks`` are implemented twice: by the httpx clients
(``adapters.salla``, here against the fake Salla in process) and by the in-memory fakes the use
case tests run on (``adapters.memory.salla``). What the use cases rely on must hold for both:
token rotation and chain revocation, a catalog read page by page, products by id, prices
written and read back, refusals reported per product, and store webhooks.

``test_salla_contract.py`` covers the HTTP side (rate limits, faults, envelopes, signed webhook
deliveries, both transports) through the fake Salla's own inspection API; the in-memory fakes
have no HTTP, so only these port-level checks apply to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import attrs
import pytest
from starlette.testclient import TestClient

from adapters.fake_salla import SandboxStoreSpec, create_fake_salla
from adapters.memory.clock import FakeClock
from adapters.memory.salla import FakeSallaAuth, FakeSallaCatalog
from adapters.salla import SallaMerchantClient, SallaOAuthClient
from pricing_core.catalog import Product
from pricing_core.errors import MissingScope, TokenRevoked
from pricing_core.ports import DEFAULT_SCOPE, PriceUpdate, SallaAuth, SallaCatalog, SallaWebhooks
from pricing_core.tokens import TokenSet

STORES = ("1234509876", "1234509877")
PRODUCTS = 130  # three pages of 60
REDIRECT = "https://optimizer.example/oauth/callback"
HOOK_URL = "https://optimizer.example/webhooks/salla"
NO_WEBHOOKS_SCOPE = "offline_access products.read_write"


class Catalog(SallaCatalog, SallaWebhooks, Protocol):
    """Both implementations serve the catalog and the store webhooks from one object."""


@attrs.define
class Ports:
    """One implementation of the Salla ports, with the few set-up steps the ports do not cover."""

    auth: SallaAuth
    catalog: Catalog
    install: Callable[[str, str], TokenSet]  # (merchant id, scope) -> tokens, as an easy-mode install grants
    code_for: Callable[[str], str]  # merchant id -> a fresh authorization code
    uninstall: Callable[[str], None]
    product_ids: Callable[[str], list[str]]  # merchant id -> the ids of its catalog, as the core sees them


def _fake_salla_ports(clock: FakeClock, closing: list[Any]) -> Ports:
    """The httpx clients against the fake Salla in process, with a catalog of plain products."""
    specs = [
        SandboxStoreSpec(name=f"Store {mid}", products=PRODUCTS, merchant_id=int(mid), quirks=False,
                         variant_share=0.0, sale_share=0.0)
        for mid in STORES
    ]
    fake = create_fake_salla(clock=clock, stores=specs, bulk_delay=0)
    http = TestClient(fake.app)
    closing.extend([http, fake])
    oauth = SallaOAuthClient(http, accounts_url="http://testserver", client_id=fake.client_id,
                             client_secret=fake.client_secret, clock=clock)
    merchant = SallaMerchantClient(http, api_url="http://testserver/admin/v2", sleep=lambda _: None, clock=clock)

    def install(merchant_id: str, scope: str) -> TokenSet:
        granted = fake.issue_tokens(merchant_id, scope=scope)
        return TokenSet(access_token=granted["access_token"], refresh_token=granted["refresh_token"],
                        expires_at=clock.now() + timedelta(seconds=granted["expires_in"]), scope=granted["scope"])

    def code_for(merchant_id: str) -> str:
        return parse_qs(urlsplit(fake.app_store_install(merchant_id, REDIRECT)).query)["code"][0]

    return Ports(
        auth=oauth, catalog=merchant, install=install, code_for=code_for, uninstall=fake.uninstall_store,
        product_ids=lambda mid: [str(pid) for pid in fake.store(mid).products],
    )


def _memory_ports(clock: FakeClock) -> Ports:
    """The in-memory fakes, holding the same number of products per store."""
    auth = FakeSallaAuth(clock.now)
    catalog = FakeSallaCatalog(auth)
    ids = {mid: [str(1_000_000 * (number + 1) + i) for i in range(PRODUCTS)] for number, mid in enumerate(STORES)}
    for mid, product_ids in ids.items():
        catalog.add_store(mid, [
            Product(id=pid, sku=f"SKU-{pid}", name=f"Product {pid}", price=Decimal("100") + i,
                    cost_price=Decimal("60"))
            for i, pid in enumerate(product_ids)
        ])
    return Ports(
        auth=auth, catalog=catalog, install=lambda mid, scope: auth.issue(mid, scope=scope),
        code_for=lambda mid: mid,  # this fake's codes are merchant ids
        uninstall=auth.uninstall, product_ids=lambda mid: list(ids[mid]),
    )


@pytest.fixture(params=["fake_salla", "memory"])
def ports(request: pytest.FixtureRequest) -> Iterator[Ports]:
    """Each implementation of the Salla ports in turn."""
    clock = FakeClock()
    closing: list[Any] = []
    yield _fake_salla_ports(clock, closing) if request.param == "fake_salla" else _memory_ports(clock)
    for resource in closing:
        resource.close()


def _token(ports: Ports, merchant_id: str = STORES[0], scope: str = DEFAULT_SCOPE) -> str:
    return ports.install(merchant_id, scope).access_token


# ---------------------------------------------------------------------------------------------
# SallaAuth


def test_a_code_is_exchanged_for_the_store_s_tokens(ports: Ports) -> None:
    tokens = ports.auth.exchange_code(ports.code_for(STORES[0]), redirect_uri=REDIRECT)
    assert tokens.access_token and tokens.refresh_token
    assert ports.auth.user_info(tokens.access_token).merchant_id == STORES[0]
    assert ports.catalog.store_info(tokens.access_token).merchant_id == STORES[0]


def test_refresh_rotates_and_reusing_a_refresh_token_revokes_the_chain(ports: Ports) -> None:
    first = ports.install(STORES[0], DEFAULT_SCOPE)
    second = ports.auth.refresh(first.refresh_token or "")
    assert second.refresh_token not in (None, first.refresh_token)
    assert ports.catalog.store_info(second.access_token).merchant_id == STORES[0]
    with pytest.raises(TokenRevoked):
        ports.auth.refresh(first.refresh_token or "")
    with pytest.raises(TokenRevoked):
        ports.catalog.store_info(second.access_token)
    with pytest.raises(TokenRevoked):
        ports.auth.refresh(second.refresh_token or "")
    # another store's chain is untouched
    assert ports.catalog.store_info(_token(ports, STORES[1])).merchant_id == STORES[1]


def test_an_unknown_token_is_revoked(ports: Ports) -> None:
    with pytest.raises(TokenRevoked):
        ports.auth.user_info("not-a-token")
    with pytest.raises(TokenRevoked):
        ports.catalog.store_info("not-a-token")


def test_an_uninstalled_store_s_tokens_are_revoked(ports: Ports) -> None:
    token = _token(ports)
    ports.uninstall(STORES[0])
    with pytest.raises(TokenRevoked):
        list(ports.catalog.iter_product_pages(token))
    assert ports.catalog.store_info(_token(ports, STORES[1])).merchant_id == STORES[1]


# ---------------------------------------------------------------------------------------------
# SallaCatalog


def test_pages_cover_the_catalog_once(ports: Ports) -> None:
    pages = list(ports.catalog.iter_product_pages(_token(ports)))
    assert [p.page for p in pages] == [1, 2, 3]
    assert {p.total_pages for p in pages} == {3}
    assert {p.total_products for p in pages} == {PRODUCTS}
    ids = [product.id for page in pages for product in page.products]
    assert sorted(ids) == sorted(ports.product_ids(STORES[0])) and len(set(ids)) == PRODUCTS
    assert not any(page.rejected for page in pages)


def test_products_by_id_and_a_missing_one(ports: Ports) -> None:
    wanted = ports.product_ids(STORES[0])[:3]
    page = ports.catalog.get_products(_token(ports), [*wanted, "999999"])
    assert sorted(p.id for p in page.products) == sorted(wanted)
    assert [r.product_id for r in page.rejected] == ["999999"]


def test_written_prices_are_read_back(ports: Ports) -> None:
    token = _token(ports)
    ids = ports.product_ids(STORES[0])[:5]
    updates = [PriceUpdate(product_id=pid, price=Decimal("123.45") + i) for i, pid in enumerate(ids)]
    report = ports.catalog.apply_prices(token, updates)
    assert sorted(report.accepted) == sorted(ids) and not report.failed and not report.retryable
    assert report.requests >= 1
    prices = {p.id: p.price for p in ports.catalog.get_products(token, ids).products}
    assert prices == {u.product_id: u.price for u in updates}


def test_a_refused_product_is_reported_and_the_rest_written(ports: Ports) -> None:
    token = _token(ports)
    ids = ports.product_ids(STORES[0])[:3]
    stranger = ports.product_ids(STORES[1])[0]  # a product of another store
    report = ports.catalog.apply_prices(
        token, [*(PriceUpdate(product_id=pid, price=Decimal("50")) for pid in ids),
                PriceUpdate(product_id=stranger, price=Decimal("10"))])
    assert sorted(report.accepted) == sorted(ids)
    assert list(report.failed) == [stranger]
    assert {p.id: p.price for p in ports.catalog.get_products(token, ids).products} == dict.fromkeys(ids, Decimal(50))


# ---------------------------------------------------------------------------------------------
# SallaWebhooks


def test_subscribing_twice_keeps_one_webhook(ports: Ports) -> None:
    token = _token(ports)
    assert ports.catalog.list_webhooks(token) == []
    created = ports.catalog.subscribe_webhook(token, event="product.price.updated", url=HOOK_URL, name="prices")
    again = ports.catalog.subscribe_webhook(token, event="product.price.updated", url=HOOK_URL, name="prices")
    assert again.id == created.id
    assert (created.event, created.url, created.version) == ("product.price.updated", HOOK_URL, 2)
    assert ports.catalog.list_webhooks(token) == [created]
    assert ports.catalog.list_webhooks(_token(ports, STORES[1])) == []  # per store


def test_webhooks_need_their_scope(ports: Ports) -> None:
    token = _token(ports, scope=NO_WEBHOOKS_SCOPE)
    with pytest.raises(MissingScope):
        ports.catalog.list_webhooks(token)
    with pytest.raises(MissingScope):
        ports.catalog.subscribe_webhook(token, event="product.price.updated", url=HOOK_URL, name="prices")
    assert ports.catalog.store_info(token).merchant_id == STORES[0]  # the token itself is fine
