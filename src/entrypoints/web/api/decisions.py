"""Decisions in the admin API: a store's list, and approving or rejecting one decision or many."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from entrypoints.web.api.access import admin
from entrypoints.web.api.errors import error, unauthorized
from entrypoints.web.api.json_body import MAX_JSON_BODY
from entrypoints.web.api.stores import store_of_path
from entrypoints.web.bodies import read_capped
from entrypoints.web.security import bearer_ok
from entrypoints.web.state import web_state
from entrypoints.web.views import decision_view
from pricing_core.decision import DecisionStatus
from pricing_core.errors import DecisionNotFound, InvalidTransition
from pricing_core.ports import scope_of
from pricing_core.usecases.decisions import (
    ReviewResult,
    approve_decision,
    approve_decisions,
    reject_decision,
    reject_decisions,
)

MAX_BULK = 500


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
    if store_of_path(request) is None:
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
    if store_of_path(request) is None:
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
        return unauthorized()
    ids = _bulk_ids(await read_capped(request, MAX_JSON_BODY))
    if isinstance(ids, str):
        return error(400 if ids.startswith("body") else 422, "bad_request", ids)
    return await run_in_threadpool(_review_bulk_sync, request, ids, approve)


def _review_bulk_sync(request: Request, ids: list[str], approve: bool) -> Response:
    web = web_state(request)
    if store_of_path(request) is None:
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


__all__ = ["MAX_BULK", "approve_bulk", "approve_one", "list_decisions", "reject_bulk", "reject_one"]
