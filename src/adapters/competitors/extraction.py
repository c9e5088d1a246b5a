"""Reading a competitor's price, currency and stock state out of a product page's HTML.

Where a price is read from, in order of trust:

1. schema.org ``Product``/``Offer`` data (JSON-LD, then microdata, then RDFa), read with extruct;
2. common meta tags (``product:price:amount``, ``og:price:amount``, ``itemprop=price``);
3. the visible price element, parsed with price-parser after Arabic digit normalization.

The first place that yields a price gives the reading; the next *different* place that yields one
gives ``second_reading`` (an independent reading the core uses to corroborate the offer). Out of
stock is a state of the offer, never a missing price.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs
import extruct
import lxml.html

from adapters.competitors.parsing import detect_currency, normalize_currency, normalize_text, parse_amount

log = logging.getLogger(__name__)

STRUCTURED_METHODS = ("json-ld", "microdata", "rdfa")
# How much a reading is trusted, by where it came from: structured data is written for machines,
# a visible price element is only a guess about which number on the page is the price.
CONFIDENCE = {"json-ld": Decimal("1"), "microdata": Decimal("1"), "rdfa": Decimal("1"),
              "meta": Decimal("0.9"), "text": Decimal("0.6")}

_OUT_OF_STOCK_AVAILABILITY = ("outofstock", "soldout", "discontinued", "out of stock", "oos", "out_of_stock")
_IN_STOCK_AVAILABILITY = ("instock", "in stock", "limitedavailability", "onlineonly", "instoreonly",
                          "in_stock", "preorder", "presale", "backorder")
_OUT_OF_STOCK_TEXT = (
    "out of stock", "sold out", "currently unavailable",
    "غير متوفر", "غير متوفرة", "نفدت الكمية", "نفذت الكمية", "نفد من المخزون", "نفدت من المخزون",
    "غير متاح حاليا", "غير متاح حالياً", "نفد المخزون",
)
_META_PRICE_KEYS = ("product:sale_price:amount", "product:price:amount", "og:price:amount", "price")
_META_CURRENCY_KEYS = ("product:sale_price:currency", "product:price:currency", "og:price:currency",
                       "pricecurrency")
_META_AVAILABILITY_KEYS = ("product:availability", "og:availability", "availability")
# Class/id words that mark a crossed-out or "was" price, which is not the price a customer pays.
_NOT_THE_PRICE = re.compile(r"old|was|before|compare|strike|regular|original|list-price|del\b|crossed",
                            re.IGNORECASE)
_PRICE_WORD = re.compile(r"(^|[-_\s])price($|[-_\s])|^price|price$", re.IGNORECASE)


@attrs.frozen
class Reading:
    """One price read from one place of the page."""

    price: Decimal
    currency: str | None
    in_stock: bool | None
    method: str


@attrs.frozen
class PageExtraction:
    """What a product page says: the price to use, an independent second reading, and stock."""

    price: Decimal
    currency: str | None
    in_stock: bool
    method: str
    confidence: Decimal
    second_reading: Decimal | None = None
    second_method: str | None = None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(node: Mapping[str, Any]) -> set[str]:
    return {str(t).rsplit("/", 1)[-1].rsplit("#", 1)[-1] for t in _as_list(node.get("@type"))}


def _availability(value: Any) -> bool | None:
    for item in _as_list(value):
        text = str(item.get("@id", "") if isinstance(item, Mapping) else item).casefold()
        text = text.rsplit("/", 1)[-1]
        if any(word in text for word in _OUT_OF_STOCK_AVAILABILITY):
            return False
        if any(word in text for word in _IN_STOCK_AVAILABILITY):
            return True
    return None


def _first(node: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        for value in _as_list(node.get(key)):
            if isinstance(value, Mapping) and "@value" in value:
                value = value["@value"]
            if value not in (None, ""):
                return value
    return None


def _offer_readings(offer: Mapping[str, Any], method: str, inherited_stock: bool | None) -> Iterator[Reading]:
    types = _types(offer)
    nested = _as_list(offer.get("offers"))
    if nested and "AggregateOffer" in types:
        # An AggregateOffer that lists its offers: the individual offers are the better evidence.
        for child in nested:
            if isinstance(child, Mapping):
                yield from _offer_readings(child, method, _availability(offer.get("availability")))
        return
    raw_price = _first(offer, "price", "lowPrice")
    currency = normalize_currency(_first(offer, "priceCurrency"))
    if raw_price is None:
        for spec in _as_list(offer.get("priceSpecification")):
            if isinstance(spec, Mapping):
                raw_price = _first(spec, "price")
                currency = currency or normalize_currency(_first(spec, "priceCurrency"))
                if raw_price is not None:
                    break
    amount = parse_amount(raw_price)
    if amount is None:
        return
    if currency is None and isinstance(raw_price, str):
        currency = detect_currency(raw_price)
    stock = _availability(offer.get("availability"))
    yield Reading(amount, currency, stock if stock is not None else inherited_stock, method)


def _walk(items: Iterable[Any]) -> Iterator[Mapping[str, Any]]:
    for item in items:
        if isinstance(item, Mapping):
            yield item
            yield from _walk(_as_list(item.get("@graph")))
            for value in item.values():
                if isinstance(value, list | Mapping) and value is not item.get("@graph"):
                    yield from _walk(_as_list(value))
        elif isinstance(item, list):
            yield from _walk(item)


def _structured_readings(items: Sequence[Any], method: str) -> list[Reading]:
    readings: list[Reading] = []
    nodes = list(_walk(items))
    products = [n for n in nodes if _types(n) & {"Product", "ProductGroup", "IndividualProduct"}]
    if products:
        for product in products:
            for offer in _as_list(product.get("offers")):
                if isinstance(offer, Mapping):
                    readings.extend(_offer_readings(offer, method, None))
    else:
        # Some shops publish a bare Offer without its Product; it is still the page's offer.
        for offer in nodes:
            if _types(offer) & {"Offer", "AggregateOffer"}:
                readings.extend(_offer_readings(offer, method, None))
    return readings


_SCHEMA_PREFIX = re.compile(r"^https?://schema\.org/")


def _rdfa_as_jsonld(nodes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """extruct's RDFa output is flat, with full IRIs; rebuild nested schema.org nodes with short keys."""
    by_id = {n.get("@id"): n for n in nodes if isinstance(n, Mapping)}

    def convert(node: Mapping[str, Any], depth: int = 0) -> dict[str, Any]:
        out: dict[str, Any] = {"@type": [_SCHEMA_PREFIX.sub("", str(t)) for t in _as_list(node.get("@type"))]}
        for key, values in node.items():
            if not _SCHEMA_PREFIX.match(key):
                continue
            short = _SCHEMA_PREFIX.sub("", key)
            converted: list[Any] = []
            for value in _as_list(values):
                if isinstance(value, Mapping) and "@id" in value and value["@id"] in by_id and depth < 4:
                    converted.append(convert(by_id[value["@id"]], depth + 1))
                elif isinstance(value, Mapping) and "@id" in value:
                    converted.append(value["@id"])
                elif isinstance(value, Mapping):
                    converted.append(value.get("@value"))
                else:
                    converted.append(value)
            out[short] = converted[0] if len(converted) == 1 else converted
        return out

    return [convert(n) for n in by_id.values() if _types(n) & {"Product", "Offer", "AggregateOffer"}]


def _outside_items(element: lxml.html.HtmlElement) -> bool:
    # itemprop inside an itemscope (or property inside typeof) is microdata/RDFa, already read above;
    # counting it again would fake an independent second reading.
    return not any(a.get("itemscope") is not None or a.get("typeof") is not None for a in element.iterancestors())


def _meta_values(doc: lxml.html.HtmlElement) -> dict[str, str]:
    values: dict[str, str] = {}
    for meta in doc.iter("meta"):
        content = meta.get("content")
        og_key = (meta.get("property") or meta.get("name") or "").strip().casefold()
        if ":" in og_key:
            key = og_key
        elif meta.get("itemprop") and _outside_items(meta):
            key = meta.get("itemprop", "").strip().casefold()
        else:
            continue
        if key and content is not None and key not in values:
            values[key] = content
    return values


def _meta_reading(doc: lxml.html.HtmlElement, meta: Mapping[str, str]) -> Reading | None:
    currency = next((normalize_currency(meta[k]) for k in _META_CURRENCY_KEYS if k in meta), None)
    stock = next((_availability(meta[k]) for k in _META_AVAILABILITY_KEYS if k in meta), None)
    for key in _META_PRICE_KEYS:
        if key in meta:
            amount = parse_amount(meta[key])
            if amount is not None:
                return Reading(amount, currency or detect_currency(meta[key]), stock, "meta")
    # itemprop=price on an ordinary element outside any itemscope (extruct ignores those).
    for element in doc.xpath("//*[@itemprop='price' and not(self::meta)]"):
        if not _outside_items(element):
            continue
        amount = parse_amount(element.get("content") or element.text_content())
        if amount is not None:
            return Reading(amount, currency or detect_currency(element.text_content()), stock, "meta")
    return None


def _is_crossed_out(node: lxml.html.HtmlElement) -> bool:
    if node.tag in ("del", "s", "strike") or node.get("data-a-strike") == "true":
        return True
    return bool(_NOT_THE_PRICE.search(f"{node.get('class', '')} {node.get('id', '')}"))


def _shown_price_text(element: lxml.html.HtmlElement) -> str:
    """The element's text without crossed-out or "was" prices nested in it."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and not _is_crossed_out(child):
            parts.append(_shown_price_text(child))
        parts.append(child.tail or "")
    return " ".join(parts)


def _text_reading(doc: lxml.html.HtmlElement) -> Reading | None:
    for element in doc.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "meta", "head", "title"):
            continue
        words = f"{element.get('class', '')} {element.get('id', '')}".split()
        if not any(_PRICE_WORD.search(word) for word in words) and element.get("data-price") is None:
            continue
        if any(_is_crossed_out(node) for node in [element, *element.iterancestors()]):
            continue
        text = element.get("data-price") or _shown_price_text(element)
        amount = parse_amount(text) if text.strip() else None
        if amount is not None:
            return Reading(amount, detect_currency(text), None, "text")
    return None


def _visible_text(doc: lxml.html.HtmlElement) -> str:
    parts = [t for e in doc.iter() if isinstance(e.tag, str) and e.tag not in ("script", "style", "head", "title")
             for t in ([e.text] if e.text else [])]
    return normalize_text(" ".join(parts)).casefold()


def _choose(readings: Sequence[Reading]) -> Reading:
    # Several offers for one product (sellers, variants): the cheapest one a customer can buy.
    available = [r for r in readings if r.in_stock is not False]
    pool = available or list(readings)
    return min(pool, key=lambda r: r.price)


def extract(html: str, url: str) -> PageExtraction | None:
    """The page's price, currency and stock state, or None when no price can be read."""
    try:
        data = extruct.extract(html, base_url=url, syntaxes=["json-ld", "microdata", "rdfa"], uniform=True,
                               errors="ignore")
    except Exception as exc:  # extruct raises assorted parser errors on broken markup
        log.info("structured data unreadable on %s: %s", url, exc)
        data = {}
    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError) as exc:
        log.info("page %s is not HTML: %s", url, exc)
        return None

    by_method: dict[str, Reading] = {}
    for method in STRUCTURED_METHODS:
        items = data.get(method) or []
        if method == "rdfa":
            items = _rdfa_as_jsonld(items)
        readings = _structured_readings(items, method)
        if readings:
            by_method[method] = _choose(readings)
    meta = _meta_values(doc)
    meta_reading = _meta_reading(doc, meta)
    if meta_reading is not None:
        by_method["meta"] = meta_reading
    text_reading = _text_reading(doc)
    if text_reading is not None:
        by_method["text"] = text_reading
    if not by_method:
        return None

    order = [m for m in (*STRUCTURED_METHODS, "meta", "text") if m in by_method]
    primary = by_method[order[0]]
    second = by_method[order[1]] if len(order) > 1 else None
    currency = primary.currency or next((by_method[m].currency for m in order if by_method[m].currency), None)
    in_stock = primary.in_stock
    if in_stock is None:
        in_stock = next((by_method[m].in_stock for m in order if by_method[m].in_stock is not None), None)
    if in_stock is None:
        text = _visible_text(doc)
        in_stock = not any(phrase in text for phrase in _OUT_OF_STOCK_TEXT)
    return PageExtraction(
        price=primary.price,
        currency=currency,
        in_stock=in_stock,
        method=primary.method,
        confidence=CONFIDENCE[primary.method],
        second_reading=second.price if second else None,
        second_method=second.method if second else None,
    )


__all__ = ["CONFIDENCE", "PageExtraction", "Reading", "extract"]
