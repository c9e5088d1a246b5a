"""The operator view: login with the admin token, and every store's health, failed runs and system actions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from entrypoints.web.dashboard.access import form_refused
from entrypoints.web.forms import FormRejected, read_text_form
from entrypoints.web.pages import render, render_error
from entrypoints.web.security import bearer_ok, csrf_ok, is_operator, same_secret, start_operator_session
from entrypoints.web.state import queue_depth, web_state
from entrypoints.web.views import run_view, store_summary
from entrypoints.web.work_view import work_summary
from pricing_core.usecases.token_status import summarize_token_status


def operator_login_form(request: Request) -> Response:
    """Operator login with the admin API token."""
    return render(request, "operator_login.html", {"error": None})


async def operator_login(request: Request) -> Response:
    """Check the admin token and start an operator session."""
    try:
        form = await read_text_form(request)
    except FormRejected as exc:
        return form_refused(request, exc)
    web = web_state(request)
    if not csrf_ok(request, form.get("csrf_token")):
        return render_error(request, 403, "form_expired", "form_expired_text")
    if not same_secret(str(form.get("token", "")), web.admin_token):
        message = "wrong_token" if web.admin_token else "operator_disabled"
        return render(request, "operator_login.html", {"error": message}, status=401)
    start_operator_session(request)
    return RedirectResponse("/operator", status_code=303)


def operator(request: Request) -> Response:
    """Every store's token health and last run, the token summary, system actions, failed runs, queue depth.

    Also answers to the admin bearer token, so scripts can fetch it without a session.
    """
    web = web_state(request)
    if not (is_operator(request) or bearer_ok(request, web.admin_token)):
        return RedirectResponse("/operator/login", status_code=303)
    s = web.services
    now = s.clock.now()
    threshold = web.config.token_refresh_threshold_hours
    report = summarize_token_status(s.uow_factory, now, threshold_hours=threshold)
    with s.uow_factory() as uow:
        stores = uow.stores.list_all()
        failed = uow.stores.recent_failed_runs(limit=20)
        recent = uow.system_activity.list(limit=200)
    system_actions = [e for e in recent if e.activity_type.value.startswith("system_")][:30]
    rows = [store_summary(s.uow_factory, st, now, threshold_hours=threshold) for st in stores]
    return render(request, "operator.html", {
        "stores": rows, "summary": report.summary.as_dict(), "system_actions": system_actions,
        "failed_runs": [run_view(r) for r in failed], "queue_depth": queue_depth(web.queue),
        "work": work_summary(s, web.queue), "section": "operator",
    })


__all__ = ["operator", "operator_login", "operator_login_form"]
