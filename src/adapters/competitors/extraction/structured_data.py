"""schema.org ``Product``/``Offer`` data about the page's main product: JSON-LD here, and the
reading every syntax shares.

JSON-LD is found in the raw page (``json_ld_items``: no DOM needed); microdata and RDFa are read by
extruct and turned into JSON-LD-like nodes (``microdata.py``), and ``structured_reading`` turns
those nodes into one ``Reading``: the main product's offer (the
cheapest in stock when there are several), no price for a price range or several products at
different prices, and a list/strikethrough ``priceSpecification`` kept as the "was" price. Offers
of a used, refurbished or damaged item (``itemCondition``) are not the product's price: they are
set aside when a new (or condition-less) offer exists, and when none does there is no reading.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import attrs

from adapters.competitors.extraction.availability import availability_of
from adapters.competitors.extraction.condition import is_second_hand
from adapters.competitors.extraction.readings import Reading
from adapters.competitors.parsing import normalize_currency, parse_amount, parse_price

_PRODUCT_TYPES = frozenset({"Product", "ProductGroup", "IndividualProduct", "ProductModel", "Book", "Vehicle",
                            "SomeProducts", "Car"})
_OFFER_TYPES = frozenset({"Offer", "AggregateOffer"})
_LIST_PRICE_TYPES = ("listprice", "strikethroughprice", "msrp", "srp", "invoiceprice", "minimumadvertisedprice")


def as_list(value: Any) -> list[Any]:
    """``value`` as a list: [] for None, a list as is, anything else alone in a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(node: Mapping[str, Any]) -> set[str]:
    return {str(t).rsplit("/", 1)[-1].rsplit("#", 1)[-1] for t in as_list(node.get("@type"))}


def _first(node: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        for value in as_list(node.get(key)):
            if isinstance(value, Mapping) and "@value" in value:
                value = value["@value"]
            if value not in (None, ""):
                return value
    return None


def find_either(text: str, needles: Sequence[str], start: int) -> int:
    """Where the first of ``needles`` occurs in ``text`` from ``start`` (-1: none does)."""
    found = [i for i in (text.find(n, start) for n in needles) if i != -1]
    return min(found) if found else -1


def _json_ld_blocks(raw_html: str) -> Iterator[str]:
    # str.find, not a regex over the page: megabyte pages full of scripts stay cheap.
    start = 0
    while (at := raw_html.find("application/ld+json", start)) != -1:
        start = at + 19
        tag_start = raw_html.rfind("<", 0, at)
        if tag_start == -1 or not raw_html[tag_start:tag_start + 7].lower().startswith("<script"):
            continue
        body_start = raw_html.find(">", at)
        body_end = find_either(raw_html, ("</script", "</SCRIPT"), body_start) if body_start != -1 else -1
        if body_end == -1:
            continue
        start = body_end
        yield raw_html[body_start + 1:body_end]


def json_ld_items(raw_html: str) -> list[Any]:
    """The parsed JSON of the page's ``application/ld+json`` scripts (unreadable ones are skipped)."""
    items: list[Any] = []
    for block in _json_ld_blocks(raw_html):
        text = block.strip()
        if text.startswith("<!--"):
            text = text[4:]
        if text.endswith("-->"):
            text = text[:-3]
        for candidate in (text, html_lib.unescape(text), re.sub(r"[\x00-\x1f]", " ", text)):
            try:
                items.append(json.loads(candidate))
                break
            except ValueError:
                continue
    return items


def _top_nodes(items: Iterable[Any]) -> Iterator[Mapping[str, Any]]:
    """The page's own top-level nodes: items, ``@graph`` members and lists of them.

    Nodes nested in a property (``isRelatedTo``, ``isSimilarTo``, ``itemListElement`` ...) are other
    products the page mentions, never candidates for the page's own product.
    """
    for item in items:
        if isinstance(item, list):
            yield from _top_nodes(item)
        elif isinstance(item, Mapping):
            graph = item.get("@graph")
            if graph is not None:
                yield from _top_nodes(as_list(graph))
            if _types(item):
                yield item


def _page_key(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}".casefold() if host else None


def _main_products(nodes: Sequence[Mapping[str, Any]], page_urls: Sequence[str]) -> list[Mapping[str, Any]]:
    products = [n for n in nodes if _types(n) & _PRODUCT_TYPES]
    if len(products) <= 1:
        return products
    keys = {k for k in (_page_key(u) for u in page_urls) if k}
    same_page = [p for p in products
                 if keys & {_page_key(str(_first(p, "url", "@id") or "")), _page_key(str(p.get("@id") or ""))}]
    return same_page or products


def _offer_readings(offer: Mapping[str, Any], method: str, inherited: bool | None,
                    currency_hint: str | None, condition: Any = None) -> Iterator[Reading]:
    """The readings of one Offer (of each offer of an AggregateOffer); ``condition``: the product's own."""
    types = _types(offer)
    nested = [o for o in as_list(offer.get("offers")) if isinstance(o, Mapping)]
    stock = availability_of(offer.get("availability"))
    stock = inherited if stock is None else stock
    currency = normalize_currency(_first(offer, "priceCurrency")) or currency_hint
    condition = offer.get("itemCondition") or condition
    if nested and "AggregateOffer" in types:
        for child in nested:
            yield from _offer_readings(child, method, stock, currency, condition)
        return
    for reading in _priced_offer(offer, types, method, stock, currency):
        yield attrs.evolve(reading, second_hand=True) if is_second_hand(condition) else reading


def _priced_offer(offer: Mapping[str, Any], types: set[str], method: str, stock: bool | None,
                  currency: str | None) -> Iterator[Reading]:
    list_price: Decimal | None = None
    raw = _first(offer, "price")
    for spec in as_list(offer.get("priceSpecification")):
        if not isinstance(spec, Mapping):
            continue
        kind = str(_first(spec, "priceType") or "").casefold().rsplit("/", 1)[-1]
        value = _first(spec, "price")
        currency = currency or normalize_currency(_first(spec, "priceCurrency"))
        if kind in _LIST_PRICE_TYPES:
            list_price = parse_amount(value, currency_hint=currency)
        elif raw is None:
            raw = value
    if raw is None and "AggregateOffer" in types:
        low, high = _first(offer, "lowPrice"), _first(offer, "highPrice")
        low_amount, high_amount = parse_amount(low, currency_hint=currency), parse_amount(high, currency_hint=currency)
        if low_amount is not None and high_amount is not None and low_amount != high_amount:
            yield Reading(None, currency, stock, method, note=f"a price range {low_amount}..{high_amount}")
            return
        raw = low if low is not None else high
    amount = parse_amount(raw, currency_hint=currency)
    if amount is None:
        if raw is not None:
            yield Reading(None, currency, stock, method, note=f"price {raw!r} is not readable")
        elif stock is not None:
            yield Reading(None, currency, stock, method)
        return
    if currency is None and isinstance(raw, str):
        parsed = parse_price(raw)
        currency = parsed.currency if parsed else None
    yield Reading(amount, currency, stock, method, list_price=list_price, shipping=_shipping(offer, currency))


def _shipping(offer: Mapping[str, Any], currency: str | None) -> Decimal | None:
    """The delivery charge an Offer states (``shippingDetails`` -> ``shippingRate``), when it states one.

    Several rates (destinations, speeds) that differ say nothing about *the* charge: None, as for a
    rate in another currency than the price's. A rate of 0 is free delivery.
    """
    rates: set[Decimal] = set()
    for details in as_list(offer.get("shippingDetails")):
        if not isinstance(details, Mapping):
            continue
        for rate in as_list(details.get("shippingRate")):
            if not isinstance(rate, Mapping):
                continue
            rate_currency = normalize_currency(_first(rate, "currency"))
            if currency and rate_currency and rate_currency != currency:
                return None
            raw = _first(rate, "value")
            # Free delivery is a rate of 0, which the price reader (prices are positive) refuses.
            value = (Decimal(0) if str(raw).strip() in {"0", "0.0", "0.00"}
                     else parse_amount(raw, currency_hint=rate_currency or currency))
            if value is None:
                return None
            rates.add(value)
    return next(iter(rates)) if len(rates) == 1 else None


def _choose(readings: Sequence[Reading], method: str) -> Reading | None:
    """One reading from a product's offers: the cheapest a customer can buy (sellers, variants)."""
    if not readings:
        return None
    new = [r for r in readings if not r.second_hand]
    if not new:
        # Only used/refurbished/damaged copies are offered: none of their prices is the product's.
        used = sorted({r.price for r in readings if r.price is not None})
        said = f" ({', '.join(str(p) for p in used)})" if used else ""
        return Reading(None, readings[0].currency, None, method, vetoes_price=True,
                       note=f"only used, refurbished or damaged copies are offered{said}: not the product's price")
    readings = new
    priced = [r for r in readings if r.price is not None]
    if not priced:
        stock = next((r.in_stock for r in readings if r.in_stock is not None), None)
        note = next((r.note for r in readings if r.note), None)
        return Reading(None, readings[0].currency, stock, method, note=note)
    currencies = {r.currency for r in priced if r.currency}
    if len(currencies) > 1:
        return Reading(None, None, None, method, note=f"offers in several currencies ({', '.join(sorted(currencies))})")
    available = [r for r in priced if r.in_stock is not False]
    pool = available or priced
    best = min(pool, key=lambda r: r.price or Decimal(0))
    distinct = sorted({r.price for r in pool if r.price is not None})
    note = None
    if len(distinct) > 1:
        note = f"{len(pool)} offers from {distinct[0]} to {distinct[-1]}: the cheapest in stock"
    in_stock = True if available else best.in_stock
    list_price = next((r.list_price for r in pool if r.list_price is not None), None)
    return Reading(best.price, best.currency or next(iter(currencies), None), in_stock, method,
                   list_price=list_price, note=note, shipping=best.shipping)


def structured_reading(items: Sequence[Any], method: str, page_urls: Sequence[str]) -> Reading | None:
    """The reading of the page's main product (or lone Offer) among JSON-LD-like ``items``."""
    nodes = list(_top_nodes(items))
    products = _main_products(nodes, page_urls)
    if len(products) > 1:
        per_product = [_choose([r for o in as_list(p.get("offers")) if isinstance(o, Mapping)
                                for r in _offer_readings(o, method, None, None, p.get("itemCondition"))], method)
                       for p in products]
        prices = {r.price for r in per_product if r is not None and r.price is not None}
        if len(prices) > 1:
            return Reading(None, None, None, method,
                           note=f"{len(products)} products on the page at different prices, none of them this page's")
        chosen = next((r for r in per_product if r is not None and r.price is not None), None)
        if chosen is None and per_product and all(r is not None and r.vetoes_price for r in per_product):
            return per_product[0]
        return chosen
    if products:
        product = products[0]
        own = product.get("itemCondition")  # a condition stated on the product holds for its offers
        with_condition = [(o, own) for o in as_list(product.get("offers")) if isinstance(o, Mapping)]
        if not with_condition and "ProductGroup" in _types(product):
            with_condition = [(o, v.get("itemCondition") or own)
                              for v in as_list(product.get("hasVariant")) if isinstance(v, Mapping)
                              for o in as_list(v.get("offers")) if isinstance(o, Mapping)]
        return _choose([r for o, condition in with_condition
                        for r in _offer_readings(o, method, None, None, condition)], method)
    # Some shops publish a bare Offer without its Product; it is still the page's offer.
    offers = [n for n in nodes if _types(n) & _OFFER_TYPES]
    if len(offers) == 1:
        return _choose(list(_offer_readings(offers[0], method, None, None)), method)
    return None


__all__ = ["as_list", "find_either", "json_ld_items", "structured_reading"]
