"""The custom-mode OAuth install: /oauth/authorize and /oauth/callback against the HTTP fake Salla."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from tests.support.web_harness import FAKE_ORIGIN, Harness, make_harness

from pricing_core.activity import ActivityType
from pricing_core.commands import EnsureStoreEvents, SweepStoreNow
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


def test_a_callback_this_browser_did_not_start_installs_the_store_without_a_session(web: Harness) -> None:
    merchant = web.merchant_ids()[0]
    query = start(web, web.new_client())  # state bound to another browser
    back = grant(web, query, merchant)
    browser = web.new_client()

    response = browser.get("/oauth/callback", params=back, follow_redirects=False)

    assert response.status_code == 200 and 'id="open-dashboard"' in response.text
    assert stores(web) == [merchant]
    with web.uow_factory(merchant) as uow:
        assert uow.store is not None and uow.store.tokens.get() is not None
    assert browser.get(f"/dashboard/stores/{merchant}").status_code == 401  # nobody was signed in
    assert web.queue.of(SweepStoreNow) == [SweepStoreNow(store_id=merchant)]


def test_callback_with_another_state_than_this_browsers_does_not_start_a_session(web: Harness) -> None:
    merchant = web.merchant_ids()[0]
    browser = web.new_client()
    query = start(web, browser)
    back = grant(web, query, merchant)
    response = browser.get("/oauth/callback", params={**back, "state": "not-the-state"}, follow_redirects=False)
    assert response.status_code == 200 and "open-dashboard" in response.text
    assert browser.get(f"/dashboard/stores/{merchant}").status_code == 401


def test_an_install_from_salla_app_store_with_salla_state_then_open_the_dashboard(web: Harness) -> None:
    merchant = web.merchant_ids()[1]
    # Salla sends the merchant straight to our callback with a code and Salla's own state.
    url = urlsplit(web.fake.app_store_install(merchant, "http://testserver/oauth/callback"))
    browser = web.new_client()

    page = browser.get(f"{url.path}?{url.query}", follow_redirects=False)

    assert page.status_code == 200 and "The app is installed" in page.text
    with web.uow_factory(merchant) as uow:
        store = uow.stores.get(merchant)
        assert uow.store is not None
        tokens = uow.store.tokens.get()
        kinds = [(e.activity_type, e.metadata.get("source")) for e in uow.store.activity.list()]
    assert store is not None and store.is_active and tokens is not None
    assert token_health(tokens, web.services.clock.now()).healthy
    assert (ActivityType.STORE_ONBOARDED, "app_store") in kinds
    assert web.queue.of(EnsureStoreEvents) == [EnsureStoreEvents(store_id=merchant)]
    assert browser.get(f"/dashboard/stores/{merchant}").status_code == 401
    # "Open the dashboard" is our own authorize round trip; Salla returns at once with our state.
    query = start(web, browser)
    done = browser.get("/oauth/callback", params=grant(web, query, merchant), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/dashboard/stores/{merchant}"
    assert browser.get(f"/dashboard/stores/{merchant}").status_code == 200


def test_a_forced_callback_with_an_attackers_code_leaves_the_victims_session_alone(web: Harness) -> None:
    """Login CSRF: the attacker makes the victim's browser finish a callback with the attacker's code."""
    victim_store, attacker_store = web.merchant_ids()[:2]
    victim = web.install(victim_store)
    attacker = web.new_client()
    stolen = grant(web, start(web, attacker), attacker_store)  # the attacker stops before the callback

    forced = victim.get("/oauth/callback", params=stolen, follow_redirects=False)

    assert forced.status_code == 200  # the attacker's own store is installed (its tokens are its own)...
    assert victim.get(f"/dashboard/stores/{victim_store}").status_code == 200  # ...the victim's session is
    assert victim.get(f"/dashboard/stores/{attacker_store}").status_code == 404  # not bound to it
    assert sorted(stores(web)) == sorted([victim_store, attacker_store])


def test_callback_without_state_or_code_is_a_400(web: Harness) -> None:
    browser = web.new_client()
    start(web, browser)
    response = browser.get("/oauth/callback", params={"code": "x"})  # Salla refuses an unknown code
    assert response.status_code == 400 and "Authorization code rejected" in response.text
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
    first, second = web.merchant_ids()[:2]
    browser = web.new_client()
    query = start(web, browser)
    back = grant(web, query, first)
    assert browser.get("/oauth/callback", params=back, follow_redirects=False).status_code == 303
    again = grant(web, query, second)  # a second code with the same (spent) state
    response = browser.get("/oauth/callback", params=again, follow_redirects=False)
    assert response.status_code == 200  # installed, but the spent state signs nobody in
    assert browser.get(f"/dashboard/stores/{first}").status_code == 200
    assert browser.get(f"/dashboard/stores/{second}").status_code == 404


def test_the_requested_scope_lets_the_app_subscribe_store_events(web: Harness) -> None:
    query = start(web, web.new_client())
    assert "webhooks.read_write" in query["scope"].split()
