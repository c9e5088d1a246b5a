"""Competitor feeds: CSV and JSON, from a file or over HTTP; bad rows skipped with a reason."""

import logging
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from adapters.competitors.feeds import FeedError, FeedSource, RejectedRow, parse_feed, parse_row
from adapters.competitors.source import OwnStore
from pricing_core import Product

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "competitors"
NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
OUD = Product(id="1", sku="oud-100", name="Royal Oud", price="159", cost_price="90")
TV = Product(id="2", sku="TV-55", gtin="6281234567890", name="TV", price="260")
OTHER = Product(id="3", sku="NOPE", name="No offers", price="10")


def own_store(store_id):
    return OwnStore(domains=["oud-house.salla.sa"], names=["my-store"])


def test_csv_feed_matches_by_sku_and_gtin_and_keeps_what_rows_carry(caplog):
    source = FeedSource(FIXTURES / "feed.csv", own_store=own_store)
    with caplog.at_level(logging.WARNING):
        offers = source.offers_for("s1", [OUD, TV, OTHER], NOW)
    assert set(offers) == {"1", "2"}
    oud = {o.competitor: o for o in offers["1"]}
    assert set(oud) == {"noon", "amazon.sa", "my-store"}
    assert oud["noon"].price == Decimal("149.00")
    assert oud["noon"].previous_price == Decimal("150.00")
    assert oud["noon"].second_reading is None  # the row did not carry one
    assert oud["amazon.sa"].price == Decimal("145.00")  # Arabic-Indic digits and decimal separator
    assert oud["amazon.sa"].observed_at == datetime(2026, 11, 23, 6, 5, tzinfo=UTC)
    assert oud["my-store"].is_own_store and not oud["noon"].is_own_store
    tv = {o.competitor: o for o in offers["2"]}
    assert tv["jarir"].in_stock is False and tv["jarir"].price == Decimal("249.50")
    assert tv["jarir"].currency == "SAR"  # from the currency word ر.س
    assert tv["jarir"].second_reading == Decimal("249.50")
    assert tv["jarir"].observed_at.tzinfo is not None
    assert tv["extra"].in_stock is True
    reasons = [r.reason for r in source.last_rejected]
    assert reasons == [
        "no competitor",
        "unreadable price 'free'",
        "unreadable observed_at 'yesterday'",
        "no sku, gtin or product_id",
        "unreadable in_stock 'maybe'",
    ]
    assert "feed row 6 skipped: no competitor" in caplog.text


def test_json_feed_over_http():
    body = (FIXTURES / "feed.json").read_bytes()
    seen = []

    def handler(request):
        seen.append(str(request.url))
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    source = FeedSource("https://feeds.example.sa/competitors", client=client)
    offers = source.offers_for("s1", [OUD, TV], NOW)
    assert seen == ["https://feeds.example.sa/competitors"]
    assert [o.competitor for o in offers["1"]] == ["noon"]
    assert offers["1"][0].second_reading == Decimal("149.00")
    assert [o.in_stock for o in offers["2"]] == [False]
    assert len(source.last_rejected) == 3  # negative price, unknown currency, a row that is not an object


def test_unreachable_feed_raises_a_feed_error_for_the_composite_to_log():
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    with pytest.raises(FeedError, match="could not be fetched"):
        FeedSource("https://feeds.example.sa/x.csv", client=client).offers_for("s1", [OUD], NOW)
    with pytest.raises(FeedError, match="could not be read"):
        FeedSource(FIXTURES / "missing.csv").offers_for("s1", [OUD], NOW)


def test_broken_json_is_a_feed_error():
    with pytest.raises(FeedError):
        parse_feed("[{not json", fmt="json")


@pytest.mark.parametrize(("price", "expected"), [("2.5e3", Decimal("2500")), ("2.5E+3", Decimal("2500")),
                                                  (2.5e3, Decimal("2500.0")), ("1,299.50", Decimal("1299.50")),
                                                  ("12.500", Decimal("12.500"))])
def test_feed_prices_in_exponent_notation_are_read_exactly(price, expected):
    row = {"sku": "OUD-100", "competitor": "noon", "price": price, "observed_at": "2026-11-23T09:00:00Z"}
    assert parse_row(row, 1).offer.price == expected


@pytest.mark.parametrize("price", ["2,5e3", "1e400", "nan", "-12", "12 or 13"])
def test_feed_prices_that_could_be_misread_are_rejected_with_a_reason(price):
    row = {"sku": "OUD-100", "competitor": "noon", "price": price, "observed_at": "2026-11-23T09:00:00Z"}
    rejected = parse_row(row, 1)
    assert isinstance(rejected, RejectedRow) and "unreadable price" in rejected.reason


def test_a_feed_rows_currency_settles_its_decimals():
    row = {"sku": "OUD-100", "competitor": "xcite", "price": "KD 1,250.500", "currency": "KWD",
           "observed_at": "2026-11-23T09:00:00Z"}
    assert parse_row(row, 1).offer.price == Decimal("1250.500")
    row["price"] = "1,250 KD"  # thousands or decimals? refused, not guessed
    assert isinstance(parse_row(row, 1), RejectedRow)


def test_a_feed_may_state_shipping() -> None:
    feed = parse_feed("sku,competitor,price,observed_at,shipping\n"
                      "A,noon,90,2026-03-01T09:00:00Z,15\nB,noon,90,2026-03-01T09:00:00Z,\n"
                      "C,noon,90,2026-03-01T09:00:00Z,free\n")
    assert [r.offer.shipping for r in feed.rows] == [Decimal("15"), None]
    assert [r.reason for r in feed.rejected] == ["unreadable shipping 'free'"]
