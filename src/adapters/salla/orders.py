"""``SallaOrdersClient``: the ``SallaOrders`` port over Salla's documented Orders API.

Salla's List Orders (``GET /orders``) gives each order's id, date, status and only the names and
quantities of its items; the SKU and amounts of each item come from List Order Items
(``GET /orders/items?order_id=...``). So reading N orders costs about N/15 list pages (15 a page:
a page size is not documented for orders) plus N item requests, paced like the catalog (the same
``MerchantHttp``: rate-limit headers, retries). Orders are read from a date on
(``from_date``, oldest first), which makes syncing incremental. Customer data (``customer``,
``receiver``, addresses) is never read into anything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from adapters.salla.http import HttpClient, MerchantHttp
from adapters.salla.pacing import RateLimitPacer, Sleep
from pricing_core.errors import BadResponse
from pricing_core.ports import Clock
from pricing_core.sales import NOT_SOLD, SoldLine

log = logging.getLogger(__name__)
RIYADH = ZoneInfo("Asia/Riyadh")
MAX_PAGES = 100_000  # a guard against a pagination that never ends


def _amount(value: object, where: str) -> Decimal:
    """The ``amount`` of a Salla money object (or a bare number)."""
    raw = value.get("amount") if isinstance(value, Mapping) else value
    if isinstance(raw, bool) or raw is None:
        raise BadResponse(f"{where}: no amount")
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        raise BadResponse(f"{where}: not an amount: {raw!r}") from None
    if not amount.is_finite():
        raise BadResponse(f"{where}: not an amount: {raw!r}")
    return amount


def parse_order_date(value: object) -> datetime:
    """Salla's ``{"date": "2022-06-16 14:48:20.000000", "timezone": "Asia/Riyadh"}`` as an aware datetime."""
    if not isinstance(value, Mapping) or not isinstance(value.get("date"), str):
        raise BadResponse(f"order date: expected a date object, got {value!r:.80}")
    try:
        zone = ZoneInfo(str(value.get("timezone") or "Asia/Riyadh"))
        return datetime.strptime(value["date"][:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)
    except (ValueError, KeyError) as exc:
        raise BadResponse(f"order date: {exc}") from None


def parse_order_items(order_id: str, ordered_at: datetime, status: str, items: object) -> list[SoldLine]:
    """List Order Items' ``data`` as sold lines: revenue is the line's ``total`` plus its tax."""
    if not isinstance(items, list):
        raise BadResponse(f"GET /orders/items?order_id={order_id}: no data list")
    lines = []
    for item in items:
        if not isinstance(item, Mapping):
            raise BadResponse(f"order {order_id}: an item is not an object")
        where = f"order {order_id} item {item.get('id')}"
        amounts = item.get("amounts")
        if not isinstance(amounts, Mapping):
            raise BadResponse(f"{where}: no amounts")
        tax = amounts.get("tax")
        tax_amount = _amount(tax.get("amount"), f"{where} tax") if isinstance(tax, Mapping) else Decimal(0)
        try:
            quantity = int(str(item.get("quantity")))
        except ValueError:
            raise BadResponse(f"{where}: quantity {item.get('quantity')!r} is not a number") from None
        product = item.get("product")  # present in the deprecated expanded details only
        product_id = str(product["id"]) if isinstance(product, Mapping) and product.get("id") else None
        lines.append(
            SoldLine(
                order_id=order_id,
                ordered_at=ordered_at,
                sku=str(item.get("sku") or ""),
                quantity=quantity,
                revenue=_amount(amounts.get("total"), f"{where} total") + tax_amount,
                product_id=product_id,
                status=status,
            )
        )
    return lines


class SallaOrdersClient:
    """Reads orders for one or many stores (the token picks the store)."""

    def __init__(
        self,
        http: HttpClient,
        *,
        api_url: str,
        sleep: Sleep = time.sleep,
        pacer: RateLimitPacer | None = None,
        max_attempts: int = 5,
        merchant_http: MerchantHttp | None = None,
        clock: Clock | None = None,
    ) -> None:
        # Share the catalog client's MerchantHttp when given: one pacer per store token for both.
        # ``clock`` is what the pacer reads Salla's reset times against (a test's fake clock).
        now = (lambda: clock.now().timestamp()) if clock is not None else time.time
        self._http = merchant_http or MerchantHttp(http, api_url, pacer=pacer, sleep=sleep, now=now,
                                                   max_attempts=max_attempts)

    @property
    def requests(self) -> int:
        """HTTP requests this client sent so far (retries included)."""
        return self._http.requests

    def _pages(self, access_token: str, since: date) -> Iterator[list[Any]]:
        params: dict[str, str | int] = {"from_date": since.isoformat(), "sort_by": "created_at-asc", "page": 1}
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            seen.add(str(params["page"]))
            body = self._http.request("GET", "/orders", access_token, params=params).body
            if not isinstance(body, Mapping) or not isinstance(body.get("data"), list):
                raise BadResponse(f"GET /orders page {params['page']}: no data list in the answer")
            yield body["data"]
            pagination = body.get("pagination")
            if not isinstance(pagination, Mapping) or not body["data"]:
                return
            links = pagination.get("links")
            link = links.get("next") if isinstance(links, Mapping) else None
            current = int(str(pagination.get("currentPage") or params["page"]))
            if isinstance(link, str) and link:
                query = dict(parse_qsl(urlsplit(link).query))
                next_page = query.get("page", str(current + 1))
            elif current < int(str(pagination.get("totalPages") or current)):
                next_page = str(current + 1)
            else:
                return
            if next_page in seen:
                raise BadResponse(f"GET /orders page {current}: the next page link points back to a page already read")
            params = {**params, "page": next_page}
        raise BadResponse(f"GET /orders: more than {MAX_PAGES} pages")

    def iter_sold_lines(self, access_token: str, *, since: date) -> Iterator[SoldLine]:
        """Every line of every order from ``since`` on, oldest order first; orders that did not
        sell (canceled, refunded) are skipped without an item request."""
        for orders in self._pages(access_token, since):
            for order in orders:
                if not isinstance(order, Mapping) or order.get("id") is None:
                    raise BadResponse("GET /orders: an order without an id")
                order_id = str(order["id"])
                ordered_at = parse_order_date(order.get("date"))
                status_obj = order.get("status")
                status = str(status_obj.get("slug") or "") if isinstance(status_obj, Mapping) else ""
                if status in NOT_SOLD:
                    continue
                answer = self._http.request(
                    "GET", "/orders/items", access_token, params={"order_id": order_id}, accept=(404,)
                )
                if answer.status == 404:
                    log.info("order %s vanished between the list and its items; skipped", order_id)
                    continue
                body = answer.body
                data = body.get("data") if isinstance(body, Mapping) else None
                yield from parse_order_items(order_id, ordered_at, status, data)


__all__ = ["SallaOrdersClient", "parse_order_date", "parse_order_items"]
