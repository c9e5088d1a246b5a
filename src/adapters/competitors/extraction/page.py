"""Reading one product page: which readers run, in what order, and the ``PageExtraction`` they give.

JSON-LD and meta tags are read from the raw HTML, and a known retailer layout from its regions;
the document is parsed (once, with lxml) when they do not settle price and stock, when the
competitor has selectors of its own, or when structured data gives a price that the page may show
struck through (a "was" price: then the visible current price, or none). ``consensus.reconcile``
then picks the price.
"""

from __future__ import annotations

from collections.abc import Sequence

import lxml.etree
import lxml.html

from adapters.competitors.extraction.consensus import currency_hint, reconcile, stock_of
from adapters.competitors.extraction.crossed_out import (
    declared_prices,
    has_inline_line_through,
    may_show_struck,
    without_struck,
)
from adapters.competitors.extraction.known_sites import known_site, site_reading
from adapters.competitors.extraction.meta_tags import meta_reading, meta_tags
from adapters.competitors.extraction.microdata import has_rdfa, microdata_reading, rdfa_reading
from adapters.competitors.extraction.readings import CONFIDENCE, UNTRUSTED, PageExtraction, Reading
from adapters.competitors.extraction.site_selectors import SiteSelectors, selector_readings
from adapters.competitors.extraction.structured_data import json_ld_items, structured_reading
from adapters.competitors.extraction.visible import scan_document, text_reading


def extract(html: str, url: str, *, selectors: SiteSelectors | None = None) -> PageExtraction:
    """The page's price, currency and stock state, or no price and the reason (never a guess)."""
    items = json_ld_items(html)
    meta = meta_tags(html)
    page_urls = [url, *(v for k, v in meta.items() if k == "og:url")]
    readings: list[Reading] = []
    structured = structured_reading(items, "json-ld", page_urls)
    if structured is not None:
        readings.append(structured)
    from_meta = meta_reading(meta)
    if from_meta is not None:
        readings.append(from_meta)
    site = known_site(url)
    if site is not None and selectors is None:
        readings.append(site_reading(html, site, currency_hint(readings)))
    settled = ((any(r.price is not None for r in readings) and any(r.in_stock is not None for r in readings))
               or site is not None) and selectors is None
    doc: lxml.html.HtmlElement | None = None
    selector_problems: list[str] = []
    declared = declared_prices(readings)
    if not settled or (declared and site is None and may_show_struck(html, declared, currency_hint(readings))):
        try:
            doc = lxml.html.fromstring(html)
        except (ValueError, lxml.etree.ParserError) as exc:
            return PageExtraction(None, None, None, None, UNTRUSTED, reason=f"not HTML: {exc}")
        if settled:
            readings = without_struck(readings, scan_document(doc, currency_hint(readings), want_price=True,
                                                               watch=declared, styles=has_inline_line_through(html)))
        else:
            readings = _document_readings(doc, html, url, readings)
        if selectors is not None:
            own, selector_problems = selector_readings(doc, selectors, currency_hint(readings))
            if own is not None:
                # The merchant's selector speaks for this competitor: it replaces the generic guesses.
                readings = [r for r in readings if r.method in ("json-ld", "microdata", "rdfa", "meta")]
                readings.insert(0, own)
    chosen, reason, confidence, notes = reconcile(readings)
    if chosen is not None and chosen.method == "selector":
        structured_prices = {r.price for r in readings if r.price is not None and r.method != "selector"}
        confidence = CONFIDENCE["agreed"] if chosen.price in structured_prices else CONFIDENCE["selector"]
    notes = [*selector_problems, *notes]
    in_stock = stock_of(readings, chosen)
    if in_stock is None and doc is not None and chosen is not None:
        in_stock = scan_document(doc, None, want_price=False).stock
    if selector_problems:
        # A selector that stopped matching means the page changed: whatever is read is not trusted.
        confidence = UNTRUSTED
        reason = reason or "; ".join(selector_problems)
    if chosen is None:
        return PageExtraction(None, None, in_stock, None, UNTRUSTED, reason=reason or "no price found on the page",
                              notes=tuple(notes))
    currency = chosen.currency or currency_hint(readings)
    # Shipping is said only by structured data; it counts for the price it was stated with.
    shipping = next((r.shipping for r in readings if r.shipping is not None and r.price == chosen.price), None)
    return PageExtraction(chosen.price, currency, in_stock, chosen.method, confidence, reason=reason,
                          notes=tuple(notes), shipping=shipping)


def _document_readings(doc: lxml.html.HtmlElement, html: str, url: str, found: Sequence[Reading],
                       ) -> list[Reading]:
    """The ``found`` readings with what the parsed document adds: microdata, RDFa, the visible price
    and stock; a declared price the page shows only struck through becomes a "was" price."""
    readings: list[Reading] = []
    hint = currency_hint(found)
    microdata = microdata_reading(doc, html, url)
    if microdata is not None:
        readings.append(microdata)
    if has_rdfa(html) and not any(r.price is not None for r in (*found, *readings)):
        rdfa = rdfa_reading(html, url)
        if rdfa is not None:
            readings.append(rdfa)
    hint = hint or currency_hint(readings)
    want_price = not any(r.price is not None for r in (*found, *readings)) and not any(
        r.note for r in (*found, *readings) if r.method != "meta")
    declared = declared_prices((*found, *readings))
    declared = declared if declared and may_show_struck(html, declared, hint) else frozenset()
    scan = scan_document(doc, hint, want_price=want_price or bool(declared), watch=declared,
                         styles=has_inline_line_through(html))
    text = text_reading(scan.prices) if want_price else None
    if text is not None:
        readings.append(text)
    page_has_price = any(r.price is not None for r in (*found, *readings))
    # On a page without a price of its own (a list, a withdrawn product) buy buttons belong to other
    # products: only an out-of-stock label speaks for the page.
    stock = scan.stock if page_has_price else (False if scan.labels is False else None)
    if stock is not None:
        readings.append(Reading(None, None, stock, "page"))
    return without_struck([*found, *readings], scan)


__all__ = ["extract"]
