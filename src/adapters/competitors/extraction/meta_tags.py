"""OpenGraph / product meta tags: ``product:price:amount``, ``og:price:amount``, the sale price, the
regular ("was") price, currency and availability, read from the raw page's head without a DOM.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping

from adapters.competitors.extraction.availability import availability_of
from adapters.competitors.extraction.readings import Reading
from adapters.competitors.extraction.structured_data import find_either
from adapters.competitors.parsing import normalize_currency, parse_amount

_META_TAG = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")

_META_PRICE = ("product:price:amount", "og:price:amount", "product:price")
_META_SALE_PRICE = ("product:sale_price:amount", "og:sale_price:amount")
_META_LIST_PRICE = ("og:price:standard_amount", "product:original_price:amount", "product:regular_price:amount",
                    "og:original_price:amount")
_META_CURRENCY = ("product:price:currency", "og:price:currency", "product:sale_price:currency",
                  "og:sale_price:currency")
_META_AVAILABILITY = ("product:availability", "og:availability")


def meta_tags(raw_html: str) -> dict[str, str]:
    """``property``/``name`` meta tags of the page (first value wins), read without a DOM."""
    values: dict[str, str] = {}
    head_end = find_either(raw_html, ("</head", "</HEAD"), 0)
    # Product meta tags belong in the head; scanning megabytes of body for them costs time for nothing.
    for tag in _META_TAG.finditer(raw_html, 0, head_end if head_end != -1 else len(raw_html)):
        attributes = {m.group(1).casefold(): next(g for g in m.groups()[1:] if g is not None)
                      for m in _ATTRIBUTE.finditer(tag.group(0))}
        key = (attributes.get("property") or attributes.get("name") or "").strip().casefold()
        content = attributes.get("content")
        if key and content is not None and key not in values:
            values[key] = html_lib.unescape(content)
    return values


def meta_reading(meta: Mapping[str, str]) -> Reading | None:
    """The reading of the meta tags (``meta_tags``), or None when they say neither price nor stock."""
    currency = next((normalize_currency(meta[k]) for k in _META_CURRENCY if meta.get(k)), None)
    stock = next((availability_of(meta[k]) for k in _META_AVAILABILITY if meta.get(k)), None)
    list_price = next((parse_amount(meta[k], currency_hint=currency) for k in _META_LIST_PRICE if meta.get(k)), None)
    regular = next((parse_amount(meta[k], currency_hint=currency) for k in _META_PRICE if meta.get(k)), None)
    sale = next((parse_amount(meta[k], currency_hint=currency) for k in _META_SALE_PRICE if meta.get(k)), None)
    price = regular
    if sale is not None and (regular is None or sale < regular):
        # A sale price below the regular one is what the customer pays; the regular one is a "was".
        price, list_price = sale, list_price or regular
    if price is None and stock is None:
        return None
    return Reading(price, currency, stock, "meta", list_price=list_price)


__all__ = ["meta_reading", "meta_tags"]
