"""Reading a competitor's price, currency and stock state out of a product page's HTML.

Precision first: a wrong competitor price is worse than none, so when the page does not settle
the price the result carries no price and says why (``PageExtraction.reason``).

Where a reading comes from, in order of trust:

1. the watched competitor's own selectors (``SiteSelectors``, from the watchlist), when given;
2. schema.org ``Product``/``Offer`` data about the page's *main* product: JSON-LD (read from the
   raw page, no DOM needed), then microdata and RDFa (extruct, on the one parsed document);
3. OpenGraph / product meta tags (``product:price:amount``, ``og:price:amount``, sale price);
4. a known retailer layout (Amazon's buy box: ``KNOWN_SITES``);
5. the visible price element, only when the page shows one unambiguous price.

Structured data and meta tags are read from the raw HTML; the document is parsed (once, with
lxml) only when they do not settle price and stock, or when the raw page suggests that it shows a
declared price struck through. A price that equals a price the page itself declares as the
regular/list/crossed-out one is never the price, nor is a declared price that the page shows only
struck through. Offers of used, refurbished or damaged copies are not the product's price; a page
that offers only those gives none. Sources that disagree (other amounts, other currencies) give no
reading. Availability comes from structured data, meta tags, an availability element, or the buy
button's state.

The modules, one concept each: ``readings`` (what a reader produces, ``CONFIDENCE``),
``structured_data`` (JSON-LD, microdata, RDFa), ``condition`` (new or second-hand offers),
``meta_tags``, ``known_sites``, ``visible`` (the shown price and stock signals), ``crossed_out``
(a declared price shown only struck through), ``availability`` (stock words and values),
``site_selectors`` (the competitor's own), ``consensus`` (several readings, one price) and ``page``
(``extract``: the order).
"""

from __future__ import annotations

from adapters.competitors.extraction.availability import availability_of
from adapters.competitors.extraction.known_sites import KNOWN_SITES
from adapters.competitors.extraction.page import extract
from adapters.competitors.extraction.readings import CONFIDENCE, PageExtraction, Reading
from adapters.competitors.extraction.site_selectors import SelectorError, SiteSelectors, compile_selector

__all__ = ["CONFIDENCE", "KNOWN_SITES", "PageExtraction", "Reading", "SelectorError", "SiteSelectors",
           "availability_of", "compile_selector", "extract"]
