"""Competitor product pages: polite fetching with httpx, then price extraction (the ``extraction`` package).

A failed fetch (timeout, HTTP error, no readable price) yields *no offer* and a logged reason:
a page that did not load says nothing about the competitor's price, so it must never look like a
price change.

An offer that could pull our price down (in stock, priced below ours or close above it) is read a
second time, by a separate fetch after ``recheck_delay`` seconds: that reading, not another place
of the same page, is the offer's ``second_reading``, which the core's trust rules require before
an automatic decrease relies on a single competitor.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Protocol

import attrs
import httpx

from adapters.competitors.extraction import PageExtraction, SiteSelectors, extract
from adapters.competitors.source import OwnStoreLookup, domain_of, no_own_store, product_keys
from pricing_core.catalog import CompetitorOffer, Product

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "SallaPriceOptimizer/0.1 (+price monitoring; respects robots and rate limits)"
MAX_PAGE_BYTES = 3_000_000


class DomainThrottle:
    """Per-domain politeness: at most ``max_concurrent`` requests at once and ``min_interval`` seconds
    between request starts on one domain. Different domains do not wait for each other.

    ``clock`` and ``sleep`` are injectable so tests check the spacing without waiting for it.
    """

    def __init__(
        self,
        min_interval: float = 1.0,
        max_concurrent: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_interval = min_interval
        self.max_concurrent = max_concurrent
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_start: dict[str, float] = {}
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def slot(self, domain: str) -> Iterator[None]:
        """Hold one of ``domain``'s request slots, after waiting for its turn."""
        with self._lock:
            semaphore = self._slots.setdefault(domain, threading.BoundedSemaphore(self.max_concurrent))
        with semaphore:
            with self._lock:
                now = self._clock()
                start = max(now, self._next_start.get(domain, now))
                self._next_start[domain] = start + self.min_interval
            if start > now:
                self._sleep(start - now)
            yield


@attrs.frozen
class FetchResult:
    """A page's HTML, or why there is none."""

    url: str
    html: str | None
    error: str | None = None
    status: int | None = None


class PageFetcher:
    """Fetches pages through one shared ``httpx.Client`` (thread-safe), politely per domain."""

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        throttle: DomainThrottle | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        max_bytes: int = MAX_PAGE_BYTES,
    ) -> None:
        self.client = client or httpx.Client(follow_redirects=True, headers={"User-Agent": USER_AGENT})
        self.throttle = throttle or DomainThrottle()
        self.timeout = timeout
        self.max_bytes = max_bytes

    def fetch(self, url: str, *, fresh: bool = False) -> FetchResult:
        """GET ``url``; never raises for network or HTTP trouble (the result carries the error).

        ``fresh`` asks every cache on the way for a new copy (the second, independent reading).
        """
        domain = domain_of(url)
        if domain is None:
            return FetchResult(url, None, "not an http(s) URL")
        headers = {"User-Agent": USER_AGENT}
        if fresh:
            headers |= {"Cache-Control": "no-cache", "Pragma": "no-cache"}
        with self.throttle.slot(domain):
            try:
                response = self.client.get(url, timeout=self.timeout, headers=headers)
            except httpx.TimeoutException:
                return FetchResult(url, None, "timed out")
            except httpx.HTTPError as exc:
                return FetchResult(url, None, f"request failed: {type(exc).__name__}: {exc}")
        if response.status_code >= 400:
            return FetchResult(url, None, f"HTTP {response.status_code}", response.status_code)
        if len(response.content) > self.max_bytes:
            return FetchResult(url, None, f"page larger than {self.max_bytes} bytes", response.status_code)
        content_type = response.headers.get("content-type", "text/html")
        if "html" not in content_type and "xml" not in content_type:
            return FetchResult(url, None, f"not HTML ({content_type})", response.status_code)
        return FetchResult(url, response.text, None, response.status_code)


@attrs.frozen
class Listing:
    """A competitor's page for one of our products, with the competitor's selectors if any."""

    competitor: str
    url: str
    selectors: SiteSelectors | None = None
    found_by: str | None = None  # how the page was found when not watched by the merchant (a search)


class ListingLookup(Protocol):
    """Which competitor pages to read for a product (``Listings``, or pages found by search)."""

    def for_product(self, product: Product) -> list[Listing]:
        """The listings of ``product``."""
        ...


class Listings:
    """Which competitor pages to watch for which product, keyed like ``product_keys``
    (``"sku:abc-1"``, ``"gtin:6281234567890"``, ``"id:42"``)."""

    def __init__(self, by_key: Mapping[str, Sequence[Listing]] | None = None) -> None:
        self._by_key: dict[str, list[Listing]] = {}
        for key, listings in (by_key or {}).items():
            for listing in listings:
                self.add(key, listing)

    def add(self, key: str, listing: Listing) -> None:
        """Watch ``listing`` for the product with ``key``."""
        kind, _, value = key.partition(":")
        value = value.strip().casefold() if kind == "sku" else value.strip().lstrip("0") if kind == "gtin" else value
        bucket = self._by_key.setdefault(f"{kind}:{value}", [])
        if listing not in bucket:
            bucket.append(listing)

    def for_product(self, product: Product) -> list[Listing]:
        """The listings watched for ``product`` under any of its keys, without duplicates."""
        found: list[Listing] = []
        for key in product_keys(product):
            for listing in self._by_key.get(key, ()):
                if listing not in found:
                    found.append(listing)
        return found


@attrs.frozen
class PageFailure:
    """A listing that produced no offer this time, and why."""

    product_id: str
    url: str
    reason: str


_UNKNOWN_STOCK_CONFIDENCE = Decimal("0.7")
_ASSUMED_CURRENCY_CONFIDENCE = Decimal("0.7")


def offer_from_extraction(
    listing: Listing, page: PageExtraction, now: datetime, *, default_currency: str = "SAR",
    second: PageExtraction | str | None = None,
) -> CompetitorOffer:
    """A ``CompetitorOffer`` that says exactly what the page said, and how sure we are of it.

    ``second`` is the separate, later reading of the same page (or why it failed); None when no
    second reading was needed. ``page.price`` must be set.
    """
    if page.price is None:
        raise ValueError("an extraction without a price makes no offer")
    confidence = page.confidence
    notes = list(page.notes)
    if listing.found_by:
        notes.append(f"page found by {listing.found_by}")
    if page.currency is None:
        # Pages that name no currency at all are on the store's market (Saudi shops): that
        # default is an assumption, so it lowers confidence a notch.
        confidence = min(confidence, _ASSUMED_CURRENCY_CONFIDENCE)
        notes.append(f"the page names no currency; {default_currency} assumed")
    if page.in_stock is None:
        confidence = min(confidence, _UNKNOWN_STOCK_CONFIDENCE)
        notes.append("the page does not say whether it is in stock")
    second_reading = None
    if isinstance(second, str):
        notes.append(f"second reading failed: {second}")
    elif second is not None:
        if second.price is None:
            notes.append(f"second reading found no price: {second.reason}")
        elif (second.currency or page.currency) != page.currency:
            notes.append(f"second reading in {second.currency}, not {page.currency}")
        else:
            second_reading = second.price
            if second.price != page.price:
                notes.append(f"second reading {second.price} differs from {page.price}")
            if second.in_stock is False and page.in_stock is not False:
                notes.append("second reading: out of stock")
    return CompetitorOffer(
        competitor=listing.competitor,
        price=page.price,
        observed_at=now,
        currency=page.currency or default_currency,
        in_stock=page.in_stock is not False,
        confidence=confidence,
        url=listing.url,
        second_reading=second_reading,
        source=f"page:{page.method}",
        note="; ".join(notes),
        shipping=page.shipping,
    )


@attrs.frozen
class _FirstReading:
    product: Product
    listing: Listing
    page: PageExtraction
    fetched_at: float


class PageSource:
    """``CompetitorSource`` over competitor product pages.

    ``recheck_delay`` (seconds, default 10) separates the first and the second fetch of a page whose
    offer could lower our price: in stock and priced below ours plus ``recheck_above_pct`` percent (a
    "beat by" strategy can lower our price below a competitor priced a little above it). Other
    offers get no second reading; the core then treats them as uncorroborated, which only ever
    means "ask the merchant". ``clock``/``sleep`` are injectable for tests.
    """

    name = "pages"

    def __init__(
        self,
        listings: ListingLookup,
        fetcher: PageFetcher | None = None,
        *,
        own_store: OwnStoreLookup = no_own_store,
        default_currency: str = "SAR",
        max_workers: int = 4,
        recheck_delay: float = 10.0,
        recheck_above_pct: Decimal = Decimal("10"),
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.listings = listings
        self.fetcher = fetcher or PageFetcher()
        self.own_store = own_store
        self.default_currency = default_currency
        self.max_workers = max_workers
        self.recheck_delay = recheck_delay
        self.recheck_above_pct = recheck_above_pct
        self._clock = clock
        self._sleep = sleep
        self.failures: list[PageFailure] = []

    def _read(self, product: Product, listing: Listing) -> _FirstReading | PageFailure:
        result = self.fetcher.fetch(listing.url)
        fetched_at = self._clock()
        if result.html is None:
            return PageFailure(product.id, listing.url, result.error or "no content")
        page = extract(result.html, listing.url, selectors=listing.selectors)
        if page.price is None:
            return PageFailure(product.id, listing.url, page.reason or "no price found on the page")
        return _FirstReading(product, listing, page, fetched_at)

    def _read_again(self, first: _FirstReading) -> PageExtraction | str:
        wait = first.fetched_at + self.recheck_delay - self._clock()
        if wait > 0:
            self._sleep(wait)
        result = self.fetcher.fetch(first.listing.url, fresh=True)
        if result.html is None:
            return result.error or "no content"
        return extract(result.html, first.listing.url, selectors=first.listing.selectors)

    def _needs_second(self, first: _FirstReading) -> bool:
        page = first.page
        if page.price is None or page.in_stock is False:
            return False
        return page.price < first.product.price * (1 + self.recheck_above_pct / 100)

    def offers_for(
        self, store_id: str, products: Sequence[Product], now: datetime
    ) -> Mapping[str, Sequence[CompetitorOffer]]:
        """Fetch every watched listing of ``products`` (and again, later, those that could lower a price)."""
        own = self.own_store(store_id)
        jobs = [(p, listing) for p in products for listing in self.listings.for_product(p)]
        if not jobs:
            return {}
        offers: dict[str, list[CompetitorOffer]] = {}
        # Threads overlap different domains; the throttle keeps each domain to its own pace.
        with ThreadPoolExecutor(max_workers=max(1, min(self.max_workers, len(jobs)))) as pool:
            firsts = list(pool.map(lambda job: self._read(job[0], job[1]), jobs))
            # Each second fetch starts recheck_delay after its own first fetch, earliest first: pages
            # fetched early in a long (throttled) first pass are read again without waiting more.
            rechecks = sorted((f for f in firsts if isinstance(f, _FirstReading) and self._needs_second(f)),
                              key=lambda f: f.fetched_at)
            seconds: dict[int, PageExtraction | str] = {}
            for first, second in zip(rechecks, pool.map(self._read_again, rechecks), strict=True):
                seconds[id(first)] = second
        for outcome in firsts:
            if isinstance(outcome, PageFailure):
                log.info("no offer from %s for product %s: %s", outcome.url, outcome.product_id, outcome.reason)
                self.failures.append(outcome)
                continue
            offer = offer_from_extraction(outcome.listing, outcome.page, now, default_currency=self.default_currency,
                                          second=seconds.get(id(outcome)))
            if offer.note:
                log.info("offer from %s for product %s: %s", outcome.listing.url, outcome.product.id, offer.note)
            offers.setdefault(outcome.product.id, []).append(own.mark(offer))
        return offers


__all__ = [
    "DomainThrottle",
    "FetchResult",
    "Listing",
    "ListingLookup",
    "Listings",
    "PageFailure",
    "PageFetcher",
    "PageSource",
    "offer_from_extraction",
]
