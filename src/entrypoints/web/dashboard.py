"""The merchant dashboard and the operator view: server-rendered, usable without JavaScript.

Every store page lives under ``/dashboard/stores/{store_id}``. A merchant session sees its own
store only; any other store id answers 404, exactly like a store that does not exist, so a
merchant cannot even learn which ids are taken. Every POST carries the session's CSRF token.
"""

from __future__ import annotations

import base64
import enum
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from adapters.cost_sheet import read_sheet, write_sheet
from entrypoints.web.forms import FormRejected, read_text_form, read_upload_form
from entrypoints.web.i18n import LANGUAGES
from entrypoints.web.pages import flash, render, render_error
from entrypoints.web.security import (
    bearer_ok,
    csrf_ok,
    is_operator,
    may_see_store,
    merchant_store,
    same_secret,
    start_operator_session,
)
from entrypoints.web.state import queue_depth, web_state
from entrypoints.web.views import decision_view, run_view, store_summary
from pricing_core.activity import ActivityType
from pricing_core.commands import SweepStoreNow
from pricing_core.decision import DecisionStatus
from pricing_core.errors import DecisionNotFound, InvalidTransition
from pricing_core.overrides import ProductOverride
from pricing_core.ports import scope_of
from pricing_core.settings import TenantSettings
from pricing_core.stores import Store
from pricing_core.usecases.cost_import import EXPORT_COLUMNS, CostImport, SheetError, export_costs, import_costs
from pricing_core.usecases.decisions import (
    approve_decision,
    approve_decisions,
    reject_decision,
    reject_decisions,
)
from pricing_core.usecases.store_settings import update_settings
from pricing_core.usecases.token_status import summarize_token_status

# A cost sheet uploaded through the dashboard (about 100,000 lines); the CLI takes larger ones.
MAX_SHEET_BYTES = 5 * 1024 * 1024
# Fields shown first in the settings form; the rest go under "advanced".
MAIN_SETTINGS = (
    "automation_mode", "min_profit_margin", "max_change_pct", "risk_tolerance", "update_frequency_hours",
    "strategy", "strategy_value", "reference", "reference_competitor", "fallback", "target_margin",
    "min_price", "max_price", "cooldown_hours", "direction_lock", "price_ending", "vat_rate",
)


# ---------------------------------------------------------------------------------------------
# Access


def _visible_store(request: Request) -> Store | None:
    """The store of the path when this session may see it, else None (the caller answers 404)."""
    store_id = request.path_params["store_id"]
    if not may_see_store(request, store_id):
        return None
    # Store-bound even for this lookup: on PostgreSQL the row-level security wall then holds
    # too, not only the session check above (an unscoped unit of work sees every store).
    with web_state(request).services.uow_factory(store_id) as uow:
        return uow.stores.get(store_id)


def _not_found(request: Request) -> Response:
    return render_error(request, 404, "Not found", "There is no such page for this session.")


StorePage = Callable[[Request, Store], Response]


def store_page(handler: StorePage) -> Callable[[Request], Response]:
    """A GET page of one store: 404 unless the session may see the store."""

    def page(request: Request) -> Response:
        store = _visible_store(request)
        if store is None:
            return _not_found(request)
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
            return _form_refused(request, exc)
        store = await run_in_threadpool(_visible_store, request)
        if store is None:
            return _not_found(request)
        if not csrf_ok(request, form.get("csrf_token")):
            return render_error(request, 403, "Form expired", "The form's security token is missing or wrong; "
                                "reload the page and try again.")
        return await run_in_threadpool(handler, request, store, form)

    action.__name__ = handler.__name__
    action.__doc__ = handler.__doc__
    return action


def store_upload(handler: FormAction) -> Callable[[Request], Any]:
    """``store_action`` for a form that uploads one file, in its ``sheet`` field (a cost sheet)."""

    async def action(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        try:
            # Twice the sheet's cap: the apply step posts the previewed sheet back, base64-encoded.
            form = await read_upload_form(request, file_field="sheet", limit=2 * MAX_SHEET_BYTES)
        except FormRejected as exc:
            return _form_refused(request, exc)
        store = await run_in_threadpool(_visible_store, request)
        if store is None:
            return _not_found(request)
        if not csrf_ok(request, form.get("csrf_token")):
            return render_error(request, 403, "Form expired", "The form's security token is missing or wrong; "
                                "reload the page and try again.")
        return await run_in_threadpool(handler, request, store, form)

    action.__name__ = handler.__name__
    action.__doc__ = handler.__doc__
    return action


def _form_refused(request: Request, exc: FormRejected) -> Response:
    """A form that is not plain text (a file in a text field, a body too large): say what and where."""
    return render_error(request, exc.status, "Form not accepted", str(exc))


def _who(request: Request) -> str:
    return "operator" if is_operator(request) else "merchant"


# ---------------------------------------------------------------------------------------------
# Landing, language, logout


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
        return _form_refused(request, exc)
    if not csrf_ok(request, form.get("csrf_token")):
        return render_error(request, 403, "Form expired", "Reload the page and try again.")
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


# ---------------------------------------------------------------------------------------------
# Store pages


@store_page
def overview(request: Request, store: Store) -> Response:
    """Store, token health, automation mode, last runs and their counts."""
    web = web_state(request)
    s = web.services
    summary = store_summary(s.uow_factory, store, s.clock.now(),
                            threshold_hours=web.config.token_refresh_threshold_hours)
    with s.uow_factory(store.store_id) as uow:
        scope = scope_of(uow)
        runs = [run_view(r) for r in scope.runs.recent(limit=10)]
        pending = scope.decisions.count(status=DecisionStatus.PENDING)
        applied = scope.decisions.count(status=DecisionStatus.APPLIED)
        products = scope.products.count()
    return render(request, "overview.html", {
        "store": store, "summary": summary, "runs": runs, "pending": pending, "applied": applied,
        "products": products, "section": "overview",
    })


@store_page
def approvals(request: Request, store: Store) -> Response:
    """Pending approvals with approve/reject per row and in bulk."""
    with web_state(request).services.uow_factory(store.store_id) as uow:
        records = scope_of(uow).decisions.list(status=DecisionStatus.PENDING, limit=200)
    return render(request, "approvals.html", {
        "store": store, "decisions": [decision_view(r) for r in records], "section": "approvals",
    })


@store_page
def decisions(request: Request, store: Store) -> Response:
    """Decision history, optionally by status."""
    raw = request.query_params.get("status") or None
    status = DecisionStatus(raw) if raw in {s.value for s in DecisionStatus} else None
    with web_state(request).services.uow_factory(store.store_id) as uow:
        records = scope_of(uow).decisions.list(status=status, limit=200)
    return render(request, "decisions.html", {
        "store": store, "decisions": [decision_view(r) for r in records], "section": "decisions",
        "statuses": [s.value for s in DecisionStatus], "selected": status.value if status else "",
    })


@store_page
def product(request: Request, store: Store) -> Response:
    """One product: its decisions and its price history."""
    product_id = request.path_params["product_id"]
    with web_state(request).services.uow_factory(store.store_id) as uow:
        scope = scope_of(uow)
        snapshot = scope.products.get(product_id)
        records = scope.decisions.list(product_id=product_id, limit=100)
        history = scope.price_history.for_product(product_id, limit=100)
    if snapshot is None and not records and not history:
        return _not_found(request)
    return render(request, "product.html", {
        "store": store, "product": snapshot, "product_id": product_id,
        "decisions": [decision_view(r) for r in records], "history": history, "section": "decisions",
    })


@store_page
def activity(request: Request, store: Store) -> Response:
    """The store's activity log, filterable by type."""
    raw = request.query_params.get("type") or None
    selected = ActivityType(raw) if raw in {a.value for a in ActivityType} else None
    with web_state(request).services.uow_factory(store.store_id) as uow:
        entries = scope_of(uow).activity.list(activity_type=selected, limit=200)
    return render(request, "activity.html", {
        "store": store, "entries": entries, "types": [a.value for a in ActivityType],
        "selected": selected.value if selected else "", "section": "activity",
    })


# ---------------------------------------------------------------------------------------------
# Settings


def _field_kind(name: str) -> tuple[str, list[str], bool]:
    """(kind, options, optional) of a settings field: ``select``, ``number``, ``text``, ``list`` or ``weights``."""
    annotation = TenantSettings.model_fields[name].annotation
    args = typing.get_args(annotation)
    optional = isinstance(annotation, types.UnionType) and type(None) in args
    inner = next((a for a in args if a is not type(None)), annotation) if optional else annotation
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return "select", [str(m.value) for m in inner], optional
    if inner is bool:
        return "select", ["false", "true"], optional
    if inner in (Decimal, int):
        return "number", [], optional
    if typing.get_origin(inner) is tuple:
        return "list", [], optional
    if typing.get_origin(inner) is dict:
        return "weights", [], optional  # written "noon=2, amazon.sa=1"
    return "text", [], optional


def _form_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _settings_fields(values: dict[str, str], errors: dict[str, str]) -> list[dict[str, Any]]:
    fields = []
    for name in TenantSettings.model_fields:
        kind, options, optional = _field_kind(name)
        fields.append({
            "name": name, "kind": kind, "options": options, "optional": optional,
            "value": values.get(name, ""), "error": errors.get(name),
            "advanced": name not in MAIN_SETTINGS,
            "description": TenantSettings.model_fields[name].description or "",
        })
    return fields


@store_page
def settings_form(request: Request, store: Store) -> Response:
    """The settings form with the current values."""
    with web_state(request).services.uow_factory(store.store_id) as uow:
        current = scope_of(uow).settings.get()
    values = {name: _form_value(getattr(current, name)) for name in TenantSettings.model_fields}
    return render(request, "settings.html", {
        "store": store, "fields": _settings_fields(values, {}), "section": "settings",
    })


def _changes_from_form(form: FormData) -> tuple[dict[str, object], dict[str, str]]:
    """Settings changes from a submitted form, and the raw values to redisplay."""
    changes: dict[str, object] = {}
    raw: dict[str, str] = {}
    for name in TenantSettings.model_fields:
        if name not in form:
            continue
        value = str(form.get(name, "")).strip()
        raw[name] = value
        kind, _options, optional = _field_kind(name)
        if kind == "list":
            changes[name] = tuple(part.strip() for part in value.split(",") if part.strip())
        elif kind == "weights":
            # "noon=2, amazon=1"; a part without "=" keeps its text, so validation names the field.
            pairs = [part.partition("=") for part in value.split(",") if part.strip()]
            changes[name] = {k.strip(): (v.strip() if sep else k) for k, sep, v in pairs}
        elif value == "" and optional:
            changes[name] = None
        else:
            changes[name] = value
    return changes, raw


def save_settings(request: Request, store: Store, form: FormData) -> Response:
    """Validate and save; invalid values come back inline, next to their field, with a 400."""
    web = web_state(request)
    s = web.services
    changes, raw = _changes_from_form(form)
    try:
        update = update_settings(s.uow_factory, web.queue, s.clock, store_id=store.store_id, changes=changes,
                                 by=_who(request))
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "__all__"
            errors.setdefault(field if field in TenantSettings.model_fields else "__all__", err["msg"])
        with s.uow_factory(store.store_id) as uow:
            current = scope_of(uow).settings.get()
        values = {name: _form_value(getattr(current, name)) for name in TenantSettings.model_fields}
        values.update(raw)
        return render(request, "settings.html", {
            "store": store, "fields": _settings_fields(values, errors), "form_error": errors.get("__all__"),
            "section": "settings",
        }, status=400)
    flash(request, "saved")
    if update.superseded:
        flash(request, "settings_superseded")
    return RedirectResponse(f"/dashboard/stores/{quote(store.store_id, safe='')}/settings", status_code=303)


# ---------------------------------------------------------------------------------------------
# Costs: upload a sheet, preview what changes (and every rejected line), apply all or nothing


def _override_text(override: ProductOverride | None) -> str:
    if override is None:
        return "—"
    fields = ("excluded", "fixed_price", "cost_price", "min_price", "max_price", "map_price")
    parts = [f"{f.replace('_', ' ')} {getattr(override, f)}" for f in fields
             if getattr(override, f) not in (None, False)]
    return ", ".join(parts) or "—"


def _costs_page(request: Request, store: Store, *, result: CostImport | None = None, sheet_text: str = "",
                sheet_error: str | None = None, status: int = 200) -> Response:
    changed = []
    unchanged = 0
    if result is not None:
        for c in result.changes:
            if c.changes_anything:
                changed.append({"line": c.line, "product_id": c.product_id, "before": _override_text(c.before),
                                "after": _override_text(c.after)})
            else:
                unchanged += 1
    return render(request, "costs.html", {
        "store": store, "section": "costs", "result": result, "changed": changed, "unchanged": unchanged,
        "sheet_text": sheet_text, "sheet_error": sheet_error,
        "base_url": f"/dashboard/stores/{quote(store.store_id, safe='')}",
    }, status=status)


@store_page
def costs_form(request: Request, store: Store) -> Response:
    """The cost sheet upload."""
    return _costs_page(request, store)


def costs_upload(request: Request, store: Store, form: FormData) -> Response:
    """Preview an uploaded sheet (nothing changes), or apply the previewed one (all lines or none)."""
    apply = form.get("action") == "apply"
    upload = form.get("sheet")
    if apply:
        try:
            data = base64.b64decode(str(form.get("sheet_text", "")), validate=True)
        except ValueError:
            return _costs_page(request, store, sheet_error="The previewed file was lost; upload it again.", status=400)
    elif isinstance(upload, UploadFile):
        data = upload.file.read(MAX_SHEET_BYTES + 1)
    else:
        return _costs_page(request, store, sheet_error="Choose a CSV file.", status=400)
    try:
        columns, lines = read_sheet(data)
        result = import_costs(web_state(request).services.uow_factory, store.store_id, columns, lines,
                              dry_run=not apply)
    except SheetError as exc:
        return _costs_page(request, store, sheet_error=str(exc), status=400)
    return _costs_page(request, store, result=result, sheet_text=base64.b64encode(data).decode(),
                       status=200 if result.ok else 400)


@store_page
def costs_csv(request: Request, store: Store) -> Response:
    """Every product with its override values, as the sheet an upload takes."""
    rows = export_costs(web_state(request).services.uow_factory, store.store_id)
    return Response(write_sheet(rows, EXPORT_COLUMNS), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="costs-{quote(store.store_id, safe="")}.csv"'})


# ---------------------------------------------------------------------------------------------
# Actions


def run_now(request: Request, store: Store, form: FormData) -> Response:
    """Queue a manual sweep."""
    web = web_state(request)
    if not store.is_active:
        flash(request, f"Store is inactive: {store.deactivation_reason or 'deactivated'}", "error")
    else:
        web.queue.dispatch(SweepStoreNow(store_id=store.store_id))
        flash(request, "run_enqueued")
    return RedirectResponse(f"/dashboard/stores/{quote(store.store_id, safe='')}", status_code=303)


def _back(store: Store, form: FormData) -> RedirectResponse:
    target = str(form.get("next") or "approvals")
    page = target if target in ("approvals", "decisions") else "approvals"
    return RedirectResponse(f"/dashboard/stores/{quote(store.store_id, safe='')}/{page}", status_code=303)


def review_one(request: Request, store: Store, form: FormData) -> Response:
    """Approve or reject the decision of the path."""
    web = web_state(request)
    s = web.services
    decision_id, verb = request.path_params["decision_id"], request.path_params["verb"]
    if verb not in ("approve", "reject"):
        return _not_found(request)
    try:
        if verb == "approve":
            approve_decision(s.uow_factory, web.queue, s.clock, store_id=store.store_id,
                             decision_id=decision_id, by=_who(request))
        else:
            reject_decision(s.uow_factory, s.clock, store_id=store.store_id, decision_id=decision_id,
                            by=_who(request))
    except DecisionNotFound:
        return _not_found(request)
    except InvalidTransition as exc:
        flash(request, str(exc), "error")
        return _back(store, form)
    flash(request, f"Decision {verb}d." if verb == "approve" else "Decision rejected.")
    return _back(store, form)


def review_bulk(request: Request, store: Store, form: FormData) -> Response:
    """Approve or reject every checked decision."""
    web = web_state(request)
    s = web.services
    ids = [str(v) for v in form.getlist("decision_id") if str(v)]
    verb = str(form.get("action", ""))
    if verb not in ("approve", "reject"):
        return render_error(request, 400, "Unknown action", "Choose approve or reject.")
    if not ids:
        flash(request, "Select at least one decision.", "error")
        return _back(store, form)
    try:
        if verb == "approve":
            result = approve_decisions(s.uow_factory, web.queue, s.clock, store_id=store.store_id,
                                       decision_ids=ids, by=_who(request))
        else:
            result = reject_decisions(s.uow_factory, s.clock, store_id=store.store_id, decision_ids=ids,
                                      by=_who(request))
    except DecisionNotFound:
        return _not_found(request)
    message = f"{len(result.moved)} decision(s) {verb}d."
    if result.skipped:
        message += f" {len(result.skipped)} skipped (no longer pending)."
    flash(request, message)
    return _back(store, form)


# ---------------------------------------------------------------------------------------------
# Operator


def operator_login_form(request: Request) -> Response:
    """Operator login with the admin API token."""
    return render(request, "operator_login.html", {"error": None})


async def operator_login(request: Request) -> Response:
    """Check the admin token and start an operator session."""
    try:
        form = await read_text_form(request)
    except FormRejected as exc:
        return _form_refused(request, exc)
    web = web_state(request)
    if not csrf_ok(request, form.get("csrf_token")):
        return render_error(request, 403, "Form expired", "Reload the page and try again.")
    if not same_secret(str(form.get("token", "")), web.admin_token):
        message = "Wrong token." if web.admin_token else "The operator view is disabled: set ADMIN_API_TOKEN."
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
        "section": "operator",
    })


routes = [
    Route("/", landing, methods=["GET"]),
    Route("/lang/{code}", set_language, methods=["GET"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/dashboard", dashboard_home, methods=["GET"]),
    Route("/dashboard/stores/{store_id}", overview, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/approvals", approvals, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/decisions", decisions, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/products/{product_id}", product, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/activity", activity, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/settings", settings_form, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/settings", store_action(save_settings), methods=["POST"]),
    Route("/dashboard/stores/{store_id}/run", store_action(run_now), methods=["POST"]),
    Route("/dashboard/stores/{store_id}/costs", costs_form, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/costs", store_upload(costs_upload), methods=["POST"]),
    Route("/dashboard/stores/{store_id}/costs.csv", costs_csv, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/decisions/review", store_action(review_bulk), methods=["POST"]),
    Route("/dashboard/stores/{store_id}/decisions/{decision_id}/{verb:str}",
          store_action(review_one), methods=["POST"]),
    Route("/operator/login", operator_login_form, methods=["GET"]),
    Route("/operator/login", operator_login, methods=["POST"]),
    Route("/operator", operator, methods=["GET"]),
]

__all__ = ["routes"]
