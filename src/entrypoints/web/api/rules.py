"""A store's pricing rules in the admin API: read them in the order they are tried, or replace them all."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from entrypoints.web.api.errors import error, invalid, unauthorized
from entrypoints.web.api.json_body import MAX_JSON_BODY, json_body
from entrypoints.web.bodies import read_capped
from entrypoints.web.rule_views import rule_from_json, rule_view
from entrypoints.web.security import bearer_ok
from entrypoints.web.state import web_state
from pricing_core.errors import StoreNotFound
from pricing_core.rules import InvalidRule
from pricing_core.usecases import pricing_rules


async def rules(request: Request) -> Response:
    """GET: the store's pricing rules in the order they are tried. PUT: replace them all."""
    from starlette.concurrency import run_in_threadpool

    if not bearer_ok(request, web_state(request).admin_token):
        return unauthorized()
    if request.method == "GET":
        return await run_in_threadpool(_get_rules, request)
    data, failed = json_body(await read_capped(request, MAX_JSON_BODY))
    if failed is not None:
        return failed
    if not isinstance(data, dict) or set(data) != {"rules"} or not isinstance(data["rules"], list):
        return invalid("body must be an object with a rules array", {"rules": "required"})
    try:
        parsed = [rule_from_json(item, f"rules[{i}]") for i, item in enumerate(data["rules"])]
    except InvalidRule as exc:
        return invalid(str(exc), exc.errors)
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
        return invalid(str(exc), exc.errors)
    return JSONResponse({"rules": [rule_view(r) for r in saved]})


__all__ = ["rules"]
