"""A declared price the page shows only struck through is the "was" price, never the price.

Structured data and meta tags sometimes carry the regular price while the page sells below it
(the declared amount is shown in ``<del>``, under ``text-decoration: line-through``, in an element
named old/was/before/compare/strike). ``scan_document`` finds such amounts in its one pass over
the document (``DocumentScan.struck_only``); ``without_struck`` turns the readings that give them
into "was" prices and puts the visible current price in their place, or nothing.

When structured data settles price and stock the document is otherwise not parsed at all;
``may_show_struck`` is the cheap look at the raw page that says whether parsing it to check is
worth its cost: the amount written as visible text, a strike mark shortly before it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from decimal import Decimal

from adapters.competitors.extraction.readings import Reading
from adapters.competitors.extraction.visible import STRUCK_WORD, DocumentScan, text_reading

# Readings from data the page declares (not from its visible text): what a struck-through price contradicts.
DECLARED = frozenset({"json-ld", "microdata", "rdfa", "meta"})
_ARABIC_ZEROS = (0x0660, 0x06F0)  # Arabic-Indic and Persian digits: zero's code point
# Currencies of markets that may write amounts in those digits (elsewhere the look is not worth its cost).
_ARABIC_DIGIT_CURRENCIES = frozenset({"SAR", "AED", "KWD", "QAR", "OMR", "BHD", "JOD", "EGP", "IQD", "LYD", "SYP",
                                      "YER", "SDG", "LBP", "IRR", "AFN", "PKR"})
_SEPARATOR = "[.,'\u00a0\u202f \u066b\u066c]"
_DECIMAL_POINT = "[.,\u066b]"
_STRIKE_MARKS = ("line-through", "<del", "<s>", "<s ", "<strike", "trike")
_VOID_TAGS = ("<br", "<img", "<input", "<meta", "<link", "<hr", "<wbr", "<source")
_MAX_TAGS = 10  # tags walked back from an amount: its enclosing elements and the closed siblings before it
_MAX_TEXT = 12  # characters of text beside an amount in its elements (a currency sign, "&nbsp;", "Sale")
_MAX_ENCLOSING = 4  # elements around an amount whose marks count (a price's del > span > bdi)


def _amount_pattern(amount: Decimal, zero: int = ord("0")) -> re.Pattern[str]:
    """The ways a page writes ``amount`` as text, in the digits starting at ``zero``: grouped or not,
    either decimal mark. It starts with a literal digit, so the regex engine skips along the page fast."""
    whole, _, fraction = format(amount, "f").partition(".")
    digits = {ord(str(d)): chr(zero + d) for d in range(10)}
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:].translate(digits))
        whole = whole[:-3]
    fraction = fraction.rstrip("0").translate(digits)
    tail = f"{_DECIMAL_POINT}{fraction}{chr(zero)}*" if fraction else f"(?:{_DECIMAL_POINT}{chr(zero)}+)?"
    return re.compile(f"{_SEPARATOR}?".join(groups) + tail + f"(?![{chr(zero)}-{chr(zero + 9)}])")


def _short_text(text: str) -> bool:
    """Text that may stand beside an amount in its element: a currency sign or a word, no other number."""
    text = "".join(text.split())
    return len(text) <= _MAX_TEXT and not any(c.isdigit() for c in text)


def _struck_before(html: str, at: int, zero: int) -> bool:
    """Whether the amount at ``at`` is page text inside an element marked as struck through.

    Walks back over the tags before the amount: an opening tag whose element is still open encloses
    the amount (its marks count); a closing tag ends a sibling (a currency sign's ``<span>``), whose
    opening tag is then passed over. Text in a script (JSON: ``"price":1199``) is not after a tag.
    """
    if at and zero <= ord(html[at - 1]) <= zero + 9:
        return False  # the tail of a longer number
    closed = enclosing = 0
    end = at
    for _ in range(_MAX_TAGS):
        tag_end = html.rfind(">", max(0, end - 200), end)
        if tag_end == -1 or not _short_text(html[tag_end + 1:end]) or "<" in html[tag_end + 1:end]:
            return False
        tag_start = html.rfind("<", 0, tag_end)
        if tag_start == -1:
            return False
        tag = html[tag_start:tag_end + 1]
        end = tag_start
        if tag.startswith("</"):
            closed += 1
        elif tag.startswith(("<!", "<?")) or tag.endswith("/>") or tag.lower().startswith(_VOID_TAGS):
            continue
        elif closed:
            closed -= 1
        elif any(mark in tag for mark in _STRIKE_MARKS) or STRUCK_WORD.search(tag):
            return True
        else:
            enclosing += 1
            if enclosing == _MAX_ENCLOSING:
                return False
    return False


def may_show_struck(html: str, amounts: Collection[Decimal], currency: str | None) -> bool:
    """True when one of ``amounts`` (in ``currency``) occurs as page text inside a struck-through element.

    A look at the raw page (one regex pass per amount; the document decides), so that pages whose
    structured data settles price and stock are parsed only when a struck price may contradict it.
    """
    for amount in amounts:
        zeros = [ord("0")]
        if currency is None or currency in _ARABIC_DIGIT_CURRENCIES:
            # Arabic-Indic and Persian digits: only on a page that has the amount's first digit in them.
            leading = int(format(amount, "f")[0])
            zeros += [z for z in _ARABIC_ZEROS if chr(z + leading) in html]
        for zero in zeros:
            if any(_struck_before(html, m.start(), zero) for m in _amount_pattern(amount, zero).finditer(html)):
                return True
    return False


def has_inline_line_through(html: str) -> bool:
    """Whether some element's own ``style`` attribute strikes its text through (not a stylesheet rule).

    Reading every element's ``style`` costs the document scan more than this look at the raw page.
    """
    at = html.find("line-through")
    while at != -1:
        if html.rfind("style=", max(0, at - 200), at) > html.rfind(">", max(0, at - 200), at):
            return True
        at = html.find("line-through", at + 12)
    return False


def declared_prices(readings: Sequence[Reading]) -> frozenset[Decimal]:
    """The prices the page's declared data (structured data, meta tags) gives."""
    return frozenset(r.price for r in readings if r.price is not None and r.method in DECLARED)


def without_struck(readings: Sequence[Reading], scan: DocumentScan) -> list[Reading]:
    """The readings, with declared prices the page shows only struck through turned into "was" prices.

    What replaces them is the visible current price, when the page shows exactly one and it is
    below the struck one; else there is no price (and the note says why).
    """
    if not scan.struck_only:
        return list(readings)
    kept = [Reading(None, r.currency, r.in_stock, r.method, list_price=r.price,
                    note=f"{r.price} is shown only struck through on the page (a \"was\" price)")
            if r.price in scan.struck_only and r.method in DECLARED else r for r in readings]
    if not any(r.price is not None for r in kept):
        current = text_reading(scan.prices)
        if current is not None and current.price is not None and current.price < min(scan.struck_only):
            kept.append(current)
    return kept


__all__ = ["DECLARED", "declared_prices", "has_inline_line_through", "may_show_struck", "without_struck"]
