"""Several places of one page, one answer: which reading's price is used, how much it is trusted.

Readings that disagree (other amounts, other currencies) give no price, and so does a page whose
structured data says it offers only used copies (``Reading.vetoes_price``); a price equal to one the
page declares as its regular/list/crossed-out price is the "was" price, never the price; two
independent places that agree are trusted most (``CONFIDENCE["agreed"]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from adapters.competitors.extraction.readings import CONFIDENCE, UNTRUSTED, Reading


def reconcile(readings: Sequence[Reading]) -> tuple[Reading | None, str | None, Decimal, list[str]]:
    """The price reading to use, why there is none, its confidence, and notes for the merchant."""
    priced = [r for r in readings if r.price is not None]
    notes = [f"{r.method}: {r.note}" for r in readings if r.note]
    veto = next((r for r in readings if r.vetoes_price), None)
    if veto is not None:
        return None, f"{veto.method}: {veto.note}", UNTRUSTED, notes
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


def currency_hint(readings: Sequence[Reading]) -> str | None:
    """The first currency any reading states: the hint for amounts written without one."""
    return next((r.currency for r in readings if r.currency), None)


def stock_of(readings: Sequence[Reading], chosen: Reading | None) -> bool | None:
    """In stock or not: what the chosen reading says, else the first reading that says anything."""
    if chosen is not None and chosen.in_stock is not None:
        return chosen.in_stock
    return next((r.in_stock for r in readings if r.in_stock is not None), None)


__all__ = ["currency_hint", "reconcile", "stock_of"]
