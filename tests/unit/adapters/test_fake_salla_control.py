"""The fake's inspection and fault-injection API, over HTTP and in Python."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from starlette.testclient import TestClient

from adapters.fake_salla import create_fake_salla
from adapters.memory.clock import FakeClock

MERCHANT = 1234509876


@pytest.fixture
def fake_and_client():  # type: ignore[no-untyped-def]
    fake = create_fake_salla(clock=FakeClock(), bulk_delay=0)
    with TestClient(fake.app) as client:
        yield fake, client


def test_tokens_stats_and_prices_over_http(fake_and_client) -> None:  # type: ignore[no-untyped-def]
    fake, client = fake_and_client
    stores = client.get("/_fake/stores").json()
    assert stores[0]["merchant_id"] == MERCHANT
    tokens = client.post(f"/_fake/stores/{MERCHANT}/tokens").json()
    assert set(tokens) >= {"access_token", "refresh_token", "expires_in", "expires", "scope"}
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    pid = next(iter(fake.store(MERCHANT).products))
    assert client.post("/admin/v2/products/prices/bulkPrice", json={"products": [{"id": pid, "price": "31.5"}]},
                       headers=auth).status_code == 201
    assert client.get(f"/_fake/stores/{MERCHANT}/prices").json()[str(pid)] == "31.5"
    stats = client.get("/_fake/stats").json()["stores"][str(MERCHANT)]
    assert stats["requests"] == 1 and stats["by_route"] == {"POST /products/prices/bulkPrice": 1}
    assert client.post("/_fake/stats/reset").status_code == 200
    assert fake.requests(MERCHANT) == 0
    assert client.get("/_fake/stores/1/prices").status_code == 404


def test_faults_latency_bucket_and_uninstall_over_http(fake_and_client) -> None:  # type: ignore[no-untyped-def]
    fake, client = fake_and_client
    auth = {"Authorization": f"Bearer {fake.issue_tokens(MERCHANT)['access_token']}"}
    assert client.post(f"/_fake/stores/{MERCHANT}/faults", json={"kind": "error", "status": 502}).status_code == 200
    assert client.get("/admin/v2/store/info", headers=auth).status_code == 502
    assert client.get("/admin/v2/store/info", headers=auth).status_code == 200
    assert client.post(f"/_fake/stores/{MERCHANT}/faults", json={"kind": "nope"}).status_code == 400
    client.post(f"/_fake/stores/{MERCHANT}/faults", json={"kind": "malformed"})
    broken = client.get("/admin/v2/store/info", headers=auth)
    assert broken.status_code == 200 and broken.text.startswith('{"status":200') and not broken.text.endswith("}")
    assert client.post(f"/_fake/stores/{MERCHANT}/bucket", json={}).json()["level"] == 120
    limited = client.get("/admin/v2/store/info", headers=auth)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    assert fake.rate_limited(MERCHANT) == 1
    client.post(f"/_fake/stores/{MERCHANT}/latency", json={"seconds": 0.01})
    assert fake.latency(MERCHANT) == 0.01
    assert client.post(f"/_fake/stores/{MERCHANT}/uninstall").status_code == 200
    assert client.get("/admin/v2/store/info", headers=auth).status_code == 401


def test_time_scale_only_for_the_built_in_clock(fake_and_client) -> None:  # type: ignore[no-untyped-def]
    _, client = fake_and_client
    assert client.post("/_fake/time-scale", json={"scale": 10}).status_code == 400
    scaled = create_fake_salla(time_scale=5)
    with TestClient(scaled.app) as other:
        assert other.post("/_fake/time-scale", json={"scale": 10}).status_code == 200


def test_install_needs_a_webhook_url(fake_and_client) -> None:  # type: ignore[no-untyped-def]
    fake, client = fake_and_client
    assert client.post(f"/_fake/stores/{MERCHANT}/install", json={}).status_code == 409
    with pytest.raises(RuntimeError):
        fake.deliver_install(MERCHANT)


def test_oauth_page_without_login_hint_lists_the_stores(fake_and_client) -> None:  # type: ignore[no-untyped-def]
    fake, client = fake_and_client
    page = client.get("/oauth2/auth", params={"client_id": fake.client_id, "response_type": "code",
                                              "redirect_uri": "http://app/cb", "scope": "offline_access"})
    assert page.status_code == 200 and str(MERCHANT) in page.text and "login_hint" in page.text
    wrong = client.get("/oauth2/auth", params={"client_id": "other", "response_type": "code",
                                               "redirect_uri": "http://app/cb"})
    assert wrong.status_code == 400


def test_merchant_edits_and_queued_updates(fake_and_client) -> None:  # type: ignore[no-untyped-def]
    fake, _ = fake_and_client
    pid = next(iter(fake.store(MERCHANT).products))
    fake.set_price(MERCHANT, pid, "19.99")
    assert fake.prices(MERCHANT)[str(pid)] == Decimal("19.99")
    slow = create_fake_salla(bulk_delay=60)
    slow.queue_prices(MERCHANT, [(pid, Decimal("5"), None)])
    assert slow.prices(MERCHANT)[str(pid)] != Decimal("5")
    assert slow.flush_queued() == 1
    assert slow.prices(MERCHANT)[str(pid)] == Decimal("5")


def test_queued_update_shows_after_a_short_real_wait_even_on_a_frozen_clock() -> None:
    fake = create_fake_salla(clock=FakeClock(), bulk_delay=0.05)
    pid = next(iter(fake.store(MERCHANT).products))
    fake.queue_prices(MERCHANT, [(pid, Decimal("7.25"), Decimal("3"))])
    time.sleep(0.1)
    assert fake.prices(MERCHANT)[str(pid)] == Decimal("7.25")
    assert fake.store(MERCHANT).products[pid].cost_price == Decimal("3")
