"""The way in and out: the landing page, the language switch, logout, and where "Dashboard" leads."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from entrypoints.web.dashboard.access import form_refused
from entrypoints.web.forms import FormRejected, read_text_form
from entrypoints.web.i18n import LANGUAGES
from entrypoints.web.pages import render, render_error
from entrypoints.web.security import csrf_ok, is_operator, merchant_store


def landing(request: Request) -> Response:
    """The landing page: install (on a sandbox store in the embedded default) or go to the dashboard."""
    return render(request, "landing.html")


def set_language(request: Request) -> Response:
    """Switch the dashboard language and go back."""
    code = request.path_params["code"]
    if code in LANGUAGES:
        request.session["lang"] = code
    target = request.query_params.get("next", "/")
    # Only same-site paths: never an open redirect.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    """End the session."""
    try:
        form = await read_text_form(request)
    except FormRejected as exc:
        return form_refused(request, exc)
    if not csrf_ok(request, form.get("csrf_token")):
        return render_error(request, 403, "form_expired", "form_expired_text")
    request.session.clear()
    return RedirectResponse("/", status_code=303)


def dashboard_home(request: Request) -> Response:
    """Where "Dashboard" leads: the merchant's store, the operator view, or the landing page."""
    store_id = merchant_store(request)
    if store_id is not None:
        return RedirectResponse(f"/dashboard/stores/{quote(store_id, safe='')}", status_code=303)
    if is_operator(request):
        return RedirectResponse("/operator", status_code=303)
    return RedirectResponse("/", status_code=303)


__all__ = ["dashboard_home", "landing", "logout", "set_language"]
