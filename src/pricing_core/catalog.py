"""What the core prices: product snapshots, competitor offers and price history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import attrs

from pricing_core.money import MoneyError, to_decimal


def _money(value: object) -> Decimal:
    return to_decimal(value)


def _optional_money(value: object) -> Decimal | None:
    if value is None:
        return None
    return to_decimal(value)


def _labels(values: object) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    if not isinstance(values, tuple | list | frozenset | set):
        return ()
    return tuple(str(v) for v in values if str(v).strip())


def _pairs(values: object) -> tuple[tuple[str, str], ...]:
    """(id, name) pairs from pairs or a mapping (JSON gives lists); incomplete ones are dropped."""
    items = list(values.items()) if isinstance(values, dict) else values
    if not isinstance(items, tuple | list):
        return ()
    pairs = []
    for item in items:
        if isinstance(item, tuple | list) and len(item) == 2 and str(item[0]).strip() and str(item[1]).strip():
            pairs.append((str(item[0]), str(item[1])))
    return tuple(pairs)


@attrs.frozen(kw_only=True)
class Product:
    """A snapshot of one product (or variant) of one store, as the core needs it.

    ``price`` is what the customer pays today; ``prices_include_vat`` says whether it
    includes VAT (Salla's ``with_tax``). ``cost_price`` is ``None`` when the merchant never
    entered a cost: such a product is never lowered automatically. ``categories`` (ids),
    ``brand`` (id) and ``tags`` (names) are what pricing rules match on; ``category_names``
    ((id, name) pairs) and ``brand_name`` are Salla's names for them, as Salla gives them (Arabic
    stays Arabic), for pages only: a name may change, the id stays.
    """

    id: str = attrs.field(converter=str)
    sku: str | None = None
    name: str = ""
    price: Decimal = attrs.field(converter=_money)
    cost_price: Decimal | None = attrs.field(default=None, converter=_optional_money)
    prices_include_vat: bool = True
    currency: str = "SAR"
    status: str = "sale"
    quantity: int | None = None
    gtin: str | None = None
    variant_of: str | None = None
    categories: tuple[str, ...] = attrs.field(default=(), converter=_labels)
    brand: str | None = None
    tags: tuple[str, ...] = attrs.field(default=(), converter=_labels)
    category_names: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    brand_name: str | None = None


def group_choices(products: Iterable[Product]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The categories and the brands of ``products`` as (id, name) choices, by name; the id stands in
    for a name Salla did not give."""
    categories: dict[str, str] = {}
    brands: dict[str, str] = {}
    for product in products:
        names = dict(product.category_names)
        for cid in product.categories:
            if not categories.get(cid):
                categories[cid] = names.get(cid, "")
        if product.brand and not brands.get(product.brand):
            brands[product.brand] = product.brand_name or ""

    def ordered(found: dict[str, str]) -> list[tuple[str, str]]:
        return sorted(((k, v or k) for k, v in found.items()), key=lambda kv: (kv[1].casefold(), kv[0]))

    return ordered(categories), ordered(brands)


@attrs.frozen(kw_only=True)
class CompetitorOffer:
    """One observed competitor price for one product.

    ``previous_price`` is the same competitor's previous observation (if any) and
    ``second_reading`` an independent reading of the same listing; either one agreeing
    within the tenant's tolerance makes the offer *corroborated*, which an automatic
    decrease requires. ``shipping`` is the competitor's delivery charge when the source
    states it; the ``include_shipping`` setting compares prices with it added. ``note`` is the
    offer's trust record: what the source doubted about the reading (sources that disagreed, a
    selector that stopped matching, a failed second reading); the core repeats it when it drops
    or doubts the offer.
    """

    competitor: str
    price: Decimal = attrs.field(converter=_money)
    observed_at: datetime
    currency: str = "SAR"
    in_stock: bool = True
    confidence: Decimal = attrs.field(default=Decimal("1"), converter=_money)
    url: str | None = None
    is_own_store: bool = False
    previous_price: Decimal | None = attrs.field(default=None, converter=_optional_money)
    second_reading: Decimal | None = attrs.field(default=None, converter=_optional_money)
    source: str = "feed"
    note: str = ""
    # What the competitor charges for delivery, when the source states it (None: not stated).
    shipping: Decimal | None = attrs.field(default=None, converter=_optional_money)


@attrs.frozen(kw_only=True)
class PricePoint:
    """A price the product had from ``changed_at`` on (used for cooldown and history)."""

    product_id: str
    price: Decimal = attrs.field(converter=_money)
    changed_at: datetime
    source: str = "optimizer"


@attrs.frozen(kw_only=True)
class AdvisorProposal:
    """A target price proposed by an advisor (rule-based or LLM), with its rationale.

    A proposal is only a suggestion: it enters the pipeline at the strategy step and passes
    every guard after it.
    """

    product_id: str
    target_price: object  # deliberately untyped: advisors may return garbage, the core checks it
    rationale: str = ""
    source: str = "advisor"


__all__ = ["AdvisorProposal", "CompetitorOffer", "MoneyError", "PricePoint", "Product"]
