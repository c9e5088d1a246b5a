"""What the parsed page visibly shows: the price in a price-named element, and stock signals.

``scan_document`` makes one pass over the document. A price counts only in an element whose
class/id says price, outside carousels, recommendations, lists, headers and footers, and not
crossed out (``del``/``s``, classes old/was/regular/compare ...); ``text_reading`` gives a price
only when the page shows one there (or exactly one marked main/current/final/sale). Stock: an
availability element, a short out-of-stock label, and the buy button's state.

The same pass answers, for the amounts structured data gives (``watch``), whether the page shows
them only struck through (``DocumentScan.struck_only``): in ``del``/``s``/``strike``, under
``text-decoration: line-through``, or in an element named old/was/before/compare/strike, and in no
other visible text. Such an amount is the "was" price, not the price.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

import attrs
import lxml.html

from adapters.competitors.extraction.availability import BUY_WORDS, button_state, stock_from_text
from adapters.competitors.extraction.readings import Reading
from adapters.competitors.parsing import parse_price

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
# Class/id words of a price shown struck through: narrower than _NOT_THE_PRICE (a "discount" or
# "regular" price may be the one a customer pays), whole words or camelCase parts ("bold" is not "old"),
# not negated ("without-old-price").
STRUCK_WORD = re.compile(
    r"(?<![A-Za-z])(?<![Ww]ithout[-_])(?<![Nn]o[-_])(?:[Oo]ld|[Ww]as|[Bb]efore|[Cc]ompare|[Cc]rossed)|"
    r"(?<=[a-z])(?:Old|Was|Before|Compare|Crossed)|[Ss]trike|[Ll]ine-?[Tt]hrough")
_DIGIT = re.compile(r"\d")
_SAVE_TEXT = re.compile(r"\b(save|you save|off)\b|وفر|خصم|%", re.IGNORECASE)


def _classes(element: lxml.html.HtmlElement) -> str:
    return f"{element.get('class', '')} {element.get('id', '')} {element.get('data-testid', '')}"


def element_text(element: lxml.html.HtmlElement) -> str:
    """The value an element holds: its ``content``/``value`` attribute, else its text."""
    if element.tag in ("meta", "input"):
        return str(element.get("content") or element.get("value") or "")
    return str(element.get("content") or element.text_content())


def _shown_text(element: lxml.html.HtmlElement) -> str:
    """The element's text without crossed-out or "was" prices nested in it."""
    if element.tag in ("meta", "input") or element.get("content"):
        return element_text(element)
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _CROSSED_TAGS and child.tag not in ("script", "style") \
                and not _NOT_THE_PRICE.search(_classes(child)):
            parts.append(_shown_text(child))
        parts.append(child.tail or "")
    return " ".join(parts)


_SKIPPED = frozenset({"script", "style", "head", "title", "meta", "link", "option", "template", "noscript", "svg"})
_ELSEWHERE_TAGS = frozenset({"header", "footer", "nav", "aside", "head", "template", "noscript"})
_CROSSED_TAGS = frozenset({"del", "s", "strike"})


@attrs.frozen
class DocumentScan:
    """What one pass over the document found: shown prices and stock signals."""

    prices: tuple[tuple[Decimal, str | None, bool], ...]
    labels: bool | None  # what availability labels say
    button: bool | None  # the buy button: present and enabled, or disabled
    struck_only: frozenset[Decimal] = frozenset()  # watched amounts shown struck through and nowhere else

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


@lru_cache(maxsize=8192)
def _struck_class(classes: str) -> bool:
    """Whether a class/id string names a struck-through price (asked only when amounts are watched)."""
    return STRUCK_WORD.search(classes) is not None


def _digit_key(text: str) -> str:
    """The digits of an amount without leading and trailing zeros: "18.990.000đ" and 18990000 both give "1899"."""
    return "".join(str(unicodedata.decimal(c, 0)) for c in text if c.isdecimal()).strip("0")


def scan_document(doc: lxml.html.HtmlElement, currency_hint: str | None, *, want_price: bool,
                  watch: frozenset[Decimal] = frozenset(), styles: bool = False) -> DocumentScan:
    """One pass: price-named elements outside carousels and crossed-out prices, and stock signals.

    Stock, from the page itself: an availability element, a short out-of-stock label, and the
    buy button (present and enabled = in stock, disabled = out). ``watch``: amounts (from
    structured data) to look for in the visible text, struck through or not. ``styles``: whether
    to read ``style`` attributes for ``line-through`` (when the raw page has such a style at all).
    """
    flags: dict[lxml.html.HtmlElement, tuple[bool, bool, bool]] = {}
    prices: list[tuple[Decimal, str | None, bool]] = []
    verdicts: list[bool] = []
    button: bool | None = None
    watched = {_digit_key(format(amount, "f")): amount for amount in watch}
    shown: set[Decimal] = set()
    struck: set[Decimal] = set()
    for element in doc.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        parent = element.getparent()
        inherited = flags.get(parent, (False, False, False)) if parent is not None else (False, False, False)
        classes = _classes(element)
        kinds = _class_kinds(classes) if len(classes) > 2 else _NO_KINDS
        elsewhere = inherited[0] or tag in _ELSEWHERE_TAGS or "elsewhere" in kinds
        crossed = (inherited[1] or tag in _CROSSED_TAGS or element.get("data-a-strike") == "true" or "crossed" in kinds
                   or (styles and "line-through" in (element.get("style") or "")))
        is_struck = bool(watched) and (
            inherited[2] or tag in _CROSSED_TAGS or element.get("data-a-strike") == "true"
            or (len(classes) > 2 and _struck_class(classes))
            or (styles and "line-through" in (element.get("style") or "")))
        flags[element] = (elsewhere, crossed, is_struck)
        if watched and parent is not None and not inherited[0]:
            # Text after an element belongs to its parent: struck through when the parent is.
            _look_for(element.tail, inherited[2], watched, currency_hint, shown, struck)
        if elsewhere or tag in _SKIPPED:
            continue
        if watched:
            _look_for(element.text, is_struck, watched, currency_hint, shown, struck)
        if want_price and not crossed and len(element) <= 6 and (
                "price" in kinds or element.get("data-price") is not None):
            text = element.get("data-price") or _shown_text(element)
            if text.strip() and len(text) <= 80 and not _SAVE_TEXT.search(text):
                parsed = parse_price(text, currency_hint=currency_hint)
                if parsed is not None:
                    prices.append((parsed.amount, parsed.currency, "main" in kinds))
        if "stock" in kinds:
            state = stock_from_text(element.text_content())
            if state is not None:
                verdicts.append(state)
        elif len(element) <= 2 and tag in _LABEL_TAGS:
            text = (element.text or "").strip()
            if text and len(text) <= 40 and stock_from_text(text) is False:
                verdicts.append(False)
        if button is None and tag in ("button", "input", "a"):
            label = f"{classes} {element.get('name', '')} {element.get('value', '')} {element.text_content()[:60]}"
            if BUY_WORDS.search(label):
                button = button_state(element)
    labels = False if False in verdicts else True if verdicts else None
    return DocumentScan(tuple(prices), labels, button, frozenset(struck - shown))


def _look_for(text: str | None, is_struck: bool, watched: dict[str, Decimal], currency_hint: str | None,
              shown: set[Decimal], struck: set[Decimal]) -> None:
    """Note a watched amount in one visible text node, as struck through or as shown."""
    if not text or len(text) > 60 or not _DIGIT.search(text):
        return
    amount = watched.get(_digit_key(text))
    if amount is None:
        return
    parsed = parse_price(text, currency_hint=currency_hint)
    if parsed is not None and parsed.amount == amount:
        (struck if is_struck else shown).add(amount)


_LABEL_TAGS = frozenset({"span", "div", "p", "strong", "b", "em", "li", "h2", "h3", "h4", "label"})


def text_reading(found: Sequence[tuple[Decimal, str | None, bool]]) -> Reading | None:
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


__all__ = ["STRUCK_WORD", "DocumentScan", "element_text", "scan_document", "text_reading"]
