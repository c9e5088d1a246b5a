"""The fake Merchant API under ``/admin/v2``: auth, rate limits, faults, products and prices, store webhooks."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import math
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.fake_salla.catalog import FakeProduct
from adapters.fake_salla.stores import FakeStore
from adapters.fake_salla.subscriptions import KNOWN_EVENTS, url_problem

if TYPE_CHECKING:
    from adapters.fake_salla.fake import FakeSalla

Handler = Callable[[Request, FakeStore], Awaitable[Response]]

MAX_PER_PAGE = 60
DEFAULT_PER_PAGE = 15
QUEUED_MESSAGE = "The details has been queued to update, it may take several minutes to finish the process."


def envelope_error(status: int, code: object, message: str, fields: dict[str, list[str]] | None = None) -> JSONResponse:
    """Salla's error envelope ``{"status", "success": false, "error": {"code", "message"[, "fields"]}}``."""
    error: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    return JSONResponse({"status": status, "success": False, "error": error}, status_code=status)


def not_found() -> JSONResponse:
    """Salla's 404, whose ``code`` is an integer (unlike the string codes elsewhere)."""
    return envelope_error(404, 404, "The content you are trying to access is no longer available")


def ok(data: object, status: int = 200, **extra: object) -> JSONResponse:
    """Salla's success envelope."""
    return JSONResponse({"status": status, "success": True, "data": data, **extra}, status_code=status)


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


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        return None


def _scope_allows(scope: str, needed: str) -> bool:
    granted = set(scope.split())
    resource, _, level = needed.partition(".")
    if level == "read":
        return f"{resource}.read" in granted or f"{resource}.read_write" in granted
    return needed in granted


def routes(fake: FakeSalla) -> list[Route]:
    """The Merchant API routes bound to ``fake``."""

    def guarded(name: str, scope_needed: str | None, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            fake.apply_due()
            header = request.headers.get("authorization", "")
            scheme, _, token = header.partition(" ")
            with fake.lock:
                chain = fake.tokens.check_access(token.strip(), fake.now()) if scheme.lower() == "bearer" else None
                if chain is None:
                    fake.unauthenticated_requests += 1
                    return envelope_error(401, "Unauthorized", "The access token is invalid")
                store = fake.store(chain.merchant_id)
                decision = fake.hit_bucket(store.merchant_id)
            headers = {
                "X-RateLimit-Limit": str(decision.limit),
                "X-RateLimit-Remaining": str(decision.remaining),
                "X-RateLimit-Reset": str(decision.reset_at),
            }
            if not decision.allowed:
                fake.record(store.merchant_id, name, rate_limited=True)
                response: Response = envelope_error(429, "too_many_requests", "Too Many Attempts.")
                response.headers.update({**headers, "Retry-After": str(decision.retry_after)})
                return response
            fault = fake.next_fault(store.merchant_id)
            fake.record(store.merchant_id, name, rate_limited=fault is not None and fault.kind == "rate_limit",
                        fault=fault is not None)
            latency = fake.latency(store.merchant_id)
            if latency:
                await asyncio.sleep(latency)
            if fault is not None:
                if fault.kind == "timeout":
                    await asyncio.sleep(fault.seconds)
                    raise httpx.ReadTimeout("fake Salla: injected timeout")
                if fault.kind == "error":
                    response = envelope_error(fault.status, "server_error", "Server Error")
                elif fault.kind == "rate_limit":
                    response = envelope_error(429, "too_many_requests", "Too Many Attempts.")
                    headers["Retry-After"] = str(max(0, math.ceil(fault.seconds)))
                    headers["X-RateLimit-Remaining"] = "0"
                else:
                    response = Response(b'{"status":200,"success":true,"data":[{"id":12', media_type="application/json")
                response.headers.update(headers)
                return response
            if scope_needed is not None and not _scope_allows(chain.scope, scope_needed):
                response = envelope_error(
                    401, "Unauthorized", f"The access token should have access to one of those scopes: {scope_needed}"
                )
            else:
                response = await handler(request, store)
            response.headers.update(headers)
            return response

        return endpoint

    def base_url(request: Request) -> str:
        # root_path, not base_url: mounted under a prefix (the web app's sandbox), links keep it.
        prefix = str(request.scope.get("root_path", "")).rstrip("/")
        return f"{request.url.scheme}://{request.url.netloc}{prefix}/admin/v2"

    async def store_info(request: Request, store: FakeStore) -> Response:
        return ok({
            "id": store.merchant_id,
            "username": store.username,
            "name": store.name,
            "entity": "company",
            "email": store.email,
            "mobile": "+966500000000",
            "phone": None,
            "avatar": "https://i.salla.sa/avatar.png",
            "store_location": "24.7136,46.6753",
            "plan": store.plan,
            "status": "active",
            "verified": True,
            "currency": store.currency,
            "domain": f"https://salla.sa/{store.username}",
            "about": None,
            "created_at": "2021-03-27 21:51:56",
            "licenses": {"tax_number": "300000000000003", "commercial_number": "1010000000",
                         "freelance_number": None},
        })

    def _product_json(request: Request, product: FakeProduct) -> dict[str, Any]:
        return product.to_json(admin_base=base_url(request), today=fake.today())

    def _invalid(field: str, message: str) -> JSONResponse:
        return envelope_error(422, "validation_failed", "alert.invalid_fields", {field: [message]})

    async def list_products(request: Request, store: FakeStore) -> Response:
        """Pages as documented: full format with ``pagination`` (its ``links.next`` is
        ``products?page=N``, without ``per_page``), light format with ``cursor{current, next}``."""
        params = request.query_params
        light = params.get("format") == "light"
        try:
            page = max(1, int(params.get("page", "1")))
            per_page = min(MAX_PER_PAGE, max(1, int(params.get("per_page", str(DEFAULT_PER_PAGE)))))
        except ValueError:
            return _invalid("page", "يجب أن يكون رقمًا صحيحًا.")
        if light and params.get("cursor"):
            decoded = decode_cursor(params["cursor"])
            if decoded is None:
                return _invalid("cursor", "قيمة cursor غير صالحة.")
            page, per_page = decoded
        keyword = params.get("keyword", "").strip().lower()
        status = params.get("status")
        today = fake.today()
        with fake.lock:
            products = [
                p for p in store.products.values()
                if (not status or p.status == status)
                and (not keyword or keyword in p.name.lower() or keyword in p.sku.lower())
            ]
            total = len(products)
            total_pages = max(1, math.ceil(total / per_page))
            chunk = products[(page - 1) * per_page : page * per_page]
            items = [p.to_light_json(today) if light else _product_json(request, p) for p in chunk]
        url = f"{base_url(request)}/products"
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

    async def get_product(request: Request, store: FakeStore) -> Response:
        with fake.lock:
            product = store.products.get(int(request.path_params["product_id"]))
            if product is None:
                return not_found()
            return ok(_product_json(request, product))

    def _apply_fields(product: FakeProduct, body: dict[str, Any]) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for key in ("price", "sale_price", "cost_price"):
            if key in body and _amount(body[key]) is None:
                errors[key] = [f"حقل {key} يجب أن يكون رقمًا."]
        if errors:
            return errors
        if "price" in body:
            product.set_price(_amount(body["price"]) or Decimal(0), updated_at=fake.now().strftime("%Y-%m-%d %H:%M:%S"))
        if "cost_price" in body:
            product.cost_price = _amount(body["cost_price"])
        if "sale_price" in body:
            product.sale_price = _amount(body["sale_price"]) or None
        if "status" in body and body["status"] in ("sale", "out", "hidden"):
            product.status = str(body["status"])
        return errors

    async def update_product(request: Request, store: FakeStore) -> Response:
        body = await _json_body(request)
        if not isinstance(body, dict):
            return envelope_error(422, "error", "alert.invalid_fields", {"body": ["صيغة الطلب غير صحيحة."]})
        with fake.lock:
            product = store.products.get(int(request.path_params["product_id"]))
            if product is None:
                return not_found()
            errors = _apply_fields(product, body)
            if errors:
                return envelope_error(422, "error", "alert.invalid_fields", errors)
            return ok(_product_json(request, product), status=201)

    async def price_by_sku(request: Request, store: FakeStore) -> Response:
        body = await _json_body(request)
        sku = request.path_params["sku"]
        if not isinstance(body, dict) or _amount(body.get("price")) is None:
            return envelope_error(422, "error", "alert.invalid_fields", {"price": ["حقل price مطلوب."]})
        with fake.lock:
            product = next((p for p in store.products.values() if p.sku and p.sku == sku), None)
            if product is None:
                return not_found()
            _apply_fields(product, {"price": body["price"]})
            return ok(_product_json(request, product), status=201)

    async def bulk_price(request: Request, store: FakeStore) -> Response:
        body = await _json_body(request)
        items = body.get("products") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            return envelope_error(422, "error", "alert.invalid_fields", {"products": ["حقل products مطلوب."]})
        errors: dict[str, list[str]] = {}
        queued: list[tuple[int, Decimal, Decimal | None]] = []
        with fake.lock:
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
        fake.queue_prices(store.merchant_id, queued)
        return ok({"message": QUEUED_MESSAGE, "code": 201}, status=201)

    async def update_variant(request: Request, store: FakeStore) -> Response:
        body = await _json_body(request)
        if not isinstance(body, dict) or not body:
            return envelope_error(422, "validation_failed", "null", {"price": ["يجب إدخال حقل واحد على الأقل."]})
        with fake.lock:
            found = fake.find_variant(int(request.path_params["variant_id"]))
            if found is None or found[0] is not store:
                return not_found()
            _, product, variant = found
            if "price" in body:
                price = _amount(body["price"])
                if price is None:
                    return envelope_error(422, "validation_failed", "null", {"price": ["حقل price يجب أن يكون رقمًا."]})
                variant.price = price
                variant.own_price = True
            if "cost_price" in body:
                variant.cost_price = _amount(body["cost_price"])
            return ok(variant.to_json(product, fake.today()), status=201)

    async def list_webhooks(request: Request, store: FakeStore) -> Response:
        try:
            page = max(1, int(request.query_params.get("page", "1")))
        except ValueError:
            page = 1
        per_page = 65  # the documented page size of this listing
        with fake.lock:
            hooks = [h.to_json() for h in fake.store_webhooks.of_store(store.merchant_id)]
        total_pages = max(1, math.ceil(len(hooks) / per_page))
        chunk = hooks[(page - 1) * per_page : page * per_page]
        url = f"{base_url(request)}/webhooks"
        links = {k: v for k, v in (("previous", f"{url}?page={page - 1}" if page > 1 else None),
                                   ("next", f"{url}?page={page + 1}" if page < total_pages else None)) if v}
        pagination: dict[str, object] = {
            "count": len(chunk), "total": len(hooks), "perPage": per_page, "currentPage": page,
            "totalPages": total_pages, "links": links or [],
        }
        return ok(chunk, pagination=pagination)

    async def subscribe_webhook(request: Request, store: FakeStore) -> Response:
        body = await _json_body(request)
        if not isinstance(body, dict):
            return envelope_error(422, "error", "alert.invalid_fields", {"event": ["حقل event مطلوب."]})
        errors: dict[str, list[str]] = {}
        event = body.get("event")
        if not isinstance(event, str) or event not in KNOWN_EVENTS:
            errors["event"] = ["حقل event غير صالحٍ"]
        problem = url_problem(body.get("url"), strict=fake.strict_webhook_urls)
        if problem is not None:
            errors["url"] = [problem]
        version = body.get("version", 2)
        if version not in (1, 2, "1", "2") or isinstance(version, bool):
            errors["version"] = ["قيمة version غير صالحة."]
        headers = body.get("headers")
        if headers is not None and not (
            isinstance(headers, list) and all(isinstance(h, dict) and isinstance(h.get("key"), str) for h in headers)
        ):
            errors["headers"] = ["قيمة headers غير صالحة."]
        if errors:
            return envelope_error(422, "error", "alert.invalid_fields", errors)
        rule = body.get("rule")
        with fake.lock:
            hook = fake.store_webhooks.subscribe(
                store.merchant_id, event=str(event), url=str(body["url"]), name=str(body.get("name") or ""),
                version=int(version), rule=str(rule) if rule else None,
                headers={str(h["key"]): str(h.get("value", "")) for h in headers} if headers else None,
            )
            return ok(hook.to_json())

    async def unsubscribe_webhook(request: Request, store: FakeStore) -> Response:
        params = request.query_params
        raw_id, url = params.get("id"), params.get("url")
        if not raw_id and not url:
            return envelope_error(422, "error", "alert.invalid_fields", {"id": ["حقل id مطلوب."]})
        try:
            webhook_id = int(raw_id) if raw_id else None
        except ValueError:
            return envelope_error(422, "error", "alert.invalid_fields", {"id": ["يجب أن يكون حقل id عددًا صحيحًا"]})
        with fake.lock:
            removed = fake.store_webhooks.unsubscribe(store.merchant_id, webhook_id=webhook_id, url=url or None)
        if not removed:
            return not_found()
        return ok({"message": "The Object has been removed successfully", "code": 202}, status=202)

    async def unknown(request: Request) -> Response:
        return not_found()

    return [
        Route("/admin/v2/store/info", guarded("GET /store/info", None, store_info), methods=["GET"]),
        Route("/admin/v2/products", guarded("GET /products", "products.read", list_products), methods=["GET"]),
        Route(
            "/admin/v2/products/prices/bulkPrice",
            guarded("POST /products/prices/bulkPrice", "products.read_write", bulk_price),
            methods=["POST"],
        ),
        Route(
            "/admin/v2/products/sku/{sku}/price",
            guarded("POST /products/sku/{sku}/price", "products.read_write", price_by_sku),
            methods=["POST"],
        ),
        Route(
            "/admin/v2/products/variants/{variant_id:int}",
            guarded("PUT /products/variants/{id}", "products.read_write", update_variant),
            methods=["PUT"],
        ),
        Route(
            "/admin/v2/products/{product_id:int}",
            guarded("GET /products/{id}", "products.read", get_product),
            methods=["GET"],
        ),
        Route(
            "/admin/v2/products/{product_id:int}",
            guarded("PUT /products/{id}", "products.read_write", update_product),
            methods=["PUT"],
        ),
        Route("/admin/v2/webhooks", guarded("GET /webhooks", "webhooks.read", list_webhooks), methods=["GET"]),
        Route(
            "/admin/v2/webhooks/subscribe",
            guarded("POST /webhooks/subscribe", "webhooks.read_write", subscribe_webhook),
            methods=["POST"],
        ),
        Route(
            "/admin/v2/webhooks/unsubscribe",
            guarded("DELETE /webhooks/unsubscribe", "webhooks.read_write", unsubscribe_webhook),
            methods=["DELETE"],
        ),
        Route("/admin/v2/{rest:path}", unknown, methods=["GET", "POST", "PUT", "DELETE"]),
    ]
