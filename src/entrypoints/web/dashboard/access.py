"""Who may see a store's pages, and the wrappers every store page and form goes through.

Every store page lives under ``/dashboard/stores/{store_id}``. A merchant session sees its own
store only; any other store id answers 404, exactly like a store that does not exist, so a
merchant cannot even learn which ids are taken. Every POST carries the session's CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.forms import FormRejected, read_text_form, read_upload_form
from entrypoints.web.pages import render_error, render_sign_in
from entrypoints.web.security import csrf_ok, is_operator, may_see_store, merchant_store
from entrypoints.web.state import web_state
from pricing_core.stores import Store


def visible_store(request: Request) -> Store | None:
    """The store of the path when this session may see it, else None (the caller answers 404)."""
    store_id = request.path_params["store_id"]
    if not may_see_store(request, store_id):
        return None
    # Store-bound even for this lookup: on PostgreSQL the row-level security wall then holds
    # too, not only the session check above (an unscoped unit of work sees every store).
    with web_state(request).services.uow_factory(store_id) as uow:
        return uow.stores.get(store_id)


def not_found(request: Request) -> Response:
    """The 404 page, the same for a store (or decision) that does not exist and one the session may not see."""
    return render_error(request, 404, "not_found", "not_found_text")


def _signed_out(request: Request) -> bool:
    """True when the request carries no session at all (lost, expired, or never signed in)."""
    return not is_operator(request) and merchant_store(request) is None


StorePage = Callable[[Request, Store], Response]


def store_page(handler: StorePage) -> Callable[[Request], Response]:
    """A GET page of one store: 404 unless the session may see the store."""

    def page(request: Request) -> Response:
        if _signed_out(request):
            # The same answer for every store id, so it tells nothing about which exist.
            return render_sign_in(request)
        store = visible_store(request)
        if store is None:
            return not_found(request)
        return handler(request, store)

    page.__name__ = handler.__name__
    page.__doc__ = handler.__doc__
    return page


FormAction = Callable[[Request, Store, FormData], Response]


def store_action(handler: FormAction) -> Callable[[Request], Any]:
    """A POST action on one store: 404 unless visible, 403 without a valid CSRF token."""

    async def action(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        try:
            form = await read_text_form(request)
        except FormRejected as exc:
            return form_refused(request, exc)
        if _signed_out(request):
            return render_sign_in(request)
        store = await run_in_threadpool(visible_store, request)
        if store is None:
            return not_found(request)
        if not csrf_ok(request, form.get("csrf_token")):
            return render_error(request, 403, "form_expired", "form_expired_text")
        return await run_in_threadpool(handler, request, store, form)

    action.__name__ = handler.__name__
    action.__doc__ = handler.__doc__
    return action


def store_upload(handler: FormAction, *, file_field: str, limit: int) -> Callable[[Request], Any]:
    """``store_action`` for a form that uploads one file, in its ``file_field``, of at most ``limit`` bytes."""

    async def action(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        try:
            form = await read_upload_form(request, file_field=file_field, limit=limit)
        except FormRejected as exc:
            return form_refused(request, exc)
        store = await run_in_threadpool(visible_store, request)
        if store is None:
            return not_found(request)
        if not csrf_ok(request, form.get("csrf_token")):
            return render_error(request, 403, "form_expired", "form_expired_text")
        return await run_in_threadpool(handler, request, store, form)

    action.__name__ = handler.__name__
    action.__doc__ = handler.__doc__
    return action


def form_refused(request: Request, exc: FormRejected) -> Response:
    """A form that is not plain text (a file in a text field, a body too large): say what and where."""
    return render_error(request, exc.status, "form_not_accepted", str(exc))


def who(request: Request) -> str:
    """Who acts, as the activity log and the decisions record it: ``operator`` or ``merchant``."""
    return "operator" if is_operator(request) else "merchant"


__all__ = ["FormAction", "StorePage", "form_refused", "not_found", "store_action", "store_page", "store_upload",
           "visible_store", "who"]
