"""What the page readers produce: one ``Reading`` per place of the page, one ``PageExtraction`` per page.

``CONFIDENCE`` says how much a price is trusted by where it was read (``Reading.method``).
"""

from __future__ import annotations

from decimal import Decimal

import attrs

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


@attrs.frozen
class Reading:
    """One price (and what goes with it) read from one place of the page."""

    price: Decimal | None
    currency: str | None
    in_stock: bool | None
    method: str
    list_price: Decimal | None = None
    note: str | None = None
    shipping: Decimal | None = None  # the offer's stated delivery charge (schema.org shippingDetails)
    second_hand: bool = False  # the offer sells a used, refurbished or damaged item (schema.org itemCondition)
    # The page itself says none of its prices is the product's (it offers only used copies):
    # no other place of the page may supply one.
    vetoes_price: bool = False


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
    shipping: Decimal | None = None  # stated by the page's structured data for the chosen price; None: not said


__all__ = ["CONFIDENCE", "UNTRUSTED", "PageExtraction", "Reading"]
