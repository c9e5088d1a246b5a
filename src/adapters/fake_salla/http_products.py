"""The fake Merchant API's products: list (full and light format), read, update, SKU and bulk prices.

Pages, links, cursors and validation answers follow Salla's documented examples; the JSON of a
product is ``catalog_json.py``'s. Bulk updates are queued as Salla queues them (``prices.py``).
"""

from __future__ import annotations

import base64
import binascii
import math
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from adapters.fake_salla.catalog import FakeProduct
from adapters.fake_salla.catalog_json import light_json, product_json, variant_json
from adapters.fake_salla.http_envelope import api_base_url, envelope_error, invalid, json_body, not_found, ok
from adapters.fake_salla.stores import FakeStore

if TYPE_CHECKING:
    from adapters.fake_salla.fake import FakeSalla

MAX_PER_PAGE = 60
DEFAULT_PER_PAGE = 15
QUEUED_MESSAGE = "The details has been queued to update, it may take several minutes to finish the process."


def encode_cursor(page: int, per_page: int) -> str:
    """An opaque ``cursor`` for the light format's next page (Salla's are opaque too)."""
    return base64.urlsafe_b64encode(f"{page}:{per_page}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[int, int] | None:
    """(page, per_page) from ``encode_cursor``'s output; None for anything else."""
    try:
        page, per_page = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        return max(1, int(page)), min(MAX_PER_PAGE, max(1, int(per_page)))
    except (binascii.Error, UnicodeError, ValueError):
        return None


def _amount(value: object) -> Decimal | None:
    """A non-negative number from JSON (number or numeric string), or None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


class ProductsApi:
    """The products handlers, bound to one fake (``http_admin.py`` routes and guards them)."""

    def __init__(self, fake: FakeSalla) -> None:
        self.fake = fake

    def _product_json(self, request: Request, product: FakeProduct) -> dict[str, Any]:
        return product_json(product, admin_base=api_base_url(request), today=self.fake.today())

    async def list_products(self, request: Request, store: FakeStore) -> Response:
        """``GET /products``, paged as documented: full format with ``pagination`` (its ``links.next`` is
        ``products?page=N``, without ``per_page``), light format with ``cursor{current, next}``."""
        params = request.query_params
        light = params.get("format") == "light"
        try:
            page = max(1, int(params.get("page", "1")))
            per_page = min(MAX_PER_PAGE, max(1, int(params.get("per_page", str(DEFAULT_PER_PAGE)))))
        except ValueError:
            return invalid("page", "يجب أن يكون رقمًا صحيحًا.")
        if light and params.get("cursor"):
            decoded = decode_cursor(params["cursor"])
            if decoded is None:
                return invalid("cursor", "قيمة cursor غير صالحة.")
            page, per_page = decoded
        keyword = params.get("keyword", "").strip().lower()
        status = params.get("status")
        today = self.fake.today()
        with self.fake.lock:
            products = [
                p for p in store.products.values()
                if (not status or p.status == status)
                and (not keyword or keyword in p.name.lower() or keyword in p.sku.lower())
            ]
            total = len(products)
            total_pages = max(1, math.ceil(total / per_page))
            chunk = products[(page - 1) * per_page : page * per_page]
            items = [light_json(p, today) if light else self._product_json(request, p) for p in chunk]
        url = f"{api_base_url(request)}/products"
        if light:
            # The documented next link repeats the filters and carries an opaque cursor.
            filters = "".join(f"&{k}={params[k]}" for k in ("keyword", "status") if params.get(k))
            next_link = (f"{url}?format=light{filters}&cursor={encode_cursor(page + 1, per_page)}&page={page + 1}"
                         if page < total_pages else None)
            return ok(items, filters={}, cursor={"current": page, "next": next_link})
        link_map: dict[str, str] = {}
        if page > 1:
            link_map["previous"] = f"{url}?page={page - 1}"
        if page < total_pages:
            link_map["next"] = f"{url}?page={page + 1}"
        # PHP serializes an empty map as a list; Salla's docs show both {} and [] (fixed per store).
        links: dict[str, str] | list[str] = link_map if link_map or store.merchant_id % 2 else []
        pagination = {
            "count": len(items),
            "total": total,
            "perPage": per_page,
            "currentPage": page,
            "totalPages": total_pages,
            "links": links,
        }
        return ok(items, pagination=pagination)


    async def get_product(self, request: Request, store: FakeStore) -> Response:
        """``GET /products/{id}``."""
        with self.fake.lock:
            product = store.products.get(int(request.path_params["product_id"]))
            if product is None:
                return not_found()
            return ok(self._product_json(request, product))

    def _apply_fields(self, product: FakeProduct, body: dict[str, Any]) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for key in ("price", "sale_price", "cost_price"):
            if key in body and _amount(body[key]) is None:
                errors[key] = [f"حقل {key} يجب أن يكون رقمًا."]
        if errors:
            return errors
        self.fake.catch_up_markets()  # orders until now were placed at the old prices
        if "price" in body:
            stamp = self.fake.now().strftime("%Y-%m-%d %H:%M:%S")
            product.set_price(_amount(body["price"]) or Decimal(0), updated_at=stamp)
        if "cost_price" in body:
            product.cost_price = _amount(body["cost_price"])
        if "sale_price" in body:
            product.sale_price = _amount(body["sale_price"]) or None
        if "status" in body and body["status"] in ("sale", "out", "hidden"):
            product.status = str(body["status"])
        return errors

    async def update_product(self, request: Request, store: FakeStore) -> Response:
        """``PUT /products/{id}``: price, sale price, cost price and status."""
        body = await json_body(request)
        if not isinstance(body, dict):
            return envelope_error(422, "error", "alert.invalid_fields", {"body": ["صيغة الطلب غير صحيحة."]})
        with self.fake.lock:
            product = store.products.get(int(request.path_params["product_id"]))
            if product is None:
                return not_found()
            errors = self._apply_fields(product, body)
            if errors:
                return envelope_error(422, "error", "alert.invalid_fields", errors)
            return ok(self._product_json(request, product), status=201)

    async def price_by_sku(self, request: Request, store: FakeStore) -> Response:
        """``POST /products/sku/{sku}/price``."""
        body = await json_body(request)
        sku = request.path_params["sku"]
        if not isinstance(body, dict) or _amount(body.get("price")) is None:
            return envelope_error(422, "error", "alert.invalid_fields", {"price": ["حقل price مطلوب."]})
        with self.fake.lock:
            product = next((p for p in store.products.values() if p.sku and p.sku == sku), None)
            if product is None:
                return not_found()
            self._apply_fields(product, {"price": body["price"]})
            return ok(self._product_json(request, product), status=201)

    async def bulk_price(self, request: Request, store: FakeStore) -> Response:
        """``POST /products/prices/bulkPrice``: validated whole, then queued (``prices.py``)."""
        body = await json_body(request)
        items = body.get("products") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            return envelope_error(422, "error", "alert.invalid_fields", {"products": ["حقل products مطلوب."]})
        errors: dict[str, list[str]] = {}
        queued: list[tuple[int, Decimal, Decimal | None]] = []
        with self.fake.lock:
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    errors[f"products.{index}"] = ["قيمة غير صالحة."]
                    continue
                try:
                    product_id = int(item.get("id"))  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    product_id = -1
                if product_id not in store.products:
                    errors[f"products.{index}.id"] = [f"قيمة products.{index}.id غير موجودة."]
                price = _amount(item.get("price"))
                if price is None:
                    errors[f"products.{index}.price"] = [f"حقل products.{index}.price مطلوب."]
                cost = _amount(item.get("cost_price")) if "cost_price" in item else None
                if price is not None and product_id in store.products:
                    queued.append((product_id, price, cost))
        if errors:
            # Salla validates the whole request: one bad item and nothing is queued.
            return envelope_error(422, "error", "alert.invalid_fields", errors)
        self.fake.queue_prices(store.merchant_id, queued)
        return ok({"message": QUEUED_MESSAGE, "code": 201}, status=201)

    async def update_variant(self, request: Request, store: FakeStore) -> Response:
        """``PUT /products/variants/{id}``: a SKU's own price or cost."""
        body = await json_body(request)
        if not isinstance(body, dict) or not body:
            return envelope_error(422, "validation_failed", "null", {"price": ["يجب إدخال حقل واحد على الأقل."]})
        with self.fake.lock:
            found = self.fake.find_variant(int(request.path_params["variant_id"]))
            if found is None or found[0] is not store:
                return not_found()
            _, product, variant = found
            self.fake.catch_up_markets()
            if "price" in body:
                price = _amount(body["price"])
                if price is None:
                    return envelope_error(422, "validation_failed", "null", {"price": ["حقل price يجب أن يكون رقمًا."]})
                variant.price = price
                variant.own_price = True
            if "cost_price" in body:
                variant.cost_price = _amount(body["cost_price"])
            return ok(variant_json(variant, product, self.fake.today()), status=201)


__all__ = ["DEFAULT_PER_PAGE", "MAX_PER_PAGE", "QUEUED_MESSAGE", "ProductsApi", "decode_cursor", "encode_cursor"]
