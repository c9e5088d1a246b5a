"""Stores in the admin API: the list with token health and last run, one store in detail, "optimize now"."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from entrypoints.web.api.access import admin
from entrypoints.web.api.errors import error
from entrypoints.web.state import web_state
from entrypoints.web.views import store_detail, store_summary
from pricing_core.commands import SweepStoreNow
from pricing_core.stores import Store


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


def store_of_path(request: Request) -> Store | None:
    """The store the path's ``store_id`` names, or None (the caller answers 404)."""
    web = web_state(request)
    store_id = request.path_params["store_id"]
    with web.services.uow_factory() as uow:
        return uow.stores.get(store_id)


@admin
def get_store(request: Request) -> Response:
    """One store in detail."""
    web = web_state(request)
    store = store_of_path(request)
    if store is None:
        return error(404, "not_found", "no such store")
    threshold = web.config.token_refresh_threshold_hours
    detail = store_detail(web.services.uow_factory, store, web.services.clock.now(), threshold_hours=threshold)
    return JSONResponse(detail)


@admin
def optimize_store(request: Request) -> Response:
    """Queue a manual sweep of the store now (bypasses the schedule)."""
    web = web_state(request)
    store = store_of_path(request)
    if store is None:
        return error(404, "not_found", "no such store")
    if not store.is_active:
        return error(409, "store_inactive", f"store is inactive: {store.deactivation_reason or 'deactivated'}")
    web.queue.dispatch(SweepStoreNow(store_id=store.store_id))
    return JSONResponse({"enqueued": "manual_optimize", "store_id": store.store_id}, status_code=202)


__all__ = ["get_store", "list_stores", "optimize_store", "store_of_path"]
