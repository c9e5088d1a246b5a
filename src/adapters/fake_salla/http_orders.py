"""The fake Merchant API's orders: List Orders and List Order Items, from the market simulator.

The orders are ``market.py``'s simulated ones; their JSON is ``orders.py``'s, shaped as Salla
documents it.
"""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from adapters.fake_salla import orders as orders_json
from adapters.fake_salla.http_envelope import api_base_url, envelope_error, invalid, ok
from adapters.fake_salla.orders import riyadh_day
from adapters.fake_salla.stores import FakeStore

if TYPE_CHECKING:
    from adapters.fake_salla.fake import FakeSalla

ORDERS_PER_PAGE = 15  # Salla's default page size; ``per_page`` is not documented for orders


class OrdersApi:
    """The orders handlers, bound to one fake (``http_admin.py`` routes and guards them)."""

    def __init__(self, fake: FakeSalla) -> None:
        self.fake = fake

    async def list_orders(self, request: Request, store: FakeStore) -> Response:
        """``GET /orders``: newest first by default, 15 a page (``per_page`` is not documented for orders);
        ``from_date``/``to_date`` (Riyadh dates, inclusive) and ``sort_by`` as documented."""
        params = request.query_params
        try:
            page = max(1, int(params.get("page", "1")))
            start = date.fromisoformat(params["from_date"]) if params.get("from_date") else None
            end = date.fromisoformat(params["to_date"]) if params.get("to_date") else None
        except ValueError as exc:
            return invalid("from_date" if "date" in str(exc) else "page", "قيمة غير صالحة.")
        sort_key, _, direction = params.get("sort_by", "id-desc").partition("-")
        if sort_key not in ("id", "total", "updated_at", "created_at") or direction not in ("asc", "desc"):
            return invalid("sort_by", "قيمة sort_by غير صالحة.")
        every = self.fake.orders(store.merchant_id)
        chosen = [
            o for o in every
            if (start is None or riyadh_day(o) >= start) and (end is None or riyadh_day(o) <= end)
        ]
        if sort_key == "total":
            chosen.sort(key=lambda o: (o.total, o.id))
        elif sort_key == "id":
            chosen.sort(key=lambda o: o.id)
        if direction == "desc":
            chosen.reverse()
        per_page = ORDERS_PER_PAGE
        total_pages = max(1, math.ceil(len(chosen) / per_page))
        chunk = chosen[(page - 1) * per_page : page * per_page]
        url = f"{api_base_url(request)}/orders"
        kept = "".join(f"&{k}={params[k]}" for k in ("from_date", "to_date", "sort_by") if params.get(k))
        links: dict[str, str] = {}
        if page > 1:
            links["previous"] = f"{url}?page={page - 1}{kept}"
        if page < total_pages:
            links["next"] = f"{url}?page={page + 1}{kept}"
        pagination = {"count": len(chunk), "total": len(chosen), "perPage": per_page, "currentPage": page,
                      "totalPages": total_pages, "links": links}
        return ok([orders_json.list_json(o) for o in chunk], pagination=pagination)

    async def order_items(self, request: Request, store: FakeStore) -> Response:
        """``GET /orders/items?order_id=...``: one order's items with their SKUs and amounts."""
        try:
            order_id = int(request.query_params.get("order_id", ""))
        except ValueError:
            return invalid("order_id", "حقل order id مطلوب.")
        found = next((o for o in self.fake.orders(store.merchant_id) if o.id == order_id), None)
        if found is None:
            # The documented 404 of this page: a string code, unlike the products' 404.
            return envelope_error(404, "error", "المحتوى الذي تحاول الوصول اليه غير متوفر")
        with self.fake.lock:
            taxed = {pid: p.with_tax for pid, p in store.products.items()}
        return ok(orders_json.items_json(found, taxed))


__all__ = ["ORDERS_PER_PAGE", "OrdersApi"]
