"""The costs page: upload a cost sheet, preview what changes (and every rejected line), apply all or nothing."""

from __future__ import annotations

import base64
from urllib.parse import quote

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from adapters.cost_sheet import read_sheet, write_sheet
from entrypoints.web.dashboard.access import store_page
from entrypoints.web.pages import render
from entrypoints.web.state import web_state
from pricing_core.overrides import ProductOverride
from pricing_core.stores import Store
from pricing_core.usecases.cost_import import EXPORT_COLUMNS, CostImport, SheetError, export_costs, import_costs

# A cost sheet uploaded through the dashboard (about 100,000 lines); the CLI takes larger ones.
MAX_SHEET_BYTES = 5 * 1024 * 1024
# The upload form's cap is twice the sheet's: the apply step posts the previewed sheet back, base64-encoded.
MAX_UPLOAD_BYTES = 2 * MAX_SHEET_BYTES


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


__all__ = ["MAX_SHEET_BYTES", "MAX_UPLOAD_BYTES", "costs_csv", "costs_form", "costs_upload"]
