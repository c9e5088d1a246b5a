"""The httpx clients' edges, over httpx.MockTransport: token shapes, errors, no token retries, 422 items."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.memory.clock import FakeClock
from adapters.salla import SallaMerchantClient, SallaOAuthClient, build_salla
from adapters.salla.oauth import parse_user_info, with_required_scopes
from pricing_core.errors import BadResponse, SallaUnavailable, TokenRevoked
from pricing_core.ports import PriceUpdate

FIXTURES = Path(__file__).parents[2] / "contract" / "salla_fixtures"


def _json(name: str) -> object:
    return json.loads((FIXTURES / name).read_text())


def _oauth(handler: Callable[[httpx.Request], httpx.Response], clock: FakeClock) -> SallaOAuthClient:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return SallaOAuthClient(http, accounts_url="https://accounts.test", client_id="cid", client_secret="sec",
                            clock=clock)


@pytest.mark.parametrize("fixture", ["token_authorization_code.json", "token_refresh.json"])
def test_token_answers_with_expires_or_expires_in(fixture: str) -> None:
    clock = FakeClock()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=_json(fixture))

    tokens = _oauth(handler, clock).exchange_code("code-1", redirect_uri="https://app/cb")
    assert tokens.expires_at == clock.now() + timedelta(seconds=1_209_599)
    assert tokens.refresh_token and tokens.refresh_token.startswith("ory_rt_")
    form = dict(x.split("=", 1) for x in seen[0].content.decode().split("&"))
    assert seen[0].headers["content-type"] == "application/x-www-form-urlencoded"
    assert form["grant_type"] == "authorization_code" and form["client_secret"] == "sec"


@pytest.mark.parametrize("status", [400, 401])
def test_invalid_grant_is_revoked(status: int) -> None:
    oauth = _oauth(lambda r: httpx.Response(status, json=_json("token_reuse_error.json")), FakeClock())
    with pytest.raises(TokenRevoked) as info:
        oauth.refresh("ory_rt_old")
    assert info.value.status == status and "already used" in str(info.value)


def test_token_requests_are_never_retried() -> None:
    calls: list[int] = []

    def timeout(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(SallaUnavailable):
        _oauth(timeout, FakeClock()).refresh("ory_rt_1")
    assert calls == [1]  # a retry would resend a refresh token that may already be rotated
    with pytest.raises(SallaUnavailable):
        _oauth(lambda r: httpx.Response(502, text="bad gateway"), FakeClock()).refresh("ory_rt_1")
    with pytest.raises(BadResponse):
        _oauth(lambda r: httpx.Response(200, text="<html>"), FakeClock()).refresh("ory_rt_1")
    with pytest.raises(BadResponse):
        _oauth(lambda r: httpx.Response(200, json={"access_token": "x"}), FakeClock()).refresh("ory_rt_1")


def test_user_info_with_and_without_envelope() -> None:
    documented = parse_user_info(_json("user_info.json"))  # type: ignore[arg-type]
    assert (documented.merchant_id, documented.plan, documented.email) == ("847769313", "pro", "ahmed@example.com")
    bare = parse_user_info(_json("user_info.json")["data"])  # type: ignore[index]
    assert bare == documented
    legacy = parse_user_info({"data": {"store": {"id": 5, "name": "Old"}}})
    assert legacy.merchant_id == "5"
    with pytest.raises(BadResponse):
        parse_user_info({"data": {"name": "nobody"}})


def test_scopes_are_completed() -> None:
    assert with_required_scopes("settings.read,products.read") == (
        "settings.read products.read offline_access products.read_write"
    )


def _merchant(handler: Callable[[httpx.Request], httpx.Response], **kwargs: object) -> SallaMerchantClient:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return SallaMerchantClient(http, api_url="https://api.test/admin/v2", sleep=lambda s: None, clock=FakeClock(),
                               **kwargs)  # type: ignore[arg-type]


def test_store_info_fixture() -> None:
    info = _merchant(lambda r: httpx.Response(200, json=_json("store_info.json"))).store_info("tok")
    assert (info.merchant_id, info.plan, info.currency, info.user_name) == ("1305146709", "pro", "SAR", "Ahmed")


def test_422_items_are_failed_and_the_rest_resent() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            body = json.loads(request.content)
            bodies.append(body)
            if len(bodies) == 1:
                return httpx.Response(422, json=_json("error_422_bulk.json"))
            return httpx.Response(201, json=_json("bulk_price_queued.json"))
        product_id = request.url.path.rsplit("/", 1)[1]
        price = next(p["price"] for p in bodies[-1]["products"] if str(p["id"]) == product_id)
        return httpx.Response(200, json={"status": 200, "success": True,
                                         "data": {"id": int(product_id), "price": {"amount": price}}})

    client = _merchant(handler)
    updates = [PriceUpdate(product_id=str(i), price=Decimal("10.005") + i) for i in (11, 12, 13)]
    report = client.apply_prices("tok", updates)
    assert report.accepted == ("12", "13")
    assert "products.0.price" in report.failed["11"]
    assert bodies[0]["products"][0] == {"id": 11, "price": 21.01}
    assert len(bodies[1]["products"]) == 2
    assert report.requests == 2 + 2  # two bulk posts, two sampled confirmations


def test_an_update_that_does_not_show_yet_is_reported_unconfirmed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(201, json=_json("bulk_price_queued.json"))
        return httpx.Response(200, json={"status": 200, "success": True,
                                         "data": {"id": 1, "price": {"amount": 5, "currency": "SAR"}}})

    updates = [PriceUpdate(product_id=str(i), price=Decimal(9)) for i in range(1, 6)]
    report = _merchant(handler, confirm_attempts=2).apply_prices("tok", updates)
    # Salla queued them: not visible yet is not a failure, but the report says so
    assert report.accepted == ("1", "2", "3", "4", "5") and report.failed == {}
    assert report.unconfirmed == ("1", "3", "5") and report.confirmed == ()  # first, middle, last
    assert report.requests == 1 + 3 * 2


def test_outage_during_apply_reports_the_chunk_retryable_without_raising() -> None:
    client = _merchant(lambda r: httpx.Response(503, json={"status": 503}), max_attempts=2)
    report = client.apply_prices("tok", [PriceUpdate(product_id="1", price=Decimal(9)),
                                         PriceUpdate(product_id="x", price=Decimal(9))])
    # 503: nothing written, and a later attempt may succeed; the malformed id is refused for good
    assert report.accepted == () and report.retryable["1"].startswith("not sent")
    assert "1" not in report.failed and report.failed["x"] == "not a Salla product id"


def test_build_salla_shares_one_client() -> None:
    http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=_json("user_info.json"))))
    oauth, merchant = build_salla(accounts_url="https://a.test/", api_url="https://b.test/admin/v2",
                                  client_id="c", client_secret="s", http=http)
    assert oauth.user_info("tok").merchant_id == "847769313"
    assert oauth.authorize_url(state="x", redirect_uri="https://app/cb").startswith("https://a.test/oauth2/auth?")
    assert merchant.per_page == 60


DOCS = Path(__file__).parents[2] / "contract" / "salla_docs"


def _documented(name: str) -> Any:
    return json.loads((DOCS / name).read_text(encoding="utf-8"))


def test_confirmation_compares_the_regular_price_during_a_sale() -> None:
    """We wrote 159; Salla shows ``price`` 79 (a running sale) and ``regular_price`` 159: confirmed."""
    on_sale = _documented("list_products.json")["data"][1]  # product 1994210129

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(201, json=_documented("bulk_price_201.json"))
        return httpx.Response(200, json={"status": 200, "success": True, "data": on_sale})

    report = _merchant(handler).apply_prices("tok", [PriceUpdate(product_id="1994210129", price=Decimal(159))])
    assert report.confirmed == ("1994210129",) and report.unconfirmed == ()
    # 79 was never the merchant's price: writing 79 stays unconfirmed
    report = _merchant(handler, confirm_attempts=1).apply_prices(
        "tok", [PriceUpdate(product_id="1994210129", price=Decimal(79))])
    assert report.confirmed == () and report.unconfirmed == ("1994210129",)


@pytest.mark.parametrize(("answer", "written", "failure"), [
    # documented model example: price 90.5 is the sale price, the regular price is 100.33
    (_documented("product_variant_model_example.json"), "100.33", None),
    (_documented("product_variant_model_example.json"), "90.5", "Salla kept 100.33 instead of 90.50"),
    # documented 201: no regular_price and no sale, so ``price`` is the regular price
    (_documented("variant_update_201.json")["data"], "13.5", None),
    (_documented("variant_update_201.json")["data"], "14", "Salla kept 13.50 instead of 14.00"),
    # a sale and no regular_price: the answer does not show what we wrote, which is no refusal
    ({"id": 5, "price": {"amount": 20}, "sale_price": {"amount": 20}}, "30", None),
], ids=["model-regular", "model-sale-price-is-not-ours", "doc-201", "doc-201-kept", "sale-only"])
def test_variant_answers_are_compared_regular_with_regular(answer: Any, written: str, failure: str | None) -> None:
    client = _merchant(lambda r: httpx.Response(201, json={"status": 201, "success": True, "data": answer}))
    report = client.apply_prices("tok", [PriceUpdate(product_id="1:5", price=Decimal(written))])
    if failure is None:
        assert report.accepted == ("1:5",) and report.failed == {}
    else:
        assert report.accepted == () and report.failed == {"1:5": failure}


def test_documented_variant_404_and_422() -> None:
    for status, fixture, reason in [(404, "variant_update_404.json", "SKU not found (404)"),
                                    (422, "variant_update_422.json", "refused by Salla")]:
        client = _merchant(lambda r, s=status, f=fixture: httpx.Response(s, json=_documented(f)))
        report = client.apply_prices("tok", [PriceUpdate(product_id="1:5", price=Decimal(3))])
        assert report.failed["1:5"].startswith(reason)


def test_a_rate_limited_variant_write_is_retryable_not_refused() -> None:
    client = _merchant(lambda r: httpx.Response(429, headers={"Retry-After": "0"}, json={"status": 429}),
                       max_attempts=1)
    report = client.apply_prices("tok", [PriceUpdate(product_id="1:5", price=Decimal(3))])
    assert report.accepted == () and report.failed == {}
    assert report.retryable["1:5"].startswith("not sent")
