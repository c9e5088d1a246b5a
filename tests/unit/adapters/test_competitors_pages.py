"""Competitor pages over httpx.MockTransport: offers, own store, failures, politeness per domain."""

import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx

from adapters.competitors.extraction import SiteSelectors
from adapters.competitors.pages import DomainThrottle, Listing, Listings, PageFetcher, PageSource
from adapters.competitors.source import OwnStore
from pricing_core import Product, TenantSettings, price_product
from pricing_core.offers import corroboration

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
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
        "sku:jbl-flip6": [Listing("noon", "https://www.noon.com/saudi-en/hd9270/p"),
                          Listing("noon-other", "https://www.noon.com/saudi-en/jbl-flip6/p")],
        "gtin:6925281995538": [Listing("jarir", "https://www.jarir.com/sa-en/anker"),
                               Listing("Oud House", "https://oud-house.salla.sa/p1")],
    })
    client = recorded({
        "https://www.noon.com/saudi-en/hd9270/p": (200, page("01_jsonld_simple.html")),
        "https://www.noon.com/saudi-en/jbl-flip6/p": (200, page("20_jsonld_and_meta_disagree.html")),
        "https://www.jarir.com/sa-en/anker": (200, page("12_rdfa_out_of_stock.html")),
        "https://oud-house.salla.sa/p1": (200, page("08_microdata_simple.html")),
    })
    fake = FakeTime()
    fetcher = PageFetcher(client, throttle=DomainThrottle(0.5, clock=fake.clock, sleep=fake.sleep))
    source = PageSource(listings, fetcher, own_store=lambda store_id: OwnStore(domains=["oud-house.salla.sa"]),
                        clock=fake.clock, sleep=fake.sleep)
    offers = {o.competitor: o for o in source.offers_for("s1", [PRODUCT], NOW)["7"]}
    noon, jarir, own = offers["noon"], offers["jarir"], offers["Oud House"]
    assert (noon.price, noon.in_stock, noon.confidence) == (Decimal("249.00"), True, Decimal("1"))
    assert noon.source == "page:json-ld" and noon.observed_at == NOW
    assert (jarir.price, jarir.in_stock, jarir.second_reading) == (Decimal("139.00"), False, None)
    assert own.is_own_store and not noon.is_own_store
    # The page whose JSON-LD and og:price disagree gives no offer, and says why.
    assert "noon-other" not in offers
    assert [f.reason for f in source.failures] == [
        "places of the page disagree on the price (json-ld 199.00, meta 219.00)"]


def test_failed_fetches_give_no_offer_and_a_reason():
    listings = Listings({"id:7": [
        Listing("noon", "https://www.noon.com/gone"),
        Listing("extra", "https://www.extra.com/slow"),
        Listing("jarir", "https://www.jarir.com/broken"),
        Listing("salla", "https://shop.salla.sa/empty"),
    ]})
    client = recorded({
        "https://www.extra.com/slow": httpx.ReadTimeout("slow"),
        "https://www.jarir.com/broken": (503, b"maintenance"),
        "https://shop.salla.sa/empty": (200, b"<html><body><h1>Kindle</h1></body></html>"),
    })
    source = PageSource(listings, PageFetcher(client, throttle=DomainThrottle(0)))
    assert source.offers_for("s1", [PRODUCT], NOW) == {}
    reasons = {f.url.rsplit("/", 1)[-1]: f.reason for f in source.failures}
    assert reasons == {"gone": "HTTP 404", "slow": "timed out", "broken": "HTTP 503",
                       "empty": "no price found on the page"}


def jsonld_page(price, stock="InStock"):
    return (200, f"""<script type="application/ld+json">{{"@type":"Product","offers":{{"@type":"Offer",
        "price":"{price}","priceCurrency":"SAR","availability":"https://schema.org/{stock}"}}}}</script>""".encode())


def sequence(routes):
    """A MockTransport serving, per URL, one response per request in turn; it records the requests."""
    seen = []

    def handler(request):
        seen.append((str(request.url), request.headers.get("cache-control")))
        answers = routes[str(request.url)]
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        return httpx.Response(status, content=body, headers={"content-type": "text/html"})

    return httpx.Client(transport=httpx.MockTransport(handler)), seen


def test_an_offer_that_could_lower_our_price_is_read_again_later_by_a_separate_fetch():
    url = "https://www.noon.com/p/cheap"
    client, seen = sequence({url: [jsonld_page("199"), jsonld_page("199")]})
    fake = FakeTime()
    source = PageSource(Listings({"id:7": [Listing("noon", url)]}), PageFetcher(client, throttle=DomainThrottle(0)),
                        recheck_delay=45, clock=fake.clock, sleep=fake.sleep)
    [offer] = source.offers_for("s1", [PRODUCT], NOW)["7"]
    assert (offer.price, offer.second_reading) == (Decimal("199"), Decimal("199"))
    assert seen == [(url, None), (url, "no-cache")]  # two fetches, the second bypassing caches
    assert fake.sleeps == [45]  # after the delay


def test_a_second_reading_that_differs_or_fails_is_recorded_and_does_not_corroborate():
    changed, broken = "https://www.noon.com/p/changed", "https://www.extra.com/p/broken"
    client, _ = sequence({changed: [jsonld_page("199"), jsonld_page("239")],
                          broken: [jsonld_page("189"), httpx.ConnectTimeout("down")]})
    fake = FakeTime()
    source = PageSource(Listings({"id:7": [Listing("noon", changed), Listing("extra", broken)]}),
                        PageFetcher(client, throttle=DomainThrottle(0)), clock=fake.clock, sleep=fake.sleep)
    offers = {o.competitor: o for o in source.offers_for("s1", [PRODUCT], NOW)["7"]}
    assert offers["noon"].second_reading == Decimal("239")
    assert "second reading 239 differs from 199" in offers["noon"].note
    assert offers["extra"].second_reading is None
    assert "second reading failed" in offers["extra"].note
    assert not corroboration(offers["noon"], [], Decimal("2"))
    assert not corroboration(offers["extra"], [], Decimal("2"))


def test_an_offer_that_cannot_lower_our_price_is_not_fetched_twice():
    above, gone = "https://www.noon.com/p/above", "https://www.noon.com/p/gone"
    client, seen = sequence({above: [jsonld_page("300")], gone: [jsonld_page("150", "OutOfStock")]})
    source = PageSource(Listings({"id:7": [Listing("noon", above), Listing("noon2", gone)]}),
                        PageFetcher(client, throttle=DomainThrottle(0)), sleep=lambda s: None)
    offers = source.offers_for("s1", [PRODUCT], NOW)["7"]
    assert len(seen) == 2 and all(o.second_reading is None for o in offers)


def test_a_selector_that_stops_matching_reaches_the_merchant_through_the_decision():
    url = "https://www.noon.com/p/x"
    client, _ = sequence({url: [jsonld_page("150")]})
    listing = Listing("noon", url, selectors=SiteSelectors(price='[data-qa="div-price-now"]'))
    source = PageSource(Listings({"id:7": [listing]}), PageFetcher(client, throttle=DomainThrottle(0)),
                        sleep=lambda s: None)
    [offer] = source.offers_for("s1", [PRODUCT], NOW)["7"]
    assert offer.confidence == 0 and "matches nothing on the page any more" in offer.note
    decision = price_product(PRODUCT, [offer], TenantSettings(), now=NOW)
    assert decision.suggested_price == PRODUCT.price  # nothing to act on
    offers_line = next(line for line in decision.explanation if line.startswith("Offers:"))
    assert "matches nothing on the page any more" in offers_line


def test_a_page_that_does_not_say_its_stock_is_trusted_less():
    url = "https://shop.salla.sa/p"
    client, _ = sequence({url: [(200, b'<body><h1>Oud</h1><span class="price">SAR 180</span></body>')]})
    source = PageSource(Listings({"id:7": [Listing("salla", url)]}), PageFetcher(client, throttle=DomainThrottle(0)),
                        sleep=lambda s: None)
    [offer] = source.offers_for("s1", [PRODUCT], NOW)["7"]
    assert offer.in_stock and offer.confidence == Decimal("0.6")
    assert "does not say whether it is in stock" in offer.note


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


def test_a_page_that_states_its_shipping_gives_an_offer_with_it() -> None:
    from adapters.competitors.extraction import PageExtraction
    from adapters.competitors.pages import Listing, offer_from_extraction

    page = PageExtraction(Decimal("149.00"), "SAR", True, "json-ld", Decimal("0.9"), shipping=Decimal("25"))
    offer = offer_from_extraction(Listing(competitor="noon", url="https://www.noon.com/p/1"), page,
                                  datetime(2026, 11, 27, tzinfo=UTC))
    assert offer.shipping == Decimal("25") and offer.price == Decimal("149.00")
