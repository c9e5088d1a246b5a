"""Pending approvals: the filtered, paged list, and approving or rejecting one decision or many at once."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

import attrs
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from entrypoints.web.dashboard.access import not_found, store_page, who
from entrypoints.web.dashboard.tables import page_number
from entrypoints.web.pages import flash, render, render_error
from entrypoints.web.state import web_state
from entrypoints.web.views import decision_view
from pricing_core.decision import DecisionRecord, DecisionStatus, RiskLevel
from pricing_core.errors import DecisionNotFound, InvalidTransition
from pricing_core.ports import scope_of
from pricing_core.stores import Store
from pricing_core.usecases.decisions import (
    approve_decision,
    approve_decisions,
    reject_decision,
    reject_decisions,
)

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


@store_page
def approvals(request: Request, store: Store) -> Response:
    """Pending approvals: filters, sort by impact, pages, approve/reject per row and in bulk."""
    selection = ApprovalsFilter.read(request.query_params)
    matching = _pending_matching(request, store, selection)
    pages = max(1, -(-len(matching) // APPROVALS_PER_PAGE))
    page = page_number(request.query_params.get("page"), pages)
    shown = matching[(page - 1) * APPROVALS_PER_PAGE: page * APPROVALS_PER_PAGE]
    return render(request, "approvals.html", {
        "store": store, "decisions": [decision_view(r) for r in shown], "section": "approvals",
        "filter": selection, "matching": len(matching), "page": page, "pages": pages,
        "risks": RISK_FILTERS, "sizes": tuple(SIZE_FILTERS), "sorts": SORTS,
    })


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
        return not_found(request)
    try:
        if verb == "approve":
            approve_decision(s.uow_factory, web.queue, s.clock, store_id=store.store_id,
                             decision_id=decision_id, by=who(request))
        else:
            reject_decision(s.uow_factory, s.clock, store_id=store.store_id, decision_id=decision_id,
                            by=who(request))
    except DecisionNotFound:
        return not_found(request)
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
                return not_found(request)
        return render(request, "confirm_bulk.html", {
            "store": store, "verb": verb, "count": len(ids), "all_matching": all_matching, "ids": ids,
            "filter": selection, "section": "approvals",
        })
    try:
        if verb == "approve":
            result = approve_decisions(s.uow_factory, web.queue, s.clock, store_id=store.store_id,
                                       decision_ids=ids, by=who(request))
        else:
            result = reject_decisions(s.uow_factory, s.clock, store_id=store.store_id, decision_ids=ids,
                                      by=who(request))
    except DecisionNotFound:
        return not_found(request)
    flash(request, "bulk_approved" if verb == "approve" else "bulk_rejected", n=len(result.moved))
    if result.skipped:
        flash(request, "bulk_skipped", "error", n=len(result.skipped))
    return _back(store, form)


__all__ = ["ApprovalsFilter", "approvals", "review_bulk", "review_one"]
