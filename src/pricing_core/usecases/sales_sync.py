"""Read a store's new orders from Salla into its daily sales history (``SyncOrders``).

Incremental: each store keeps the first local day its next sync reads again (the cursor). A sync
reads every order from that day on, rebuilds those days' sales and moves the cursor to today,
because today's orders are still arriving; earlier days are final. The first sync of a store
reads ``first_days`` back. Order lines name products by SKU, so SKUs are mapped to product ids
through the stored catalog (variants to their product); lines whose SKU is unknown are counted
and left out. Each order's part of those days is stored with them, so an order an order webhook
already counted (``usecases/order_events.py``) is replaced, not added. Nothing about customers is
read into the core.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Protocol

import attrs

from pricing_core.activity import ActivityType
from pricing_core.catalog import Product
from pricing_core.commands import SyncOrders
from pricing_core.errors import StoreNotFound
from pricing_core.event_time import SALLA_TZ
from pricing_core.ports import SallaOrders, TaskQueue, UnitOfWorkFactory, scope_of
from pricing_core.sales import daily_sales
from pricing_core.usecases.context import TokenPorts
from pricing_core.usecases.fan_out import per_active_store
from pricing_core.usecases.refresh_tokens import DEFAULT_THRESHOLD_HOURS, ensure_fresh_tokens

# Salla's time zone (Asia/Riyadh: UTC+3 all year, no daylight saving): the day an order counts for.
FIRST_SYNC_DAYS = 28
_CATALOG_PAGE = 1000


class SalesPorts(TokenPorts, Protocol):
    """The token ports plus Salla's Orders API (None: this process has no client for it)."""

    @property
    def salla_orders(self) -> SallaOrders | None: ...


@attrs.frozen(kw_only=True)
class SalesSyncResult:
    """What one sync did: the days it rebuilt, what it read, and what it could not place."""

    store_id: str
    since: date
    resume_from: date
    lines: int
    days: int
    unmatched_skus: tuple[str, ...] = ()


def sku_map(products: Iterable[Product]) -> dict[str, str]:
    """SKU -> product id; a variant's SKU maps to its product (sales are kept per product)."""
    return {p.sku: (p.variant_of or p.id) for p in products if p.sku}


def sync_sales(
    ports: SalesPorts,
    store_id: str,
    *,
    first_days: int = FIRST_SYNC_DAYS,
    threshold_hours: float = DEFAULT_THRESHOLD_HOURS,
) -> SalesSyncResult:
    """Read the store's orders since its cursor into daily sales; raises ``StoreNotFound``,
    ``TokenRevoked`` and Salla's errors (nothing is written then, and the cursor stays)."""
    store_id = str(store_id)
    if ports.salla_orders is None:
        raise RuntimeError("this process has no Salla orders client")
    with ports.uow_factory(store_id) as uow:
        if uow.stores.get(store_id) is None:
            raise StoreNotFound(f"store {store_id} does not exist")
        resume = scope_of(uow).sales.resume_from()
        products: list[Product] = []
        offset = 0
        while page := scope_of(uow).products.list(limit=_CATALOG_PAGE, offset=offset):
            products += page
            offset += len(page)
    today = ports.clock.now().astimezone(SALLA_TZ).date()
    since = resume if resume is not None else today - timedelta(days=first_days)
    tokens = ensure_fresh_tokens(ports, store_id, threshold_hours=threshold_hours)
    lines = list(ports.salla_orders.iter_sold_lines(tokens.access_token, since=since))
    summary = daily_sales(lines, sku_map(products), SALLA_TZ)
    with ports.uow_factory(store_id) as uow:
        scope = scope_of(uow)
        scope.sales.replace_from(since, summary.days, summary.orders)
        scope.sales.set_resume_from(today)
        scope.activity.log(
            ActivityType.SALES_SYNCED,
            f"Sales read from {since.isoformat()}: {len(lines)} order lines, {len(summary.days)} product-days",
            at=ports.clock.now(),
            metadata={"since": since.isoformat(), "lines": len(lines), "unmatched_skus": len(summary.unmatched_skus)},
        )
        uow.commit()
    return SalesSyncResult(store_id=store_id, since=since, resume_from=today, lines=len(lines),
                           days=len(summary.days), unmatched_skus=summary.unmatched_skus)


def sync_all_orders(uow_factory: UnitOfWorkFactory, queue: TaskQueue) -> list[str]:
    """One ``SyncOrders`` per active store; returns their ids."""
    return per_active_store(uow_factory, queue, lambda store_id: SyncOrders(store_id=store_id))


__all__ = ["FIRST_SYNC_DAYS", "SALLA_TZ", "SalesPorts", "SalesSyncResult", "sku_map", "sync_all_orders", "sync_sales"]
