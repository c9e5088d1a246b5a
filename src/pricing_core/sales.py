"""A store's sales as pricing needs them: sold lines of orders and the daily history per product.

No customer data: an order line keeps what was bought, when, how many and for how much.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from decimal import Decimal

import attrs

from pricing_core.money import quantize, to_decimal

# Orders in these states did not sell anything (Salla's status slugs).
NOT_SOLD = frozenset({"canceled", "cancelled", "refunded", "restored", "deleted"})


@attrs.frozen(kw_only=True)
class SoldLine:
    """One line of one order: ``revenue`` is what the customer paid for it, tax included.

    ``product_id`` is None when the order names the product only by SKU; ``daily_sales`` then
    maps the SKU through the catalog.
    """

    order_id: str
    ordered_at: datetime
    sku: str
    quantity: int
    revenue: Decimal = attrs.field(converter=to_decimal)
    product_id: str | None = None
    status: str = "completed"


@attrs.frozen(kw_only=True)
class DailySales:
    """Units, revenue and average price paid of one product on one day (the store's local day)."""

    product_id: str
    day: date
    units: int
    revenue: Decimal = attrs.field(converter=to_decimal)

    @property
    def avg_price(self) -> Decimal:
        """Revenue per unit, to the minor unit (0 for a day without units)."""
        return quantize(self.revenue / self.units) if self.units else Decimal("0.00")


@attrs.frozen(kw_only=True)
class OrderSale:
    """One order's part of one product's day: what the order adds to that ``DailySales``.

    Kept per order so that an order seen again (by the sync, or an ``order.updated`` /
    ``order.cancelled`` webhook) replaces its own part instead of adding to it.
    """

    order_id: str
    product_id: str
    day: date
    units: int
    revenue: Decimal = attrs.field(converter=to_decimal)


@attrs.frozen(kw_only=True)
class SalesSummary:
    """What ``daily_sales`` made of a batch of lines: the days, each order's part of them, and the
    lines it could not place."""

    days: tuple[DailySales, ...]
    unmatched_skus: tuple[str, ...] = ()
    skipped_orders: int = 0
    orders: tuple[OrderSale, ...] = ()


def daily_sales(lines: Iterable[SoldLine], product_of_sku: Mapping[str, str], tz: tzinfo) -> SalesSummary:
    """Sum sold lines into one ``DailySales`` per product and local day.

    Lines of orders that did not sell (``NOT_SOLD``) are skipped; a line without a product id
    whose SKU the catalog does not know is left out and its SKU reported.
    """
    units: dict[tuple[str, date], int] = {}
    revenue: dict[tuple[str, date], Decimal] = {}
    parts: dict[tuple[str, str, date], OrderSale] = {}
    unmatched: set[str] = set()
    skipped: set[str] = set()
    for line in lines:
        if line.status in NOT_SOLD:
            skipped.add(line.order_id)
            continue
        product_id = line.product_id or product_of_sku.get(line.sku)
        if product_id is None:
            unmatched.add(line.sku)
            continue
        key = (product_id, line.ordered_at.astimezone(tz).date())
        units[key] = units.get(key, 0) + line.quantity
        revenue[key] = revenue.get(key, Decimal(0)) + line.revenue
        part = parts.get((line.order_id, *key))
        parts[(line.order_id, *key)] = OrderSale(
            order_id=line.order_id, product_id=key[0], day=key[1],
            units=line.quantity + (part.units if part else 0),
            revenue=line.revenue + (part.revenue if part else Decimal(0)),
        )
    days = tuple(
        DailySales(product_id=pid, day=day, units=units[(pid, day)], revenue=revenue[(pid, day)])
        for pid, day in sorted(units)
    )
    return SalesSummary(days=days, unmatched_skus=tuple(sorted(unmatched)), skipped_orders=len(skipped),
                        orders=tuple(parts[k] for k in sorted(parts)))


def order_delta(
    before: Iterable[OrderSale], after: Iterable[OrderSale]
) -> dict[tuple[str, date], tuple[int, Decimal]]:
    """(product, day) -> (units, revenue) to add to the daily sales when an order's parts change
    from ``before`` to ``after`` (negative where it now counts less; pairs that do not move are left out)."""
    delta: dict[tuple[str, date], tuple[int, Decimal]] = {}
    for sign, parts in ((-1, before), (1, after)):
        for part in parts:
            key = (part.product_id, part.day)
            units, revenue = delta.get(key, (0, Decimal(0)))
            delta[key] = (units + sign * part.units, revenue + sign * part.revenue)
    return {k: v for k, v in delta.items() if v != (0, Decimal(0))}


__all__ = ["NOT_SOLD", "DailySales", "OrderSale", "SalesSummary", "SoldLine", "daily_sales", "order_delta"]
