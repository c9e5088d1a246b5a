"""Competitor pages over httpx.MockTransport: offers, own store, failures, politeness per domain."""

import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx

from adapters.competitors.pages import DomainThrottle, Listing, Listings, PageFetcher, PageSource
from adapters.competitors.source import OwnStore
from pricing_core import Product

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
PRODUCT = Product(id="7", sku="JBL-FLIP6", gtin="6925281995538", name="JBL Flip 6", price="229", cost_price="150")


class FakeTime:
    """A clock whose sleep advances it, so politeness waits are measured, not waited."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []
        self.lock = threading.Lock()

    def clock(self):
        with self.lock:
            return self.now

    def sleep(self, seconds):
        with self.lock:
            self.sleeps.append(seconds)


def recorded(routes):
    """A MockTransport serving saved pages by URL; anything else is a 404."""

    def handler(request):
        route = routes.get(str(request.url))
        if route is None:
            return httpx.Response(404, text="not found")
        if isinstance(route, Exception):
            raise route
        status, body = route
        return httpx.Response(status, content=body, headers={"content-type": "text/html; charset=utf-8"})

    return httpx.Client(transport=httpx.MockTransport(handler))


def page(name):
    return (PAGES / name).read_bytes()


def test_page_offers_carry_readings_stock_and_own_store():
    listings = Listings({
        "sku:jbl-flip6": [Listing("noon", "https://www.noon.com/saudi-en/jbl-flip6/p")],
        "gtin:6925281995538": [Listing("jarir", "https://www.jarir.com/sa-en/anker"),
                               Listing("Oud House", "https://oud-house.salla.sa/p1")],
    })
    client = recorded({
        "https://www.noon.com/saudi-en/jbl-flip6/p": (200, page("20_jsonld_and_meta_disagree.html")),
        "https://www.jarir.com/sa-en/anker": (200, page("12_rdfa_out_of_stock.html")),
        "https://oud-house.salla.sa/p1": (200, page("08_microdata_simple.html")),
    })
    fake = FakeTime()
    fetcher = PageFetcher(client, throttle=DomainThrottle(0.5, clock=fake.clock, sleep=fake.sleep))
    source = PageSource(listings, fetcher, own_store=lambda store_id: OwnStore(domains=["oud-house.salla.sa"]))
    offers = {o.competitor: o for o in source.offers_for("s1", [PRODUCT], NOW)["7"]}
    noon, jarir, own = offers["noon"], offers["jarir"], offers["Oud House"]
    assert (noon.price, noon.second_reading, noon.in_stock) == (Decimal("199.00"), Decimal("219.00"), True)
    assert noon.source == "page:json-ld" and noon.observed_at == NOW
    assert (jarir.price, jarir.in_stock, jarir.second_reading) == (Decimal("139.00"), False, None)
    assert own.is_own_store and not noon.is_own_store
    assert source.failures == []


def test_failed_fetches_give_no_offer_and_a_reason():
    listings = Listings({"id:7": [
        Listing("noon", "https://www.noon.com/gone"),
        Listing("extra", "https://www.extra.com/slow"),
        Listing("jarir", "https://www.jarir.com/broken"),
        Listing("amazon.sa", "https://www.amazon.sa/empty"),
    ]})
    client = recorded({
        "https://www.extra.com/slow": httpx.ReadTimeout("slow"),
        "https://www.jarir.com/broken": (503, b"maintenance"),
        "https://www.amazon.sa/empty": (200, b"<html><body><h1>Kindle</h1></body></html>"),
    })
    source = PageSource(listings, PageFetcher(client, throttle=DomainThrottle(0)))
    assert source.offers_for("s1", [PRODUCT], NOW) == {}
    reasons = {f.url.rsplit("/", 1)[-1]: f.reason for f in source.failures}
    assert reasons == {"gone": "HTTP 404", "slow": "timed out", "broken": "HTTP 503",
                       "empty": "no price found on the page"}


def test_throttle_spaces_requests_per_domain_but_not_across_domains():
    fake = FakeTime()
    throttle = DomainThrottle(2.0, clock=fake.clock, sleep=fake.sleep)
    for domain in ["noon.com", "noon.com", "jarir.com", "noon.com"]:
        with throttle.slot(domain):
            pass
    # noon: 0, +2, +4 (clock frozen at 0); jarir starts at once.
    assert fake.sleeps == [2.0, 4.0]


def test_throttle_limits_concurrency_per_domain():
    throttle = DomainThrottle(0, max_concurrent=2)
    inside, peak, lock = [0], [0], threading.Lock()
    release = threading.Event()

    def work():
        with throttle.slot("noon.com"):
            with lock:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            release.wait(0.05)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 2
