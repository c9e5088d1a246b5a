"""The competitor-page watchlist and its wiring into ``build_competitor_source``."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from adapters.competitors import (
    CompositeCompetitorSource,
    FeedSource,
    PageSource,
    WatchlistError,
    build_competitor_source,
    load_watchlist,
)
from adapters.competitors.extraction import SiteSelectors
from adapters.competitors.pages import PageFetcher
from adapters.config import Config
from pricing_core import Product

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "watchlist.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_watchlist_rows_by_sku_and_gtin_and_bad_rows_skipped(tmp_path, caplog):
    path = write(tmp_path, "sku,gtin,competitor,url\n"
                           "DATES-1KG,,noon,https://shop.example/dates\n"
                           ",6281234567890,jarir,https://jarir.example/oud\n"
                           "NO-URL,,extra,ftp://nope\n"
                           ",,amazon,https://amazon.example/x\n")
    listings = load_watchlist(path)
    dates = Product(id="1", sku="dates-1kg", price="100")
    oud = Product(id="2", sku="OUD", gtin="06281234567890", price="300")
    assert [(x.competitor, x.url) for x in listings.for_product(dates)] == [("noon", "https://shop.example/dates")]
    assert [x.competitor for x in listings.for_product(oud)] == ["jarir"]
    assert "not an http(s) URL" in caplog.text and "neither sku nor gtin" in caplog.text


@pytest.mark.parametrize("text", ["sku,competitor\nA,noon\n", "competitor,url\nnoon,https://x.example\n"])
def test_unusable_watchlist_is_a_clear_error(tmp_path, text):
    with pytest.raises(WatchlistError, match="needs the columns"):
        load_watchlist(write(tmp_path, text))
    with pytest.raises(WatchlistError, match="cannot read"):
        load_watchlist(tmp_path / "missing.csv")


def test_watched_pages_become_offers(tmp_path):
    html = (PAGES / "01_jsonld_simple.html").read_text(encoding="utf-8")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/dates":
            return httpx.Response(200, text=html, headers={"content-type": "text/html"})
        return httpx.Response(404)

    listings = load_watchlist(write(tmp_path, "sku,competitor,url\nDATES-1KG,noon,https://shop.example/dates\n"
                                              "DATES-1KG,gone,https://shop.example/missing\n"))
    source = PageSource(listings, PageFetcher(httpx.Client(transport=httpx.MockTransport(handler))))
    offers = source.offers_for("s1", [Product(id="1", sku="DATES-1KG", price="100")], NOW)
    assert [o.competitor for o in offers["1"]] == ["noon"]  # the failed fetch is no offer, not a price
    assert offers["1"][0].price > Decimal(0) and offers["1"][0].source.startswith("page:")
    assert source.failures and source.failures[0].url.endswith("/missing")


def test_build_competitor_source_merges_feed_and_pages(tmp_path):
    watchlist = write(tmp_path, "sku,competitor,url\nA,noon,https://shop.example/a\n")
    feed = tmp_path / "feed.csv"
    feed.write_text("sku,competitor,price,currency,url,in_stock,observed_at\n", encoding="utf-8")
    config = Config(salla_client_id="id", salla_client_secret="secret", competitor_feed_url=str(feed),
                    competitor_pages_file=str(watchlist))
    source = build_competitor_source(config)
    assert isinstance(source, CompositeCompetitorSource)
    assert [type(s) for s in source.sources] == [FeedSource, PageSource]
    assert Config.from_env({"COMPETITOR_PAGES_FILE": str(watchlist)}).competitor_pages_file == str(watchlist)


def test_selectors_apply_to_every_page_of_the_competitors_domain(tmp_path, caplog):
    path = write(tmp_path, "sku,competitor,url,price_selector,stock_selector\n"
                           'A,noon,https://www.noon.com/a,[data-qa="div-price-now"],//button[@id="buy"]\n'
                           "B,noon,https://noon.com/b,,\n"
                           "C,noon,https://www.noon.com/c,.other,\n"
                           "D,jarir,https://www.jarir.com/d,div[[,\n"
                           "E,extra,https://www.extra.com/e,,\n")
    listings = load_watchlist(path)

    def selectors(sku):
        [listing] = listings.for_product(Product(id=sku, sku=sku, price="10"))
        return listing.selectors

    noon = SiteSelectors(price='[data-qa="div-price-now"]', stock='//button[@id="buy"]')
    assert selectors("A") == selectors("B") == selectors("C") == noon  # one set per domain, the first given
    assert selectors("E") is None
    assert listings.for_product(Product(id="D", sku="D", price="10")) == []  # a broken selector skips its row
    assert "price_selector: not a CSS selector or XPath" in caplog.text
    assert "other selectors for noon.com" in caplog.text
