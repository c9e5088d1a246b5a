"""Competitor pages found by web search (Tavily), read like watched pages, so search results become offers.

Without a watchlist a merchant has no competitor prices. ``SearchListings`` asks Tavily, per
product, for listings on the competitor sites the operator named (``COMPETITOR_SEARCH_DOMAINS``):
by the product's GTIN when it has one, otherwise by its name. A hit becomes a ``Listing`` only when
it passes an identity check (the GTIN query, or a title that carries the product's name and every
size or quantity in it: "100ml" must not match a 50 ml bottle), then ``PageSource`` fetches and
extracts the page like any watched page: the price is read from the page itself (never from the
search snippet), the second-reading rule applies, and the offer keeps the page's URL and says it
was found by search. The sweep stores the offers it used, as for every source.

Searches cost money and time: each product's listings are remembered for ``ttl`` (a miss for
``miss_ttl``), and one ``offers_for`` call searches at most ``per_call`` products; the others are
searched by the next sweeps. A failed search (rate limit, bad key) is logged and counts as a
short-lived miss: it never stops the sweep.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from adapters.competitors.pages import Listing, PageSource
from adapters.competitors.search import SearchError, SearchHit, TavilySearch
from adapters.competitors.source import domain_of, product_keys
from pricing_core.catalog import CompetitorOffer, Product

log = logging.getLogger(__name__)

DAY = 24 * 3600.0

# Sizes and counts in a product name: "100ml", "1.5 kg", "12 pcs", "٥٠٠ غ" (digits normalised first).
_QUANTITY = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(ml|l|g|gm|kg|mg|oz|cm|mm|m|pcs|pc|pack|x|مل|لتر|غ|غرام|جم|كجم|كغ|حبة|قطعة)(?![a-z])",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+", re.UNICODE)
# Words that say nothing about which product it is.
_STOP = frozenset({"the", "and", "with", "for", "of", "new", "buy", "online", "price", "ksa", "sa", "saudi",
                   "في", "من", "مع", "على", "سعر", "شراء"})
MIN_NAME_OVERLAP = 0.6


# Arabic-Indic and Persian digits, and the Arabic decimal separator, as ASCII.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.")


def _normal(text: str) -> str:
    # NFKC folds Arabic presentation forms to their letters; the digits need their own table.
    return unicodedata.normalize("NFKC", text).translate(_DIGITS).casefold()


# Arabic unit words and spellings, as the Latin unit they stand for.
_UNITS = {"مل": "ml", "لتر": "l", "غ": "g", "غرام": "g", "جم": "g", "gm": "g", "كجم": "kg", "كغ": "kg",
          "حبة": "pcs", "قطعة": "pcs", "pc": "pcs"}


def _quantities(text: str) -> set[tuple[str, str]]:
    found = set()
    for number, unit in _QUANTITY.findall(_normal(text)):
        value = number.replace(",", ".")
        value = value.rstrip("0").rstrip(".") if "." in value else value  # 1.50 kg is 1.5 kg
        found.add((value, _UNITS.get(unit.casefold(), unit.casefold())))
    return found


def _words(text: str) -> set[str]:
    # Sizes are compared apart (``_quantities``): "12 ml" and "12ml" must not count as other words.
    bare = _QUANTITY.sub(" ", _normal(text))
    return {w for w in _WORD.findall(bare) if len(w) > 1 and w not in _STOP}


def identity_problem(product: Product, hit: SearchHit, *, by_gtin: bool) -> str | None:
    """Why ``hit`` may not be ``product``'s listing, or None when it looks like it is.

    A hit of a GTIN search names the product by its barcode; a name search must carry most of
    the product's words and every size or quantity its name states.
    """
    if by_gtin:
        return None
    title = f"{hit.title} {hit.url}"
    missing = _quantities(product.name) - _quantities(title)
    if missing:
        sizes = ", ".join(f"{q}{u}" for q, u in sorted(missing))
        return f"the title does not state the product's size ({sizes})"
    wanted = _words(product.name)
    if not wanted:
        return "the product's name has no words to compare"
    overlap = len(wanted & _words(title)) / len(wanted)
    if overlap < MIN_NAME_OVERLAP:
        return f"the title shares {overlap:.0%} of the product's name (needs {MIN_NAME_OVERLAP:.0%})"
    return None


def competitor_name(domain: str) -> str:
    """A competitor's name from its domain: ``noon.com`` -> ``noon``, ``amazon.sa`` -> ``amazon``."""
    return domain.split(".")[0]


@attrs.frozen
class _Remembered:
    listings: tuple[Listing, ...]
    until: float


class SearchListings:
    """Listings found by search, per product, remembered for a while (a ``Listings`` lookalike)."""

    def __init__(
        self,
        search: TavilySearch,
        domains: Sequence[str],
        *,
        ttl: float = 7 * DAY,
        miss_ttl: float = DAY,
        error_ttl: float = 3600.0,
        max_per_product: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.search = search
        self.domains = tuple(d for d in (domain_of(x) for x in domains) if d)
        if not self.domains:
            raise ValueError("search needs at least one competitor domain")
        self.ttl, self.miss_ttl, self.error_ttl = ttl, miss_ttl, error_ttl
        self.max_per_product = max_per_product
        self._clock = clock
        self._lock = threading.Lock()
        self._known: dict[str, _Remembered] = {}
        self._budget = 0
        self.rejected: list[tuple[str, str, str]] = []  # (product id, url, why): for logs and tests

    def _key(self, product: Product) -> str:
        return product_keys(product)[-1]  # gtin, else sku, else id: the most specific

    def known(self, product: Product) -> tuple[Listing, ...] | None:
        """The remembered listings of ``product``; None when it must be searched (again)."""
        with self._lock:
            found = self._known.get(self._key(product))
        if found is None or found.until <= self._clock():
            return None
        return found.listings

    def allow_searches(self, count: int) -> None:
        """Let the next ``for_product`` calls search up to ``count`` products (one sweep's share)."""
        with self._lock:
            self._budget = count

    def for_product(self, product: Product) -> list[Listing]:
        """The listings of ``product``: remembered ones, or a search while this call's share lasts."""
        found = self.known(product)
        if found is None:
            with self._lock:
                allowed = self._budget > 0
                self._budget -= allowed
            found = self.discover(product) if allowed else ()
        return list(found)

    def discover(self, product: Product) -> tuple[Listing, ...]:
        """Search for ``product`` now and remember the answer."""
        by_gtin = bool(product.gtin)
        query = product.gtin.strip() if product.gtin else product.name
        try:
            hits = self.search.search(query, max_results=5 + self.max_per_product, include_domains=self.domains)
        except SearchError as exc:
            log.warning("competitor search for product %s failed: %s", product.id, exc)
            self._remember(product, (), self.error_ttl)
            return ()
        listings: list[Listing] = []
        seen: set[str] = set()
        for hit in hits:
            domain = domain_of(hit.url)
            if domain is None or not any(domain == d or domain.endswith("." + d) for d in self.domains):
                self.rejected.append((product.id, hit.url, "not on a configured competitor domain"))
                continue
            why = identity_problem(product, hit, by_gtin=by_gtin)
            if why is not None:
                self.rejected.append((product.id, hit.url, why))
                log.info("search hit %s is not product %s: %s", hit.url, product.id, why)
                continue
            name = competitor_name(domain)
            if name in seen:
                continue  # one listing per competitor: its best-ranked hit
            seen.add(name)
            listings.append(Listing(competitor=name, url=hit.url, found_by=f"search for {query!r}"))
            if len(listings) == self.max_per_product:
                break
        self._remember(product, tuple(listings), self.ttl if listings else self.miss_ttl)
        return tuple(listings)

    def _remember(self, product: Product, listings: tuple[Listing, ...], ttl: float) -> None:
        with self._lock:
            self._known[self._key(product)] = _Remembered(listings, self._clock() + ttl)


class SearchPageSource:
    """``CompetitorSource``: pages found by ``SearchListings``, read by a ``PageSource``.

    At most ``per_call`` products are searched per call (the ones not remembered yet, in catalog
    order); the rest keep what was found before, or wait for a later sweep. Page options
    (fetcher, own store, recheck delay, ...) are ``PageSource``'s.
    """

    name = "search"

    def __init__(self, listings: SearchListings, *, per_call: int = 50, **page_options: Any) -> None:
        self.listings = listings
        self.per_call = per_call
        self.pages = PageSource(listings, **page_options)

    def offers_for(
        self, store_id: str, products: Sequence[Product], now: datetime
    ) -> Mapping[str, Sequence[CompetitorOffer]]:
        """Offers read from the search-found pages of ``products``."""
        self.listings.allow_searches(self.per_call)
        return self.pages.offers_for(store_id, products, now)


__all__ = ["SearchListings", "SearchPageSource", "competitor_name", "identity_problem"]
