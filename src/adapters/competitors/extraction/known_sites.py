"""Known retailer layouts (``KNOWN_SITES``): read by stable element ids, only those regions parsed.

Amazon (every country) is read in its buy box only; the carousels, sponsored products and other
sellers around it are never read.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlsplit

import attrs
import lxml.etree
import lxml.html

from adapters.competitors.extraction.availability import stock_from_text
from adapters.competitors.extraction.readings import Reading
from adapters.competitors.extraction.site_selectors import compile_selector
from adapters.competitors.extraction.visible import element_text
from adapters.competitors.parsing import parse_price


@attrs.frozen
class KnownSite:
    """A retailer layout read by stable element ids: only those regions of the page are parsed."""

    regions: tuple[str, ...]
    prices: tuple[str, ...]
    stock: tuple[str, ...]
    buy: tuple[str, ...]


# amazon.*: the buy box's price (core price, deal price, Kindle price, the single used/new offer),
# its availability line and the out-of-stock box. Prices elsewhere on the page (carousels,
# sponsored products, other formats, other sellers) are never read.
KNOWN_SITES: dict[str, KnownSite] = {
    "amazon": KnownSite(
        regions=("corePrice_feature_div", "corePriceDisplay_desktop_feature_div", "apex_desktop",
                 "price_inside_buybox", "priceblock_dealprice", "priceblock_ourprice", "kindle-price", "buybox",
                 "availability", "outOfStock", "add-to-cart-button", "add-to-cart-button-ubb", "buy-now-button",
                 "one-click-button"),
        prices=("#corePrice_feature_div .a-price .a-offscreen",
                "#corePriceDisplay_desktop_feature_div .priceToPay .a-offscreen",
                "#apex_desktop .priceToPay .a-offscreen", "#price_inside_buybox", "#priceblock_dealprice",
                "#priceblock_ourprice", "#kindle-price", "#buybox .offer-price"),
        stock=("#availability", "#outOfStock"),
        buy=("#add-to-cart-button", "#add-to-cart-button-ubb", "#buy-now-button", "#one-click-button"),
    ),
}
_REGION_CHARS = 30_000


def known_site(url: str) -> str | None:
    """The name of the known layout for ``url``'s host, if any."""
    host = (urlsplit(url).hostname or "").casefold().removeprefix("www.")
    return next((name for name in KNOWN_SITES if host.startswith(f"{name}.")), None)


@lru_cache(maxsize=64)
def _region_pattern(ids: tuple[str, ...]) -> re.Pattern[str]:
    # A literal prefix ("id=") lets the regex engine skip ahead instead of trying every character.
    return re.compile(r"""id=["'](""" + "|".join(re.escape(i) for i in ids) + r""")["']""")


def _regions(raw_html: str, ids: tuple[str, ...]) -> lxml.html.HtmlElement:
    """The page's regions with these ids, each parsed on its own, under one root (one scan of the page)."""
    root = lxml.html.Element("div")
    seen: set[str] = set()
    for match in _region_pattern(ids).finditer(raw_html):
        if match.group(1) in seen:
            continue
        seen.add(match.group(1))
        start = raw_html.rfind("<", 0, match.start())
        try:
            root.append(lxml.html.fragment_fromstring(raw_html[start:start + _REGION_CHARS], create_parent="div"))
        except (ValueError, lxml.etree.ParserError):
            continue
    return root


def site_reading(raw_html: str, name: str, currency_hint: str | None) -> Reading:
    """The reading of the known layout ``name``: its price, availability line and buy button."""
    site = KNOWN_SITES[name]
    doc = _regions(raw_html, site.regions)
    price: Decimal | None = None
    currency: str | None = None
    for selector in site.prices:
        for element in compile_selector(selector)(doc):
            parsed = parse_price(element_text(element), currency_hint=currency_hint)
            if parsed is not None:
                price, currency = parsed.amount, parsed.currency
                break
        if price is not None:
            break
    in_stock: bool | None = None
    for selector in site.stock:
        for element in compile_selector(selector)(doc):
            for text in (element.text_content(), *element.itertext()):
                state = stock_from_text(text)
                if state is not None:
                    in_stock = state
                    break
            if in_stock is not None:
                break
        if in_stock is False:
            break
    if in_stock is None and any(compile_selector(s)(doc) for s in site.buy):
        in_stock = True
    note = None if price is not None else f"no buy-box price on this {name} page"
    return Reading(price, currency, in_stock, "site", note=note)


__all__ = ["KNOWN_SITES", "KnownSite", "known_site", "site_reading"]
