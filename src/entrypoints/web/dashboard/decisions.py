"""Decision history: the page (by status) and its CSV download with every explanation."""

from __future__ import annotations

from decimal import Decimal

from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.dashboard.access import store_page
from entrypoints.web.dashboard.tables import cell, csv_download
from entrypoints.web.explanations import explain_line
from entrypoints.web.formatting import to_store_time
from entrypoints.web.i18n import label, translator
from entrypoints.web.pages import language, render
from entrypoints.web.state import web_state
from entrypoints.web.views import decision_view
from pricing_core.decision import DecisionStatus
from pricing_core.ports import scope_of
from pricing_core.stores import Store


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
                    d.change_pct.quantize(Decimal("0.01")), cell(d.margin_pct_after), label(lang, "risk", d.risk),
                    label(lang, "status", r.status), " | ".join(explain_line(x, lang)[0] for x in d.explanation)])
    return csv_download(out, f"decisions-{store.store_id}.csv")


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


__all__ = ["decisions", "decisions_csv"]
