"""A store's overview page: token health, automation mode, market position, last runs and what is pending."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.catalog_view import POSITIONS, catalog_rows
from entrypoints.web.dashboard.access import store_page
from entrypoints.web.pages import render
from entrypoints.web.state import web_state
from entrypoints.web.views import run_view, store_summary
from pricing_core.decision import DecisionStatus
from pricing_core.ports import scope_of
from pricing_core.schedule import takes_scheduled_runs
from pricing_core.stores import Store


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


__all__ = ["overview"]
