"""One product's override in the admin API: read, replace or remove the merchant's word on its price."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from entrypoints.web.api.errors import error, invalid, unauthorized
from entrypoints.web.api.json_body import MAX_JSON_BODY, json_body
from entrypoints.web.bodies import read_capped
from entrypoints.web.rule_views import override_from_json, override_view
from entrypoints.web.security import bearer_ok
from entrypoints.web.state import web_state
from pricing_core.errors import StoreNotFound
from pricing_core.overrides import InvalidOverride
from pricing_core.usecases import pricing_rules


async def override(request: Request) -> Response:
    """GET, PUT (replace) or DELETE one product's override."""
    from starlette.concurrency import run_in_threadpool

    if not bearer_ok(request, web_state(request).admin_token):
        return unauthorized()
    data: object = None
    if request.method == "PUT":
        data, failed = json_body(await read_capped(request, MAX_JSON_BODY))
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
            return invalid(str(exc), {exc.field: str(exc)})
        return JSONResponse(override_view(pricing_rules.set_override(uow_factory, store_id, wanted)))
    except StoreNotFound:
        return error(404, "not_found", "no such store")


__all__ = ["override"]
