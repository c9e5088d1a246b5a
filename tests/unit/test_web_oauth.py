"""The custom-mode OAuth install: /oauth/authorize and /oauth/callback against the HTTP fake Salla."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from web_harness import FAKE_ORIGIN, Harness, make_harness

from pricing_core.activity import ActivityType
from pricing_core.commands import SweepStoreNow
from pricing_core.tokens import token_health


@pytest.fixture
def web() -> Harness:
    return make_harness()


def start(web: Harness, browser) -> dict[str, str]:
    response = browser.get("/oauth/authorize", follow_redirects=False)
    assert response.status_code == 302
    url = urlsplit(response.headers["location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{FAKE_ORIGIN}/oauth2/auth"
    return {k: v[0] for k, v in parse_qs(url.query).items()}


def grant(web: Harness, query: dict[str, str], merchant_id: str) -> dict[str, str]:
    from starlette.testclient import TestClient

    answer = TestClient(web.fake.app, base_url=FAKE_ORIGIN).get(
        "/oauth2/auth", params={**query, "login_hint": merchant_id}, follow_redirects=False)
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}


def stores(web: Harness) -> list[str]:
    with web.uow_factory() as uow:
        return [s.store_id for s in uow.stores.list_all()]


def test_authorize_redirects_to_salla_with_state_scope_and_callback(web: Harness) -> None:
    query = start(web, web.new_client())
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == "http://testserver/oauth/callback"
    assert {"offline_access", "products.read_write"} <= set(query["scope"].split())
    assert "-" in query["state"]  # hyphens included, so the callback's hyphen-stripping is exercised


def test_full_install_creates_the_store_and_a_merchant_session(web: Harness) -> None:
    merchant = web.merchant_ids()[0]
    browser = web.new_client()
    query = start(web, browser)
    back = grant(web, query, merchant)
    assert back["state"] == query["state"].replace("-", "")  # what Salla does

    done = browser.get("/oauth/callback", params=back, follow_redirects=False)

    assert done.status_code == 303 and done.headers["location"] == f"/dashboard/stores/{merchant}"
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    with web.uow_factory(merchant) as uow:
        store = uow.stores.get(merchant)
        assert store is not None and store.is_active and store.store_name
        assert uow.store is not None
        assert token_health(uow.store.tokens.get(), web.services.clock.now()).healthy
        kinds = {e.activity_type for e in uow.store.activity.list()}
    assert {ActivityType.STORE_ONBOARDED, ActivityType.TOKENS_AUTHORIZED} <= kinds
    assert web.queue.of(SweepStoreNow) == [SweepStoreNow(store_id=merchant)]
    page = browser.get(f"/dashboard/stores/{merchant}")
    assert page.status_code == 200 and store.store_name in page.text


def test_callback_without_a_pending_state_is_a_400_and_stores_nothing(web: Harness) -> None:
    query = start(web, web.new_client())  # state bound to another browser
    back = grant(web, query, web.merchant_ids()[0])
    response = web.new_client().get("/oauth/callback", params=back)
    assert response.status_code == 400 and "Install link expired" in response.text
    assert stores(web) == []


def test_callback_with_a_wrong_state_is_a_400(web: Harness) -> None:
    browser = web.new_client()
    query = start(web, browser)
    back = grant(web, query, web.merchant_ids()[0])
    response = browser.get("/oauth/callback", params={**back, "state": "not-the-state"})
    assert response.status_code == 400 and "State mismatch" in response.text
    assert stores(web) == []


def test_callback_without_state_or_code_is_a_400(web: Harness) -> None:
    browser = web.new_client()
    start(web, browser)
    assert browser.get("/oauth/callback", params={"code": "x"}).status_code == 400
    query = start(web, browser)
    response = browser.get("/oauth/callback", params={"state": query["state"]})
    assert response.status_code == 400 and "Missing code" in response.text
    assert stores(web) == []


def test_a_replayed_code_is_a_400_and_stores_nothing(web: Harness) -> None:
    browser = web.new_client()
    query = start(web, browser)
    back = grant(web, query, web.merchant_ids()[0])
    web.services.salla_auth.exchange_code(back["code"], redirect_uri=query["redirect_uri"])  # someone used it

    response = browser.get("/oauth/callback", params=back)

    assert response.status_code == 400 and "Authorization code rejected" in response.text
    assert stores(web) == []


def test_a_salla_error_answer_is_a_400(web: Harness) -> None:
    browser = web.new_client()
    start(web, browser)
    response = browser.get("/oauth/callback", params={"error": "access_denied",
                                                      "error_description": "The user denied the request"})
    assert response.status_code == 400 and "access_denied" in response.text
    assert stores(web) == []


def test_state_is_single_use(web: Harness) -> None:
    browser = web.new_client()
    query = start(web, browser)
    back = grant(web, query, web.merchant_ids()[0])
    assert browser.get("/oauth/callback", params=back, follow_redirects=False).status_code == 303
    again = grant(web, query, web.merchant_ids()[1])  # a second code with the same (spent) state
    assert browser.get("/oauth/callback", params=again).status_code == 400
    assert stores(web) == [web.merchant_ids()[0]]
