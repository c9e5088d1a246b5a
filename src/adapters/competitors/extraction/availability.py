"""Whether the competitor has the product in stock, from whatever the page says about it.

Three kinds of signal: a schema.org/meta availability value (``availability_of``), a short text
such as "sold out" or "غير متوفر" (``stock_from_text``), and the buy button, enabled or disabled
(``button_state``; ``BUY_WORDS`` recognises one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import lxml.html

from adapters.competitors.parsing import normalize_text

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
# The label, class or name of a buy button.
BUY_WORDS = re.compile(
    r"add[\s_-]*to[\s_-]*(cart|bag|basket|trolley)|addtocart|add-to-cart|buy[\s_-]*now|buy-box|"
    r"أضف إلى السلة|اضف الى السلة|أضف للسلة|اضف للسلة|اشتر الآن|اشتري الآن|in den warenkorb|ajouter au panier|"
    r"añadir a la cesta|añadir al carrito",
    re.IGNORECASE)


def availability_of(value: Any) -> bool | None:
    """In stock (True), out of stock (False) or unknown (None) from a schema.org/meta value."""
    values = [] if value is None else value if isinstance(value, list) else [value]
    for item in values:
        text = str(item.get("@id", "") if isinstance(item, Mapping) else item).casefold().strip()
        text = text.rsplit("/", 1)[-1].replace(" ", "").replace("_", "") if "schema.org" in text else text
        if any(word.replace(" ", "") in text.replace(" ", "") for word in _OUT_OF_STOCK):
            return False
        if any(word.replace(" ", "") in text.replace(" ", "") for word in _IN_STOCK):
            return True
    return None


def stock_from_text(text: str) -> bool | None:
    """In stock (True), out of stock (False) or unknown (None) from a short text the page shows."""
    words = normalize_text(text).casefold()
    if not words or len(words) > 120:
        return None
    if any(phrase in words for phrase in _OUT_OF_STOCK_TEXT):
        return False
    if any(phrase in words for phrase in _IN_STOCK_TEXT):
        return True
    return None


def button_state(element: lxml.html.HtmlElement) -> bool:
    """A buy button says in stock (True) unless it is disabled (False)."""
    disabled = element.get("disabled") is not None or element.get("aria-disabled") == "true"
    return not (disabled or "disabled" in element.get("class", "").split())


__all__ = ["BUY_WORDS", "availability_of", "button_state", "stock_from_text"]
