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
lxml) only when they do not settle price and stock. A price that equals a price the page itself
declares as the regular/list/crossed-out one is never the price. Sources that disagree (other
amounts, other currencies) give no reading. Availability comes from structured data, meta tags,
an availability element, or the buy button's state.
"""

from __future__ import annotations

import html as html_lib
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import attrs
import lxml.etree
import lxml.html
from extruct.w3cmicrodata import LxmlMicrodataExtractor
from lxml.cssselect import CSSSelector

from adapters.competitors.parsing import normalize_currency, normalize_text, parse_amount, parse_price

log = logging.getLogger(__name__)

# How much a reading is trusted, by where it came from and whether another place agrees.
CONFIDENCE = {
    "agreed": Decimal("1"),       # two independent places of the page say the same
    "selector": Decimal("1"),     # the merchant's own selector for this competitor
    "json-ld": Decimal("0.9"), "microdata": Decimal("0.9"), "rdfa": Decimal("0.9"),
    "meta": Decimal("0.8"),
    "site": Decimal("0.85"),      # a known retailer layout (Amazon's buy box)
    "text": Decimal("0.6"),       # the one price the page shows, found by its class name
}
UNTRUSTED = Decimal("0")

_PRODUCT_TYPES = frozenset({"Product", "ProductGroup", "IndividualProduct", "ProductModel", "Book", "Vehicle",
                            "SomeProducts", "Car"})
_OFFER_TYPES = frozenset({"Offer", "AggregateOffer"})
_LIST_PRICE_TYPES = ("listprice", "strikethroughprice", "msrp", "srp", "invoiceprice", "minimumadvertisedprice")

_OUT_OF_STOCK = ("outofstock", "soldout", "discontinued", "out of stock", "sold out", "out_of_stock", "oos")
_IN_STOCK = ("instock", "in stock", "limitedavailability", "onlineonly", "instoreonly", "in_stock", "preorder",
             "presale", "backorder", "available")
_OUT_OF_STOCK_TEXT = (
    "out of stock", "sold out", "currently unavailable", "temporarily out of stock", "no longer available",
    "not available", "unavailable", "notify me when available", "agotado", "no disponible", "ausverkauft",
    "épuisé", "rupture de stock", "esaurito",
    "غير متوفر", "غير متوفرة", "نفدت الكمية", "نفذت الكمية", "نفد من المخزون", "نفدت من المخزون",
    "غير متاح حاليا", "غير متاح حالياً", "نفد المخزون", "نفذ المخزون",
)
_IN_STOCK_TEXT = ("in stock", "available", "usually ships", "ships within", "ships in", "en stock", "auf lager",
                  "disponible", "متوفر", "متاح", "متوفر في المخزون")
_BUY_WORDS = re.compile(
    r"add[\s_-]*to[\s_-]*(cart|bag|basket|trolley)|addtocart|add-to-cart|buy[\s_-]*now|buy-box|"
    r"أضف إلى السلة|اضف الى السلة|أضف للسلة|اضف للسلة|اشتر الآن|اشتري الآن|in den warenkorb|ajouter au panier|"
    r"añadir a la cesta|añadir al carrito",
    re.IGNORECASE)

# Class/id words of elements that are not the price a customer pays now.
_NOT_THE_PRICE = re.compile(
    r"old|was|before|compare|strike|regular|original|list-?price|rrp|msrp|crossed|del\b|saving|save|discount|"
    r"unit-?price|per-?unit|installment|monthly|shipping|delivery",
    re.IGNORECASE)
_PRICE_WORD = re.compile(r"price|preis|prix|precio|prezzo|السعر|amount", re.IGNORECASE)
_MAIN_PRICE_WORD = re.compile(
    r"main|current|final|now|sale|our|actual|special|selling|today|buy-?box|pdp|product-?price", re.IGNORECASE)
# Containers of other products' prices: carousels, recommendations, lists, sponsored slots.
_ELSEWHERE = re.compile(
    r"carousel|recommend|related|similar|upsell|up-sell|cross-?sell|sponsored|also-?(bought|viewed|like)|"
    r"recently|swiper|product-?card|listing-?card|product-?tile|grid-?item|recs\b|bundle|accessor|"
    r"cart-?summary|mini-?cart|site-?footer|site-?header|mega-?menu",
    re.IGNORECASE)
_STOCK_WORD = re.compile(r"availab|stock|inventory", re.IGNORECASE)
_SAVE_TEXT = re.compile(r"\b(save|you save|off)\b|وفر|خصم|%", re.IGNORECASE)

_META_TAG = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def _has_microdata(raw_html: str) -> bool:
    return "itemscope" in raw_html and ("schema.org/Product" in raw_html or "schema.org/Offer" in raw_html)


def _has_rdfa(raw_html: str) -> bool:
    """True when an RDFa ``typeof`` attribute names a Product or an Offer (checked without a regex)."""
    start = 0
    for _ in range(500):
        at = raw_html.find("typeof=", start)
        if at == -1:
            return False
        value = raw_html[at + 7:at + 80].split(">", 1)[0]
        if "Product" in value or "Offer" in value:
            return True
        start = at + 7
    return False

_META_PRICE = ("product:price:amount", "og:price:amount", "product:price")
_META_SALE_PRICE = ("product:sale_price:amount", "og:sale_price:amount")
_META_LIST_PRICE = ("og:price:standard_amount", "product:original_price:amount", "product:regular_price:amount",
                    "og:original_price:amount")
_META_CURRENCY = ("product:price:currency", "og:price:currency", "product:sale_price:currency",
                  "og:sale_price:currency")
_META_AVAILABILITY = ("product:availability", "og:availability")


@attrs.frozen
class Reading:
    """One price (and what goes with it) read from one place of the page."""

    price: Decimal | None
    currency: str | None
    in_stock: bool | None
    method: str
    list_price: Decimal | None = None
    note: str | None = None


@attrs.frozen
class SiteSelectors:
    """A watched competitor's own selectors (CSS, or XPath when starting with ``/`` or ``(``).

    ``price`` selects the element holding the price (its ``content``/``value`` attribute or text);
    ``stock`` selects the element that states availability, or the buy button (disabled = out).
    """

    price: str | None = None
    stock: str | None = None


@attrs.frozen
class PageExtraction:
    """What a product page says: the price to use (or why there is none), its currency and stock.

    ``confidence`` is what the core's trust rules compare with the tenant's minimum; ``notes``
    is the trust record a merchant sees (disagreements, a selector that stopped matching, ...).
    """

    price: Decimal | None
    currency: str | None
    in_stock: bool | None
    method: str | None
    confidence: Decimal
    reason: str | None = None
    notes: tuple[str, ...] = ()


class SelectorError(ValueError):
    """A selector that is neither valid CSS nor valid XPath."""


@lru_cache(maxsize=512)
def compile_selector(selector: str) -> Callable[[lxml.html.HtmlElement], list[Any]]:
    """A function returning the elements ``selector`` (CSS or XPath) matches in a document."""
    text = selector.strip()
    try:
        if text.startswith(("/", "(", "./")):
            return lxml.etree.XPath(text)  # type: ignore[no-any-return]
        return CSSSelector(text)  # type: ignore[no-any-return]
    except (lxml.etree.XPathError, SyntaxError, ValueError) as exc:
        raise SelectorError(f"not a CSS selector or XPath: {selector!r} ({exc})") from exc


# --- structured data ----------------------------------------------------------------------------

def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(node: Mapping[str, Any]) -> set[str]:
    return {str(t).rsplit("/", 1)[-1].rsplit("#", 1)[-1] for t in _as_list(node.get("@type"))}


def _first(node: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        for value in _as_list(node.get(key)):
            if isinstance(value, Mapping) and "@value" in value:
                value = value["@value"]
            if value not in (None, ""):
                return value
    return None


def availability_of(value: Any) -> bool | None:
    """In stock (True), out of stock (False) or unknown (None) from a schema.org/meta value."""
    for item in _as_list(value):
        text = str(item.get("@id", "") if isinstance(item, Mapping) else item).casefold().strip()
        text = text.rsplit("/", 1)[-1].replace(" ", "").replace("_", "") if "schema.org" in text else text
        if any(word.replace(" ", "") in text.replace(" ", "") for word in _OUT_OF_STOCK):
            return False
        if any(word.replace(" ", "") in text.replace(" ", "") for word in _IN_STOCK):
            return True
    return None


def _find_either(text: str, needles: Sequence[str], start: int) -> int:
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
        body_end = _find_either(raw_html, ("</script", "</SCRIPT"), body_start) if body_start != -1 else -1
        if body_end == -1:
            continue
        start = body_end
        yield raw_html[body_start + 1:body_end]


def _json_ld_items(raw_html: str) -> list[Any]:
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
                yield from _top_nodes(_as_list(graph))
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
                    currency_hint: str | None) -> Iterator[Reading]:
    types = _types(offer)
    nested = [o for o in _as_list(offer.get("offers")) if isinstance(o, Mapping)]
    stock = availability_of(offer.get("availability"))
    stock = inherited if stock is None else stock
    currency = normalize_currency(_first(offer, "priceCurrency")) or currency_hint
    if nested and "AggregateOffer" in types:
        for child in nested:
            yield from _offer_readings(child, method, stock, currency)
        return
    list_price: Decimal | None = None
    raw = _first(offer, "price")
    for spec in _as_list(offer.get("priceSpecification")):
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
    yield Reading(amount, currency, stock, method, list_price=list_price)


def _choose(readings: Sequence[Reading], method: str) -> Reading | None:
    """One reading from a product's offers: the cheapest a customer can buy (sellers, variants)."""
    if not readings:
        return None
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
                   list_price=list_price, note=note)


def _structured_reading(items: Sequence[Any], method: str, page_urls: Sequence[str]) -> Reading | None:
    nodes = list(_top_nodes(items))
    products = _main_products(nodes, page_urls)
    if len(products) > 1:
        per_product = [_choose([r for o in _as_list(p.get("offers")) if isinstance(o, Mapping)
                                for r in _offer_readings(o, method, None, None)], method) for p in products]
        prices = {r.price for r in per_product if r is not None and r.price is not None}
        if len(prices) > 1:
            return Reading(None, None, None, method,
                           note=f"{len(products)} products on the page at different prices, none of them this page's")
        chosen = next((r for r in per_product if r is not None and r.price is not None), None)
        return chosen
    if products:
        offers = [o for o in _as_list(products[0].get("offers")) if isinstance(o, Mapping)]
        if not offers and "ProductGroup" in _types(products[0]):
            offers = [o for v in _as_list(products[0].get("hasVariant")) if isinstance(v, Mapping)
                      for o in _as_list(v.get("offers")) if isinstance(o, Mapping)]
        return _choose([r for o in offers for r in _offer_readings(o, method, None, None)], method)
    # Some shops publish a bare Offer without its Product; it is still the page's offer.
    offers = [n for n in nodes if _types(n) & _OFFER_TYPES]
    if len(offers) == 1:
        return _choose(list(_offer_readings(offers[0], method, None, None)), method)
    return None


_SCHEMA_PREFIX = re.compile(r"^https?://schema\.org/")


def _microdata_as_jsonld(item: Any) -> Any:
    """extruct's microdata item (``{"type", "properties"}``) as a JSON-LD-like node."""
    if isinstance(item, list):
        return [_microdata_as_jsonld(i) for i in item]
    if not isinstance(item, Mapping) or "properties" not in item:
        return item
    node: dict[str, Any] = {"@type": item.get("type")}
    for key, value in item["properties"].items():
        node[key] = _microdata_as_jsonld(value)
    return node


def _rdfa_as_jsonld(nodes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """extruct's RDFa output is flat, with full IRIs; rebuild nested schema.org nodes with short keys."""
    by_id = {n.get("@id"): n for n in nodes if isinstance(n, Mapping)}
    referenced = {v.get("@id") for n in by_id.values() for vs in n.values() for v in _as_list(vs)
                  if isinstance(v, Mapping) and "@id" in v}

    def convert(node: Mapping[str, Any], depth: int = 0) -> dict[str, Any]:
        out: dict[str, Any] = {"@type": [_SCHEMA_PREFIX.sub("", str(t)) for t in _as_list(node.get("@type"))]}
        for key, values in node.items():
            if not _SCHEMA_PREFIX.match(key):
                continue
            converted: list[Any] = []
            for value in _as_list(values):
                if isinstance(value, Mapping) and value.get("@id") in by_id and depth < 4:
                    converted.append(convert(by_id[value["@id"]], depth + 1))
                elif isinstance(value, Mapping):
                    converted.append(value.get("@value", value.get("@id")))
                else:
                    converted.append(value)
            out[_SCHEMA_PREFIX.sub("", key)] = converted[0] if len(converted) == 1 else converted
        return out

    return [convert(n) for key, n in by_id.items() if key not in referenced]


# --- meta tags ----------------------------------------------------------------------------------

def _meta_tags(raw_html: str) -> dict[str, str]:
    """``property``/``name`` meta tags of the page (first value wins), read without a DOM."""
    values: dict[str, str] = {}
    head_end = _find_either(raw_html, ("</head", "</HEAD"), 0)
    # Product meta tags belong in the head; scanning megabytes of body for them costs time for nothing.
    for tag in _META_TAG.finditer(raw_html, 0, head_end if head_end != -1 else len(raw_html)):
        attributes = {m.group(1).casefold(): next(g for g in m.groups()[1:] if g is not None)
                      for m in _ATTRIBUTE.finditer(tag.group(0))}
        key = (attributes.get("property") or attributes.get("name") or "").strip().casefold()
        content = attributes.get("content")
        if key and content is not None and key not in values:
            values[key] = html_lib.unescape(content)
    return values


def _meta_reading(meta: Mapping[str, str]) -> Reading | None:
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


# --- the document -------------------------------------------------------------------------------

def _classes(element: lxml.html.HtmlElement) -> str:
    return f"{element.get('class', '')} {element.get('id', '')} {element.get('data-testid', '')}"


def _element_text(element: lxml.html.HtmlElement) -> str:
    if element.tag in ("meta", "input"):
        return str(element.get("content") or element.get("value") or "")
    return str(element.get("content") or element.text_content())


def _shown_text(element: lxml.html.HtmlElement) -> str:
    """The element's text without crossed-out or "was" prices nested in it."""
    if element.tag in ("meta", "input") or element.get("content"):
        return _element_text(element)
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _CROSSED_TAGS and child.tag not in ("script", "style") \
                and not _NOT_THE_PRICE.search(_classes(child)):
            parts.append(_shown_text(child))
        parts.append(child.tail or "")
    return " ".join(parts)


def _stock_from_text(text: str) -> bool | None:
    words = normalize_text(text).casefold()
    if not words or len(words) > 120:
        return None
    if any(phrase in words for phrase in _OUT_OF_STOCK_TEXT):
        return False
    if any(phrase in words for phrase in _IN_STOCK_TEXT):
        return True
    return None


def _button_state(element: lxml.html.HtmlElement) -> bool:
    disabled = element.get("disabled") is not None or element.get("aria-disabled") == "true"
    return not (disabled or "disabled" in element.get("class", "").split())


_SKIPPED = frozenset({"script", "style", "head", "title", "meta", "link", "option", "template", "noscript", "svg"})
_ELSEWHERE_TAGS = frozenset({"header", "footer", "nav", "aside", "head", "template", "noscript"})
_CROSSED_TAGS = frozenset({"del", "s", "strike"})


@attrs.frozen
class _Scan:
    """What one pass over the document found: shown prices and stock signals."""

    prices: tuple[tuple[Decimal, str | None, bool], ...]
    labels: bool | None  # what availability labels say
    button: bool | None  # the buy button: present and enabled, or disabled

    @property
    def stock(self) -> bool | None:
        """Labels first; the buy button when no label says anything."""
        return self.labels if self.labels is not None else self.button


_CLASS_KINDS = {"elsewhere": _ELSEWHERE, "crossed": _NOT_THE_PRICE, "price": _PRICE_WORD, "main": _MAIN_PRICE_WORD,
                "stock": _STOCK_WORD}
_NO_KINDS: frozenset[str] = frozenset()


@lru_cache(maxsize=8192)
def _class_kinds(classes: str) -> frozenset[str]:
    """Which of the class-word families a class/id string belongs to (pages repeat these strings a lot)."""
    return frozenset(kind for kind, pattern in _CLASS_KINDS.items() if pattern.search(classes))


def _scan(doc: lxml.html.HtmlElement, currency_hint: str | None, *, want_price: bool) -> _Scan:
    """One pass: price-named elements outside carousels and crossed-out prices, and stock signals.

    Stock, from the page itself: an availability element, a short out-of-stock label, and the
    buy button (present and enabled = in stock, disabled = out).
    """
    flags: dict[lxml.html.HtmlElement, tuple[bool, bool]] = {}
    prices: list[tuple[Decimal, str | None, bool]] = []
    verdicts: list[bool] = []
    button: bool | None = None
    for element in doc.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        parent = element.getparent()
        inherited = flags.get(parent, (False, False)) if parent is not None else (False, False)
        classes = _classes(element)
        kinds = _class_kinds(classes) if len(classes) > 2 else _NO_KINDS
        elsewhere = inherited[0] or tag in _ELSEWHERE_TAGS or "elsewhere" in kinds
        crossed = inherited[1] or tag in _CROSSED_TAGS or element.get("data-a-strike") == "true" or "crossed" in kinds
        flags[element] = (elsewhere, crossed)
        if elsewhere or tag in _SKIPPED:
            continue
        if want_price and not crossed and len(element) <= 6 and (
                "price" in kinds or element.get("data-price") is not None):
            text = element.get("data-price") or _shown_text(element)
            if text.strip() and len(text) <= 80 and not _SAVE_TEXT.search(text):
                parsed = parse_price(text, currency_hint=currency_hint)
                if parsed is not None:
                    prices.append((parsed.amount, parsed.currency, "main" in kinds))
        if "stock" in kinds:
            state = _stock_from_text(element.text_content())
            if state is not None:
                verdicts.append(state)
        elif len(element) <= 2 and tag in _LABEL_TAGS:
            text = (element.text or "").strip()
            if text and len(text) <= 40 and _stock_from_text(text) is False:
                verdicts.append(False)
        if button is None and tag in ("button", "input", "a"):
            label = f"{classes} {element.get('name', '')} {element.get('value', '')} {element.text_content()[:60]}"
            if _BUY_WORDS.search(label):
                button = _button_state(element)
    labels = False if False in verdicts else True if verdicts else None
    return _Scan(tuple(prices), labels, button)


_LABEL_TAGS = frozenset({"span", "div", "p", "strong", "b", "em", "li", "h2", "h3", "h4", "label"})


def _text_reading(found: Sequence[tuple[Decimal, str | None, bool]]) -> Reading | None:
    """The one price the page shows in a price-named element, or a reading saying why there is none."""
    if not found:
        return None
    distinct = {amount for amount, _, _ in found}
    if len(distinct) > 1:
        main = {amount for amount, _, is_main in found if is_main}
        if len(main) != 1:
            return Reading(None, None, None, "text", note=f"{len(distinct)} different prices shown on the page")
        distinct = main
    amount = distinct.pop()
    currency = next((c for a, c, _ in found if a == amount and c), None)
    return Reading(amount, currency, None, "text")


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
_MAX_MICRODATA_PRODUCTS = 8


def _known_site(url: str) -> str | None:
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


def _site_reading(raw_html: str, name: str, currency_hint: str | None) -> Reading:
    site = KNOWN_SITES[name]
    doc = _regions(raw_html, site.regions)
    price: Decimal | None = None
    currency: str | None = None
    for selector in site.prices:
        for element in compile_selector(selector)(doc):
            parsed = parse_price(_element_text(element), currency_hint=currency_hint)
            if parsed is not None:
                price, currency = parsed.amount, parsed.currency
                break
        if price is not None:
            break
    in_stock: bool | None = None
    for selector in site.stock:
        for element in compile_selector(selector)(doc):
            for text in (element.text_content(), *element.itertext()):
                state = _stock_from_text(text)
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


def _selector_readings(doc: lxml.html.HtmlElement, selectors: SiteSelectors, currency_hint: str | None,
                       ) -> tuple[Reading | None, list[str]]:
    """The reading of the competitor's own selectors, and what went wrong with them."""
    problems: list[str] = []
    price: Decimal | None = None
    currency: str | None = None
    in_stock: bool | None = None
    if selectors.price:
        try:
            matches = compile_selector(selectors.price)(doc)
        except SelectorError as exc:
            matches, problems = [], [*problems, str(exc)]
        texts = [_element_text(m) if isinstance(m, lxml.etree._Element) else str(m) for m in matches]
        parsed = next((p for p in (parse_price(t, currency_hint=currency_hint) for t in texts) if p), None)
        if not matches and not problems:
            problems.append(f"the price selector {selectors.price!r} matches nothing on the page any more")
        elif matches and parsed is None:
            problems.append(f"the price selector {selectors.price!r} matches {texts[0][:40]!r}, which is not a price")
        if parsed is not None:
            price, currency = parsed.amount, parsed.currency
    if selectors.stock:
        try:
            matches = compile_selector(selectors.stock)(doc)
        except SelectorError as exc:
            matches, problems = [], [*problems, str(exc)]
        if not matches and not any(selectors.stock in p for p in problems):
            problems.append(f"the stock selector {selectors.stock!r} matches nothing on the page any more")
        for element in matches[:1]:
            if isinstance(element, lxml.etree._Element) and element.tag in ("button", "input"):
                in_stock = _button_state(element)
            else:
                in_stock = _stock_from_text(_element_text(element) if isinstance(element, lxml.etree._Element)
                                            else str(element))
                if in_stock is None:
                    problems.append(f"the stock selector {selectors.stock!r} says neither in nor out of stock")
    if price is None and in_stock is None:
        return None, problems
    return Reading(price, currency, in_stock, "selector"), problems


# --- putting it together ------------------------------------------------------------------------

def _reconcile(readings: Sequence[Reading]) -> tuple[Reading | None, str | None, Decimal, list[str]]:
    """The price reading to use, why there is none, its confidence, and notes for the merchant."""
    priced = [r for r in readings if r.price is not None]
    notes = [f"{r.method}: {r.note}" for r in readings if r.note]
    if not priced:
        return None, (notes[0] if notes else None), UNTRUSTED, notes
    declared_list = {r.list_price for r in readings if r.list_price is not None}
    # A price equal to a price the page declares as regular/list/crossed-out is a "was" price.
    candidates = [r for r in priced if r.price not in declared_list or all(p.price in declared_list for p in priced)]
    currencies = {r.currency for r in candidates if r.currency}
    if len(currencies) > 1:
        said = ", ".join(f"{r.method} {r.price} {r.currency}" for r in candidates)
        return None, f"the page gives prices in several currencies ({said})", UNTRUSTED, notes
    amounts = {r.price for r in candidates}
    if len(amounts) > 1:
        said = ", ".join(f"{r.method} {r.price}" for r in candidates)
        return None, f"places of the page disagree on the price ({said})", UNTRUSTED, notes
    primary = candidates[0]
    agreed = len({r.method for r in candidates}) > 1
    confidence = CONFIDENCE["agreed"] if agreed else CONFIDENCE[primary.method]
    if len(candidates) < len(priced):
        notes.append(f"{primary.method}: {primary.price} is the sale price; "
                     f"{', '.join(str(p) for p in sorted(declared_list))} is declared as the regular price")
    return primary, None, confidence, notes


def extract(html: str, url: str, *, selectors: SiteSelectors | None = None) -> PageExtraction:
    """The page's price, currency and stock state, or no price and the reason (never a guess)."""
    items = _json_ld_items(html)
    meta = _meta_tags(html)
    page_urls = [url, *(v for k, v in meta.items() if k == "og:url")]
    readings: list[Reading] = []
    structured = _structured_reading(items, "json-ld", page_urls)
    if structured is not None:
        readings.append(structured)
    meta_reading = _meta_reading(meta)
    if meta_reading is not None:
        readings.append(meta_reading)
    site = _known_site(url)
    if site is not None and selectors is None:
        readings.append(_site_reading(html, site, _currency_hint(readings)))
    settled = ((any(r.price is not None for r in readings) and any(r.in_stock is not None for r in readings))
               or site is not None) and selectors is None
    doc: lxml.html.HtmlElement | None = None
    selector_problems: list[str] = []
    if not settled:
        try:
            doc = lxml.html.fromstring(html)
        except (ValueError, lxml.etree.ParserError) as exc:
            return PageExtraction(None, None, None, None, UNTRUSTED, reason=f"not HTML: {exc}")
        readings.extend(_document_readings(doc, html, url, readings))
        if selectors is not None:
            own, selector_problems = _selector_readings(doc, selectors, _currency_hint(readings))
            if own is not None:
                # The merchant's selector speaks for this competitor: it replaces the generic guesses.
                readings = [r for r in readings if r.method in ("json-ld", "microdata", "rdfa", "meta")]
                readings.insert(0, own)
    chosen, reason, confidence, notes = _reconcile(readings)
    if chosen is not None and chosen.method == "selector":
        structured_prices = {r.price for r in readings if r.price is not None and r.method != "selector"}
        confidence = CONFIDENCE["agreed"] if chosen.price in structured_prices else CONFIDENCE["selector"]
    notes = [*selector_problems, *notes]
    in_stock = _stock(readings, chosen)
    if in_stock is None and doc is not None and chosen is not None:
        in_stock = _scan(doc, None, want_price=False).stock
    if selector_problems:
        # A selector that stopped matching means the page changed: whatever is read is not trusted.
        confidence = UNTRUSTED
        reason = reason or "; ".join(selector_problems)
    if chosen is None:
        return PageExtraction(None, None, in_stock, None, UNTRUSTED, reason=reason or "no price found on the page",
                              notes=tuple(notes))
    currency = chosen.currency or _currency_hint(readings)
    return PageExtraction(chosen.price, currency, in_stock, chosen.method, confidence, reason=reason,
                          notes=tuple(notes))


def _currency_hint(readings: Sequence[Reading]) -> str | None:
    return next((r.currency for r in readings if r.currency), None)


def _stock(readings: Sequence[Reading], chosen: Reading | None) -> bool | None:
    if chosen is not None and chosen.in_stock is not None:
        return chosen.in_stock
    return next((r.in_stock for r in readings if r.in_stock is not None), None)


def _document_readings(doc: lxml.html.HtmlElement, html: str, url: str, found: Sequence[Reading],
                       ) -> list[Reading]:
    readings: list[Reading] = []
    hint = _currency_hint(found)
    listed = html.count("schema.org/Product")
    if listed > _MAX_MICRODATA_PRODUCTS:
        # A list of products (a category or search page): extruct's microdata reader is quadratic
        # in the items, and no one of them is this page's product anyway.
        readings.append(Reading(None, None, None, "microdata", note=f"{listed} products marked up: a list page"))
    elif _has_microdata(html):
        try:
            items = [_microdata_as_jsonld(i) for i in LxmlMicrodataExtractor().extract_items(doc, url)]
            reading = _structured_reading(items, "microdata", [url])
        except Exception as exc:  # extruct raises assorted errors on broken markup
            log.info("microdata unreadable on %s: %s", url, exc)
            reading = None
        if reading is not None:
            readings.append(reading)
    if _has_rdfa(html) and not any(r.price is not None for r in (*found, *readings)):
        import extruct  # RDFa needs extruct's own DOM: only pages with RDFa and no other price pay for it

        try:
            nodes = extruct.extract(html, base_url=url, syntaxes=["rdfa"], uniform=True, errors="ignore")["rdfa"]
            reading = _structured_reading(_rdfa_as_jsonld(nodes), "rdfa", [url])
        except Exception as exc:  # rdflib/pyrdfa raise assorted errors on broken markup
            log.info("RDFa unreadable on %s: %s", url, exc)
            reading = None
        if reading is not None:
            readings.append(reading)
    hint = hint or _currency_hint(readings)
    want_price = not any(r.price is not None for r in (*found, *readings)) and not any(
        r.note for r in (*found, *readings) if r.method != "meta")
    scan = _scan(doc, hint, want_price=want_price)
    text = _text_reading(scan.prices) if want_price else None
    if text is not None:
        readings.append(text)
    page_has_price = any(r.price is not None for r in (*found, *readings))
    # On a page without a price of its own (a list, a withdrawn product) buy buttons belong to other
    # products: only an out-of-stock label speaks for the page.
    stock = scan.stock if page_has_price else (False if scan.labels is False else None)
    if stock is not None:
        readings.append(Reading(None, None, stock, "page"))
    return readings


__all__ = ["CONFIDENCE", "KNOWN_SITES", "PageExtraction", "Reading", "SelectorError", "SiteSelectors",
           "availability_of", "compile_selector", "extract"]
