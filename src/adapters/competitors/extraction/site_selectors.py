"""A watched competitor's own selectors (from the watchlist): compiled, and read from the page.

The merchant's selectors speak for that competitor and outrank the generic readers; when one no
longer matches, ``selector_readings`` says so (the page changed, so nothing read is trusted).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

import attrs
import lxml.etree
import lxml.html
from lxml.cssselect import CSSSelector

from adapters.competitors.extraction.availability import button_state, stock_from_text
from adapters.competitors.extraction.readings import Reading
from adapters.competitors.extraction.visible import element_text
from adapters.competitors.parsing import parse_price


@attrs.frozen
class SiteSelectors:
    """A watched competitor's own selectors (CSS, or XPath when starting with ``/`` or ``(``).

    ``price`` selects the element holding the price (its ``content``/``value`` attribute or text);
    ``stock`` selects the element that states availability, or the buy button (disabled = out).
    """

    price: str | None = None
    stock: str | None = None


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


def selector_readings(doc: lxml.html.HtmlElement, selectors: SiteSelectors, currency_hint: str | None,
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
        texts = [element_text(m) if isinstance(m, lxml.etree._Element) else str(m) for m in matches]
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
                in_stock = button_state(element)
            else:
                in_stock = stock_from_text(element_text(element) if isinstance(element, lxml.etree._Element)
                                            else str(element))
                if in_stock is None:
                    problems.append(f"the stock selector {selectors.stock!r} says neither in nor out of stock")
    if price is None and in_stock is None:
        return None, problems
    return Reading(price, currency, in_stock, "selector"), problems


__all__ = ["SelectorError", "SiteSelectors", "compile_selector", "selector_readings"]
