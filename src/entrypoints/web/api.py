"""The admin JSON API (``Authorization: Bearer $ADMIN_API_TOKEN``), health, metrics and the OpenAPI document."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from entrypoints.web.bodies import read_capped
from entrypoints.web.openapi import openapi_document
from entrypoints.web.rule_views import override_from_json, override_view, rule_from_json, rule_view
from entrypoints.web.security import bearer_ok
from entrypoints.web.state import queue_depth, queue_ping, web_state
from entrypoints.web.views import decision_view, store_detail, store_summary
from pricing_core.commands import SweepStoreNow
from pricing_core.decision import DecisionStatus
from pricing_core.errors import DecisionNotFound, InvalidTransition, StoreNotFound
from pricing_core.overrides import InvalidOverride
from pricing_core.ports import scope_of
from pricing_core.rules import InvalidRule
from pricing_core.usecases import pricing_rules
from pricing_core.usecases.decisions import (
    ReviewResult,
    approve_decision,
    approve_decisions,
    reject_decision,
    reject_decisions,
)

MAX_BULK = 500
MAX_JSON_BODY = 64 * 1024


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The API's error shape: ``{"error": code, "message": ...}``."""
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def _unauthorized() -> JSONResponse:
    return error(401, "unauthorized", "Authorization: Bearer <ADMIN_API_TOKEN> required",
                 headers={"WWW-Authenticate": 'Bearer realm="admin"'})


Handler = Callable[[Request], Response]


def admin(handler: Handler) -> Handler:
    """Require the admin bearer token."""

    def guarded(request: Request) -> Response:
        if not bearer_ok(request, web_state(request).admin_token):
            return _unauthorized()
        return handler(request)

    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded


def health(request: Request) -> Response:
    """Database and broker checked; 200 when both answer, 503 otherwise."""
    web = web_state(request)
    checks: dict[str, dict[str, Any]] = {}
    try:
        with web.services.uow_factory() as uow:
            uow.system_settings.get("health_check")
        checks["database"] = {"ok": True}
    except Exception as exc:  # report, never raise: /health must answer
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    try:
        broker_ok = queue_ping(web.queue)
        checks["broker"] = {"ok": broker_ok, "queue_depth": queue_depth(web.queue)}
    except Exception as exc:
        checks["broker"] = {"ok": False, "error": type(exc).__name__}
    ok = all(c["ok"] for c in checks.values())
    return JSONResponse({"status": "ok" if ok else "degraded", **checks}, status_code=200 if ok else 503)


def metrics(request: Request) -> Response:
    """Prometheus exposition: the web app's own metrics, then the process registry (the broker's)."""
    registry = web_state(request).metrics.registry
    return Response(generate_latest(registry) + generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def openapi(request: Request) -> Response:
    """The OpenAPI document of this JSON API."""
    return JSONResponse(openapi_document(web_state(request).config.public_url))


@admin
def list_stores(request: Request) -> Response:
    """Every store with its token health and last run."""
    web = web_state(request)
    now = web.services.clock.now()
    with web.services.uow_factory() as uow:
        stores = uow.stores.list_all()
    threshold = web.config.token_refresh_threshold_hours
    items = [store_summary(web.services.uow_factory, s, now, threshold_hours=threshold) for s in stores]
    return JSONResponse({"stores": items, "count": len(items)})


def _store_or_404(request: Request) -> Any:
    web = web_state(request)
    store_id = request.path_params["store_id"]
    with web.services.uow_factory() as uow:
        return uow.stores.get(store_id)


@admin
def get_store(request: Request) -> Response:
    """One store in detail."""
    web = web_state(request)
    store = _store_or_404(request)
    if store is None:
        return error(404, "not_found", "no such store")
    threshold = web.config.token_refresh_threshold_hours
    detail = store_detail(web.services.uow_factory, store, web.services.clock.now(), threshold_hours=threshold)
    return JSONResponse(detail)


@admin
def optimize_store(request: Request) -> Response:
    """Queue a manual sweep of the store now (bypasses the schedule)."""
    web = web_state(request)
    store = _store_or_404(request)
    if store is None:
        return error(404, "not_found", "no such store")
    if not store.is_active:
        return error(409, "store_inactive", f"store is inactive: {store.deactivation_reason or 'deactivated'}")
    web.queue.dispatch(SweepStoreNow(store_id=store.store_id))
    return JSONResponse({"enqueued": "manual_optimize", "store_id": store.store_id}, status_code=202)


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if low <= value <= high else None


@admin
def list_decisions(request: Request) -> Response:
    """A store's decisions, newest first, optionally by status."""
    web = web_state(request)
    if _store_or_404(request) is None:
        return error(404, "not_found", "no such store")
    raw_status = request.query_params.get("status")
    status = None
    if raw_status is not None:
        try:
            status = DecisionStatus(raw_status)
        except ValueError:
            return error(400, "bad_request", f"status must be one of {[s.value for s in DecisionStatus]}")
    limit = _int_param(request, "limit", 100, 1, 500)
    offset = _int_param(request, "offset", 0, 0, 1_000_000)
    if limit is None or offset is None:
        return error(400, "bad_request", "limit must be 1..500 and offset 0..1000000")
    with web.services.uow_factory(request.path_params["store_id"]) as uow:
        records = scope_of(uow).decisions.list(status=status, limit=limit, offset=offset)
    items = [decision_view(r) for r in records]
    return JSONResponse({"decisions": items, "count": len(items), "limit": limit, "offset": offset})


def _review_json(result: ReviewResult) -> dict[str, Any]:
    return {
        "status": result.status.value,
        "moved": list(result.moved),
        "skipped": {k: v.value for k, v in result.skipped.items()},
    }


def _review_one(request: Request, approve: bool) -> Response:
    web = web_state(request)
    if _store_or_404(request) is None:
        return error(404, "not_found", "no such store")
    store_id, decision_id = request.path_params["store_id"], request.path_params["decision_id"]
    s = web.services
    try:
        if approve:
            result = approve_decision(s.uow_factory, web.queue, s.clock, store_id=store_id,
                                      decision_id=decision_id, by="admin-api")
        else:
            result = reject_decision(s.uow_factory, s.clock, store_id=store_id, decision_id=decision_id,
                                     by="admin-api")
    except DecisionNotFound:
        return error(404, "not_found", "no such decision")
    except InvalidTransition as exc:
        return error(409, "invalid_transition", str(exc))
    return JSONResponse(_review_json(result))


@admin
def approve_one(request: Request) -> Response:
    """Approve one pending decision (its price is then applied by the worker)."""
    return _review_one(request, approve=True)


@admin
def reject_one(request: Request) -> Response:
    """Reject one pending decision."""
    return _review_one(request, approve=False)


def _bulk_ids(body: bytes | None) -> list[str] | str:
    """The ``decision_ids`` of a bulk request, or an error message."""
    if body is None or len(body) > MAX_JSON_BODY:
        return "body too large"
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return "body is not JSON"
    if not isinstance(data, dict) or not isinstance(data.get("decision_ids"), list):
        return "body must be an object with a decision_ids array"
    ids: list[object] = data["decision_ids"]
    if not 1 <= len(ids) <= MAX_BULK or not all(isinstance(i, str) and i for i in ids):
        return f"decision_ids must be 1..{MAX_BULK} non-empty strings"
    return [str(i) for i in ids]


async def _review_bulk(request: Request, approve: bool) -> Response:
    from starlette.concurrency import run_in_threadpool

    if not bearer_ok(request, web_state(request).admin_token):
        return _unauthorized()
    ids = _bulk_ids(await read_capped(request, MAX_JSON_BODY))
    if isinstance(ids, str):
        return error(400 if ids.startswith("body") else 422, "bad_request", ids)
    return await run_in_threadpool(_review_bulk_sync, request, ids, approve)


def _review_bulk_sync(request: Request, ids: list[str], approve: bool) -> Response:
    web = web_state(request)
    if _store_or_404(request) is None:
        return error(404, "not_found", "no such store")
    s, store_id = web.services, request.path_params["store_id"]
    try:
        if approve:
            result = approve_decisions(s.uow_factory, web.queue, s.clock, store_id=store_id,
                                       decision_ids=ids, by="admin-api")
        else:
            result = reject_decisions(s.uow_factory, s.clock, store_id=store_id, decision_ids=ids,
                                      by="admin-api")
    except DecisionNotFound as exc:
        return error(404, "not_found", str(exc))
    return JSONResponse(_review_json(result))


async def approve_bulk(request: Request) -> Response:
    """Approve many decisions; the ones no longer pending are reported as skipped."""
    return await _review_bulk(request, approve=True)


async def reject_bulk(request: Request) -> Response:
    """Reject many decisions; the ones no longer pending are reported as skipped."""
    return await _review_bulk(request, approve=False)


def _invalid(message: str, errors: dict[str, str]) -> JSONResponse:
    return JSONResponse({"error": "invalid", "message": message, "errors": errors}, status_code=422)


def _json_body(body: bytes | None) -> tuple[object, JSONResponse | None]:
    if body is None:
        return None, error(413, "too_large", f"body larger than {MAX_JSON_BODY} bytes")
    try:
        return json.loads(body), None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, error(400, "bad_request", "body is not JSON")


async def rules(request: Request) -> Response:
    """GET: the store's pricing rules in the order they are tried. PUT: replace them all."""
    from starlette.concurrency import run_in_threadpool

    if not bearer_ok(request, web_state(request).admin_token):
        return _unauthorized()
    if request.method == "GET":
        return await run_in_threadpool(_get_rules, request)
    data, failed = _json_body(await read_capped(request, MAX_JSON_BODY))
    if failed is not None:
        return failed
    if not isinstance(data, dict) or set(data) != {"rules"} or not isinstance(data["rules"], list):
        return _invalid("body must be an object with a rules array", {"rules": "required"})
    try:
        parsed = [rule_from_json(item, f"rules[{i}]") for i, item in enumerate(data["rules"])]
    except InvalidRule as exc:
        return _invalid(str(exc), exc.errors)
    return await run_in_threadpool(_put_rules, request, parsed)


def _get_rules(request: Request) -> Response:
    try:
        found = pricing_rules.list_rules(web_state(request).services.uow_factory, request.path_params["store_id"])
    except StoreNotFound:
        return error(404, "not_found", "no such store")
    return JSONResponse({"rules": [rule_view(r) for r in found]})


def _put_rules(request: Request, parsed: list[Any]) -> Response:
    try:
        saved = pricing_rules.replace_rules(web_state(request).services.uow_factory,
                                            request.path_params["store_id"], parsed)
    except StoreNotFound:
        return error(404, "not_found", "no such store")
    except InvalidRule as exc:
        return _invalid(str(exc), exc.errors)
    return JSONResponse({"rules": [rule_view(r) for r in saved]})


async def override(request: Request) -> Response:
    """GET, PUT (replace) or DELETE one product's override."""
    from starlette.concurrency import run_in_threadpool

    if not bearer_ok(request, web_state(request).admin_token):
        return _unauthorized()
    data: object = None
    if request.method == "PUT":
        data, failed = _json_body(await read_capped(request, MAX_JSON_BODY))
        if failed is not None:
            return failed
    return await run_in_threadpool(_override_sync, request, data)


def _override_sync(request: Request, data: object) -> Response:
    uow_factory = web_state(request).services.uow_factory
    store_id, product_id = request.path_params["store_id"], request.path_params["product_id"]
    try:
        if request.method == "GET":
            found = pricing_rules.get_override(uow_factory, store_id, product_id)
            if found is None:
                return error(404, "not_found", "the product has no override")
            return JSONResponse(override_view(found))
        if request.method == "DELETE":
            if not pricing_rules.delete_override(uow_factory, store_id, product_id):
                return error(404, "not_found", "the product has no override")
            return Response(status_code=204)
        try:
            wanted = override_from_json(product_id, data)
        except InvalidOverride as exc:
            return _invalid(str(exc), {exc.field: str(exc)})
        return JSONResponse(override_view(pricing_rules.set_override(uow_factory, store_id, wanted)))
    except StoreNotFound:
        return error(404, "not_found", "no such store")


routes = [
    Route("/health", health, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
    Route("/openapi.json", openapi, methods=["GET"]),
    Route("/stores", list_stores, methods=["GET"]),
    Route("/stores/{store_id}", get_store, methods=["GET"]),
    Route("/stores/{store_id}/optimize", optimize_store, methods=["POST"]),
    Route("/stores/{store_id}/decisions", list_decisions, methods=["GET"]),
    Route("/stores/{store_id}/decisions/approve", approve_bulk, methods=["POST"]),
    Route("/stores/{store_id}/decisions/reject", reject_bulk, methods=["POST"]),
    Route("/stores/{store_id}/decisions/{decision_id}/approve", approve_one, methods=["POST"]),
    Route("/stores/{store_id}/decisions/{decision_id}/reject", reject_one, methods=["POST"]),
    Route("/stores/{store_id}/rules", rules, methods=["GET", "PUT"]),
    Route("/stores/{store_id}/overrides/{product_id}", override, methods=["GET", "PUT", "DELETE"]),
]

__all__ = ["routes"]
