"""The merchant dashboard and the operator view: server-rendered, usable without JavaScript.

Every store page lives under ``/dashboard/stores/{store_id}``. A merchant session sees its own
store only; any other store id answers 404, exactly like a store that does not exist, so a
merchant cannot even learn which ids are taken. Every POST carries the session's CSRF token.
"""

from __future__ import annotations

import base64
import csv
import enum
import io
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

import attrs
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from adapters.cost_sheet import read_sheet, write_sheet
from entrypoints.web.catalog_view import (
    CATALOG_PER_PAGE,
    CATALOG_SORTS,
    POSITIONS,
    CatalogFilter,
    catalog_rows,
    fresh_price,
)
from entrypoints.web.explanations import explain_line
from entrypoints.web.formatting import to_store_time
from entrypoints.web.forms import FormRejected, read_text_form, read_upload_form
from entrypoints.web.i18n import LANGUAGES, label, translator
from entrypoints.web.pages import flash, language, render, render_error, render_sign_in
from entrypoints.web.security import (
    bearer_ok,
    csrf_ok,
    is_operator,
    may_see_store,
    merchant_store,
    same_secret,
    start_operator_session,
)
from entrypoints.web.settings_text import GROUPS, choice_label, field_help, field_label, merchant_errors
from entrypoints.web.state import queue_depth, web_state
from entrypoints.web.views import decision_view, run_view, store_summary
from entrypoints.web.work_view import work_summary
from pricing_core.activity import ActivityType
from pricing_core.commands import SweepStoreNow
from pricing_core.decision import DecisionRecord, DecisionStatus, RiskLevel
from pricing_core.errors import DecisionNotFound, InvalidTransition
from pricing_core.overrides import ProductOverride
from pricing_core.ports import scope_of
from pricing_core.runs import RunStatus
from pricing_core.schedule import takes_scheduled_runs
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

# Repeated "Run now" clicks within this window start one run.
RUN_NOW_WINDOW = timedelta(seconds=60)
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
        if _signed_out(request):
            return render_sign_in(request)
        store = await run_in_threadpool(_visible_store, request)
        if store is None:
            return _not_found(request)
        if not csrf_ok(request, form.get("csrf_token")):
            return render_error(request, 403, "form_expired", "form_expired_text")
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
    return render_error(request, exc.status, "form_not_accepted", str(exc))


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


# ---------------------------------------------------------------------------------------------
# Store pages


@store_page
def overview(request: Request, store: Store) -> Response:
    """Store, token health, automation mode, last runs and their counts."""
    web = web_state(request)
    s = web.services
    summary = store_summary(s.uow_factory, store, s.clock.now(),
                            threshold_hours=web.config.token_refresh_threshold_hours)
    now = s.clock.now()
    with s.uow_factory(store.store_id) as uow:
        scope = scope_of(uow)
        recent_runs = scope.runs.recent(limit=10)
        runs = [run_view(r) for r in recent_runs]
        pending = scope.decisions.count(status=DecisionStatus.PENDING)
        applied = scope.decisions.count(status=DecisionStatus.APPLIED)
        products = scope.products.count()
        settings = scope.settings.get()
        rows = catalog_rows(scope, settings.vat_fraction)
        week = [r for r in scope.decisions.list(status=DecisionStatus.APPLIED, limit=max(applied, 1))
                if now - r.updated_at <= timedelta(days=7)]
    positions = {p: sum(1 for r in rows if r["position"] == p) for p in POSITIONS}
    average = (sum((abs(r.decision.change_pct) for r in week), Decimal(0)) / len(week)) if week else None
    last_started = recent_runs[0].started_at if recent_runs else None
    next_run = (last_started + timedelta(hours=settings.update_frequency_hours)
                if last_started is not None and takes_scheduled_runs(store, settings) else None)
    return render(request, "overview.html", {
        "store": store, "summary": summary, "runs": runs, "pending": pending, "applied": applied,
        "products": products, "section": "overview", "positions": positions, "applied_week": len(week),
        "average_change": average, "no_cost": sum(1 for r in rows if r["cost"] is None), "next_run": next_run,
    })


APPROVALS_PER_PAGE = 50
RISK_FILTERS = tuple(r.value for r in RiskLevel)
# Size of change in percent: (lowest included, highest excluded).
SIZE_FILTERS: dict[str, tuple[Decimal, Decimal | None]] = {
    "small": (Decimal(0), Decimal(5)), "medium": (Decimal(5), Decimal(15)), "large": (Decimal(15), None),
}
SORTS = ("impact", "change", "name", "newest")


@attrs.frozen
class ApprovalsFilter:
    """What the approvals page shows: risk, size of change, order. The same filter drives "select all"."""

    risk: str = ""
    size: str = ""
    sort: str = "impact"

    @classmethod
    def read(cls, source: Mapping[str, Any]) -> ApprovalsFilter:
        """From query parameters or a form; unknown values fall back to "all" and "impact"."""
        risk, size, sort = (str(source.get(k) or "") for k in ("risk", "size", "sort"))
        return cls(risk=risk if risk in RISK_FILTERS else "", size=size if size in SIZE_FILTERS else "",
                   sort=sort if sort in SORTS else "impact")

    def query(self) -> str:
        """The filter as a query string (for links that keep it); empty for the default view."""
        pairs = {"risk": self.risk, "size": self.size, "sort": "" if self.sort == "impact" else self.sort}
        return urlencode({k: v for k, v in pairs.items() if v})

    def matches(self, record: DecisionRecord) -> bool:
        d = record.decision
        if self.risk and d.risk.value != self.risk:
            return False
        if self.size:
            low, high = SIZE_FILTERS[self.size]
            change = abs(d.change_pct)
            if change < low or (high is not None and change >= high):
                return False
        return True

    def order(self, records: list[DecisionRecord]) -> list[DecisionRecord]:
        if self.sort == "change":
            return sorted(records, key=lambda r: abs(r.decision.change_pct), reverse=True)
        if self.sort == "name":
            return sorted(records, key=lambda r: (r.decision.name or r.decision.product_id).casefold())
        if self.sort == "newest":
            return sorted(records, key=lambda r: r.created_at, reverse=True)
        # Impact: the amount the price moves, largest first (what a wrong approval would cost per sale).
        return sorted(records, key=lambda r: abs(r.decision.suggested_price - r.decision.old_price), reverse=True)


def _pending_matching(request: Request, store: Store, selection: ApprovalsFilter) -> list[DecisionRecord]:
    """Every pending decision of the store that the filter matches, in the filter's order.

    All pending decisions are read (at most one per product), then filtered and sorted here: the
    decision port filters by status only, and a store's pending list is bounded by its catalog.
    """
    with web_state(request).services.uow_factory(store.store_id) as uow:
        scope = scope_of(uow)
        total = scope.decisions.count(status=DecisionStatus.PENDING)
        records = scope.decisions.list(status=DecisionStatus.PENDING, limit=max(total, 1))
    return selection.order([r for r in records if selection.matches(r)])


def _page_number(raw: object, pages: int) -> int:
    text = str(raw or "1")
    number = int(text) if text.isdigit() else 1
    return min(max(number, 1), max(pages, 1))


@store_page
def approvals(request: Request, store: Store) -> Response:
    """Pending approvals: filters, sort by impact, pages, approve/reject per row and in bulk."""
    selection = ApprovalsFilter.read(request.query_params)
    matching = _pending_matching(request, store, selection)
    pages = max(1, -(-len(matching) // APPROVALS_PER_PAGE))
    page = _page_number(request.query_params.get("page"), pages)
    shown = matching[(page - 1) * APPROVALS_PER_PAGE: page * APPROVALS_PER_PAGE]
    return render(request, "approvals.html", {
        "store": store, "decisions": [decision_view(r) for r in shown], "section": "approvals",
        "filter": selection, "matching": len(matching), "page": page, "pages": pages,
        "risks": RISK_FILTERS, "sizes": tuple(SIZE_FILTERS), "sorts": SORTS,
    })


def _catalog_matching(request: Request, store: Store, selection: CatalogFilter) -> list[dict[str, Any]]:
    with web_state(request).services.uow_factory(store.store_id) as uow:
        scope = scope_of(uow)
        rows = catalog_rows(scope, scope.settings.get().vat_fraction)
    return selection.order([r for r in rows if selection.matches(r)])


@store_page
def catalog(request: Request, store: Store) -> Response:
    """Every product: fresh price, cost, margin, lowest competitor, position, last change, pending change."""
    selection = CatalogFilter.read(request.query_params)
    matching = _catalog_matching(request, store, selection)
    pages = max(1, -(-len(matching) // CATALOG_PER_PAGE))
    page = _page_number(request.query_params.get("page"), pages)
    return render(request, "catalog.html", {
        "store": store, "rows": matching[(page - 1) * CATALOG_PER_PAGE: page * CATALOG_PER_PAGE],
        "matching": len(matching), "page": page, "pages": pages, "filter": selection,
        "positions": POSITIONS, "sorts": CATALOG_SORTS, "section": "catalog",
    })


def _csv(rows: list[list[object]], filename: str) -> Response:
    """A CSV download, UTF-8 with a byte-order mark so that Excel reads Arabic names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(rows)
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@store_page
def catalog_csv(request: Request, store: Store) -> Response:
    """The catalog view as CSV: what is filtered is what is exported, every page of it."""
    t = translator(language(request))
    lang = language(request)
    rows = _catalog_matching(request, store, CatalogFilter.read(request.query_params))
    out: list[list[object]] = [[t("product_id"), "SKU", t("product"), t("price"), t("currency"), t("cost"),
                                t("margin"), t("lowest_competitor"), t("competitor"), t("position"),
                                t("last_change"), t("pending_price")]]
    for r in rows:
        out.append([r["id"], r["sku"] or "", r["name"], r["price"], r["currency"], _cell(r["cost"]),
                    _cell(r["margin"]), _cell(r["lowest"]), r["lowest_competitor"] or "",
                    label(lang, "position", r["position"]),
                    to_store_time(r["last_change"]).isoformat() if r["last_change"] else "",  # type: ignore[union-attr]
                    _cell(r["pending"])])
    return _csv(out, f"catalog-{store.store_id}.csv")


def _cell(value: object) -> object:
    return "" if value is None else value


@store_page
def decisions_csv(request: Request, store: Store) -> Response:
    """Decision history as CSV (the status filter of the page applies), newest first, with the explanation."""
    lang = language(request)
    t = translator(lang)
    raw = request.query_params.get("status") or None
    status = DecisionStatus(raw) if raw in {s.value for s in DecisionStatus} else None
    with web_state(request).services.uow_factory(store.store_id) as uow:
        scope = scope_of(uow)
        total = scope.decisions.count(status=status)
        records = scope.decisions.list(status=status, limit=max(total, 1))
    out: list[list[object]] = [[t("when"), t("product_id"), "SKU", t("product"), t("old_price"), t("new_price"),
                                t("currency"), t("change"), t("margin_after"), t("risk"), t("status"),
                                t("explanation")]]
    for r in records:
        d = r.decision
        out.append([to_store_time(r.created_at).isoformat(),  # type: ignore[union-attr]
                    d.product_id, d.sku or "", d.name, d.old_price, d.suggested_price, d.currency,
                    d.change_pct.quantize(Decimal("0.01")), _cell(d.margin_pct_after), label(lang, "risk", d.risk),
                    label(lang, "status", r.status), " | ".join(explain_line(x, lang)[0] for x in d.explanation)])
    return _csv(out, f"decisions-{store.store_id}.csv")


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
    applied = [r for r in records if r.status is DecisionStatus.APPLIED]
    latest_applied = max(applied, key=lambda r: r.updated_at, default=None)
    current = fresh_price(snapshot, latest_applied) if snapshot is not None else None
    return render(request, "product.html", {
        "store": store, "product": snapshot, "product_id": product_id, "current_price": current,
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


def _settings_groups(values: dict[str, str], errors: dict[str, str], lang: str) -> list[dict[str, Any]]:
    """The settings form's groups (guardrails, strategy, ...), each field with its label, help and error."""
    groups = []
    for key, title, names in GROUPS:
        fields = []
        for name in names:
            kind, options, optional = _field_kind(name)
            fields.append({
                "name": name, "kind": kind, "optional": optional,
                "options": [(o, choice_label(name, o, lang)) for o in options],
                "value": values.get(name, ""), "error": errors.get(name),
                "label": field_label(name, lang), "help": field_help(name, lang),
            })
        groups.append({"key": key, "title": title.get(lang) or title["en"], "fields": fields,
                       "has_error": any(f["error"] for f in fields)})
    return groups


@store_page
def settings_form(request: Request, store: Store) -> Response:
    """The settings form with the current values."""
    with web_state(request).services.uow_factory(store.store_id) as uow:
        current = scope_of(uow).settings.get()
    values = {name: _form_value(getattr(current, name)) for name in TenantSettings.model_fields}
    return render(request, "settings.html", {
        "store": store, "groups": _settings_groups(values, {}, language(request)), "section": "settings",
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
        lang = language(request)
        with s.uow_factory(store.store_id) as uow:
            current = scope_of(uow).settings.get()
        values = {name: _form_value(getattr(current, name)) for name in TenantSettings.model_fields}
        values.update(raw)
        errors = merchant_errors(exc.errors(), lang, strategy=values.get("strategy"))
        # An error no field owns is shown at the top; the rest sit next to their field.
        stray = [m for f, m in errors.items() if f not in TenantSettings.model_fields]
        return render(request, "settings.html", {
            "store": store, "groups": _settings_groups(values, errors, lang), "form_error": "fix_errors",
            "stray_errors": stray, "section": "settings",
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
    now = web.services.clock.now()
    if not store.is_active:
        flash(request, "store_inactive", "error")
    elif _run_recently_requested(request, store, now):
        flash(request, "run_already_queued")
    else:
        web.run_requests[store.store_id] = now
        web.queue.dispatch(SweepStoreNow(store_id=store.store_id))
        flash(request, "run_enqueued")
    return RedirectResponse(f"/dashboard/stores/{quote(store.store_id, safe='')}", status_code=303)


def _run_recently_requested(request: Request, store: Store, now: datetime) -> bool:
    """A "Run now" within :data:`RUN_NOW_WINDOW`, or a run of the store still running: no second run."""
    web = web_state(request)
    last = web.run_requests.get(store.store_id)
    if last is not None and now - last < RUN_NOW_WINDOW:
        return True
    with web.services.uow_factory(store.store_id) as uow:
        recent = scope_of(uow).runs.recent(limit=1)
    return bool(recent) and recent[0].status is RunStatus.RUNNING and now - recent[0].started_at < RUN_NOW_WINDOW


def _back(store: Store, form: FormData) -> RedirectResponse:
    target = str(form.get("next") or "approvals")
    page = target if target in ("approvals", "decisions") else "approvals"
    query = ApprovalsFilter.read(form).query() if page == "approvals" else ""
    return RedirectResponse(f"/dashboard/stores/{quote(store.store_id, safe='')}/{page}"
                            + (f"?{query}" if query else ""), status_code=303)


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
    except InvalidTransition:
        flash(request, "decision_not_pending", "error")
        return _back(store, form)
    flash(request, "decision_approved" if verb == "approve" else "decision_rejected")
    return _back(store, form)


def review_bulk(request: Request, store: Store, form: FormData) -> Response:
    """Approve or reject the checked decisions, or every one matching the filter, after a count confirmation.

    Without ``confirmed`` the answer is a page that names the count and asks again; "all matching"
    is recomputed from the filter at each step, so what is confirmed is what the filter holds now.
    """
    web = web_state(request)
    s = web.services
    verb = str(form.get("action", ""))
    if verb not in ("approve", "reject"):
        return render_error(request, 400, "unknown_action", "choose_approve_reject")
    selection = ApprovalsFilter.read(form)
    all_matching = form.get("scope") == "all"
    if all_matching:
        ids = [r.id for r in _pending_matching(request, store, selection)]
    else:
        ids = [str(v) for v in form.getlist("decision_id") if str(v)]
    if not ids:
        flash(request, "select_one", "error")
        return _back(store, form)
    if form.get("confirmed") != "yes":
        # An id that is not this store's answers 404 now, as it would on the confirmed request.
        with s.uow_factory(store.store_id) as uow:
            scope = scope_of(uow)
            if any(scope.decisions.get(i) is None for i in ids):
                return _not_found(request)
        return render(request, "confirm_bulk.html", {
            "store": store, "verb": verb, "count": len(ids), "all_matching": all_matching, "ids": ids,
            "filter": selection, "section": "approvals",
        })
    try:
        if verb == "approve":
            result = approve_decisions(s.uow_factory, web.queue, s.clock, store_id=store.store_id,
                                       decision_ids=ids, by=_who(request))
        else:
            result = reject_decisions(s.uow_factory, s.clock, store_id=store.store_id, decision_ids=ids,
                                      by=_who(request))
    except DecisionNotFound:
        return _not_found(request)
    flash(request, "bulk_approved" if verb == "approve" else "bulk_rejected", n=len(result.moved))
    if result.skipped:
        flash(request, "bulk_skipped", "error", n=len(result.skipped))
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


routes = [
    Route("/", landing, methods=["GET"]),
    Route("/lang/{code}", set_language, methods=["GET"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/dashboard", dashboard_home, methods=["GET"]),
    Route("/dashboard/stores/{store_id}", overview, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/approvals", approvals, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/decisions", decisions, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/decisions.csv", decisions_csv, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/catalog", catalog, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/catalog.csv", catalog_csv, methods=["GET"]),
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
