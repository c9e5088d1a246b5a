"""``/_fake/...``: the fake's inspection and fault-injection API over HTTP.

Mirrors ``FakeSalla``'s Python methods for tests and benchmarks that reach the fake only over
the network (a separately started ``salla-optimizer fake-salla``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import attrs
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.fake_salla.faults import FAULT_KINDS

if TYPE_CHECKING:
    from adapters.fake_salla.fake import FakeSalla


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def routes(fake: FakeSalla) -> list[Route]:
    """The control routes bound to ``fake``."""

    def merchant(request: Request) -> int | None:
        raw = request.path_params["merchant_id"]
        return int(raw) if fake.has_store(raw) else None

    def unknown_store() -> JSONResponse:
        return JSONResponse({"error": "unknown merchant id"}, status_code=404)

    async def list_stores(request: Request) -> Response:
        return JSONResponse([attrs.asdict(s) for s in fake.sandbox_stores()])

    async def stats(request: Request) -> Response:
        body = {str(s.merchant_id): fake.stats(s.merchant_id).as_dict() for s in fake.sandbox_stores()}
        return JSONResponse({
            "stores": body,
            "unauthenticated_requests": fake.unauthenticated_requests,
            "oauth_requests": fake.oauth_requests,
        })

    async def reset_stats(request: Request) -> Response:
        fake.reset_stats()
        return JSONResponse({"ok": True})

    async def prices(request: Request) -> Response:
        mid = merchant(request)
        if mid is None:
            return unknown_store()
        return JSONResponse({pid: str(price) for pid, price in fake.prices(mid).items()})

    async def tokens(request: Request) -> Response:
        mid = merchant(request)
        if mid is None:
            return unknown_store()
        body = await _body(request)
        scope = body.get("scope")
        return JSONResponse(fake.issue_tokens(mid, **({"scope": str(scope)} if scope else {})))

    async def install(request: Request) -> Response:
        mid = merchant(request)
        if mid is None:
            return unknown_store()
        body = await _body(request)
        order = body.get("order", "random")
        if order not in ("random", "installed_first", "authorize_first"):
            return JSONResponse({"error": "order must be random, installed_first or authorize_first"}, status_code=400)
        try:
            return JSONResponse(fake.deliver_install(mid, order=order))
        except RuntimeError as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)

    async def uninstall(request: Request) -> Response:
        mid = merchant(request)
        if mid is None:
            return unknown_store()
        fake.uninstall_store(mid)
        return JSONResponse({"ok": True})

    async def webhooks(request: Request) -> Response:
        mid = merchant(request)
        if mid is None:
            return unknown_store()
        with fake.lock:
            return JSONResponse([h.to_json() for h in fake.store_webhooks.of_store(mid)])

    async def faults(request: Request) -> Response:
        mid = merchant(request)
        if mid is None:
            return unknown_store()
        body = await _body(request)
        kind = body.get("kind")
        if kind not in FAULT_KINDS:
            return JSONResponse({"error": f"kind must be one of {list(FAULT_KINDS)}"}, status_code=400)
        fake.inject_fault(
            mid,
            kind,
            count=int(body.get("count", 1)),
            status=int(body.get("status", 503)),
            seconds=float(body.get("seconds", 1.0)),
        )
        return JSONResponse({"ok": True})

    async def latency(request: Request) -> Response:
        mid = merchant(request)
        if mid is None:
            return unknown_store()
        body = await _body(request)
        fake.set_latency(mid, float(body.get("seconds", 0)))
        return JSONResponse({"ok": True})

    async def bucket(request: Request) -> Response:
        mid = merchant(request)
        if mid is None:
            return unknown_store()
        if request.method == "POST":
            body = await _body(request)
            level = body.get("level")
            if level is not None and (isinstance(level, bool) or not isinstance(level, int) or level < 0):
                return JSONResponse({"error": "level must be a whole number of requests >= 0"}, status_code=400)
            fake.fill_bucket(mid, level)
        return JSONResponse({"level": fake.bucket_level(mid)})

    async def time_scale(request: Request) -> Response:
        body = await _body(request)
        try:
            fake.set_time_scale(float(body.get("scale", 1.0)))
        except (RuntimeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"ok": True, "now": fake.now().isoformat()})

    async def flush(request: Request) -> Response:
        return JSONResponse({"applied": fake.flush_queued()})

    return [
        Route("/_fake/stores", list_stores, methods=["GET"]),
        Route("/_fake/stats", stats, methods=["GET"]),
        Route("/_fake/stats/reset", reset_stats, methods=["POST"]),
        Route("/_fake/queue/flush", flush, methods=["POST"]),
        Route("/_fake/time-scale", time_scale, methods=["POST"]),
        Route("/_fake/stores/{merchant_id}/prices", prices, methods=["GET"]),
        Route("/_fake/stores/{merchant_id}/tokens", tokens, methods=["POST"]),
        Route("/_fake/stores/{merchant_id}/install", install, methods=["POST"]),
        Route("/_fake/stores/{merchant_id}/uninstall", uninstall, methods=["POST"]),
        Route("/_fake/stores/{merchant_id}/webhooks", webhooks, methods=["GET"]),
        Route("/_fake/stores/{merchant_id}/faults", faults, methods=["POST"]),
        Route("/_fake/stores/{merchant_id}/latency", latency, methods=["POST"]),
        Route("/_fake/stores/{merchant_id}/bucket", bucket, methods=["GET", "POST"]),
    ]
