"""The fake Merchant API under ``/admin/v2``: the route table, and the gate every request passes.

The gate (``guarded``) checks the access token, spends the store's rate limit, applies injected
faults and latency (``traffic.py``) and the route's scope, then calls the handler with the store.
The handlers live by subject: ``http_products.py`` (products and prices), ``http_orders.py``
(orders) and ``http_webhooks.py`` (the Webhooks API); ``store_info`` is here.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.fake_salla.http_envelope import Handler, envelope_error, not_found, ok
from adapters.fake_salla.http_orders import OrdersApi
from adapters.fake_salla.http_products import ProductsApi
from adapters.fake_salla.http_webhooks import WebhooksApi
from adapters.fake_salla.stores import FakeStore

if TYPE_CHECKING:
    from adapters.fake_salla.fake import FakeSalla


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
            fault = fake.next_fault(store.merchant_id, name)
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

    async def store_info(request: Request, store: FakeStore) -> Response:
        """``GET /store/info``: the store as the documented example shows it."""
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

    async def unknown(request: Request) -> Response:
        return not_found()

    products, orders, webhooks = ProductsApi(fake), OrdersApi(fake), WebhooksApi(fake)
    return [
        Route("/admin/v2/store/info", guarded("GET /store/info", None, store_info), methods=["GET"]),
        Route(
            "/admin/v2/products", guarded("GET /products", "products.read", products.list_products), methods=["GET"]
        ),
        Route(
            "/admin/v2/products/prices/bulkPrice",
            guarded("POST /products/prices/bulkPrice", "products.read_write", products.bulk_price),
            methods=["POST"],
        ),
        Route(
            "/admin/v2/products/sku/{sku}/price",
            guarded("POST /products/sku/{sku}/price", "products.read_write", products.price_by_sku),
            methods=["POST"],
        ),
        Route(
            "/admin/v2/products/variants/{variant_id:int}",
            guarded("PUT /products/variants/{id}", "products.read_write", products.update_variant),
            methods=["PUT"],
        ),
        Route(
            "/admin/v2/products/{product_id:int}",
            guarded("GET /products/{id}", "products.read", products.get_product),
            methods=["GET"],
        ),
        Route(
            "/admin/v2/products/{product_id:int}",
            guarded("PUT /products/{id}", "products.read_write", products.update_product),
            methods=["PUT"],
        ),
        Route("/admin/v2/orders", guarded("GET /orders", "orders.read", orders.list_orders), methods=["GET"]),
        Route(
            "/admin/v2/orders/items", guarded("GET /orders/items", "orders.read", orders.order_items), methods=["GET"]
        ),
        Route(
            "/admin/v2/webhooks", guarded("GET /webhooks", "webhooks.read", webhooks.list_webhooks), methods=["GET"]
        ),
        Route(
            "/admin/v2/webhooks/subscribe",
            guarded("POST /webhooks/subscribe", "webhooks.read_write", webhooks.subscribe_webhook),
            methods=["POST"],
        ),
        Route(
            "/admin/v2/webhooks/unsubscribe",
            guarded("DELETE /webhooks/unsubscribe", "webhooks.read_write", webhooks.unsubscribe_webhook),
            methods=["DELETE"],
        ),
        Route("/admin/v2/{rest:path}", unknown, methods=["GET", "POST", "PUT", "DELETE"]),
    ]
