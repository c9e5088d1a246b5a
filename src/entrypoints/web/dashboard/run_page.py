"""One run's page (what it changed) and its rollback: a preview, then one confirmed POST.

``/dashboard/stores/{store_id}/runs/{run_id}`` lists the prices the run changed, each with its
rollback state. ``.../rollback`` (GET) is a dry run: what a rollback would restore, what needs the
merchant's confirmation (a previous price that breaks one of today's guards), what is left and
why; its form POSTs (with the session's CSRF token) to the same path, which rolls back and shows
what happened. ``?decision=ID`` (repeatable) narrows both to some changes of the run.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.dashboard.access import not_found, store_page, who
from entrypoints.web.pages import render, render_error
from entrypoints.web.state import web_state
from entrypoints.web.views import run_view
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.errors import DecisionNotFound, RunNotFound, SallaError, StoreBusy, TokenRevoked
from pricing_core.ports import scope_of
from pricing_core.rollback import RollbackOutcome, RollbackReport
from pricing_core.stores import Store
from pricing_core.usecases.rollback import rollback_run, rollback_status

# The run page lists at most this many changes (a rollback covers all of them).
MAX_SHOWN = 500
_LISTING_PAGE = 500


def _run_decisions(request: Request, store: Store, run_id: str) -> tuple[Any, list[DecisionRecord]]:
    """The run (None when retention removed it) and its decisions, newest first."""
    with web_state(request).services.uow_factory(store.store_id) as uow:
        scope = scope_of(uow)
        run = scope.runs.get(run_id)
        records: list[DecisionRecord] = []
        while True:
            page = scope.decisions.list(run_id=run_id, limit=_LISTING_PAGE, offset=len(records))
            records.extend(page)
            if len(page) < _LISTING_PAGE:
                break
    return run, records


@store_page
def run_page(request: Request, store: Store) -> Response:
    """One run: its counters, the prices it changed (and whether each was rolled back), its other decisions."""
    run_id = request.path_params["run_id"]
    run, records = _run_decisions(request, store, run_id)
    if run is None and not records:
        return not_found(request)
    applied = [r for r in records if r.status is DecisionStatus.APPLIED]
    markers = rollback_status(web_state(request).services.uow_factory, store.store_id, [r.id for r in applied])
    changes = [{
        "decision_id": r.id, "product_id": r.decision.product_id, "name": r.decision.name or r.decision.product_id,
        "previous": r.decision.old_price, "set": r.decision.suggested_price, "currency": r.decision.currency,
        "change_pct": r.decision.change_pct, "when": r.updated_at,
        "rollback": markers[r.id].status.value if r.id in markers else None,
        "rollback_note": markers[r.id].error if r.id in markers else None,
    } for r in applied]
    others: dict[str, int] = {}
    for record in records:
        if record.status is not DecisionStatus.APPLIED:
            others[record.status.value] = others.get(record.status.value, 0) + 1
    open_changes = sum(1 for c in changes if c["rollback"] != DecisionStatus.APPLIED.value)
    return render(request, "run.html", {
        "store": store, "section": "overview", "run": run_view(run), "run_id": run_id,
        "started_at": run.started_at if run is not None else None, "changes": changes[:MAX_SHOWN],
        "changes_count": len(changes), "max_shown": MAX_SHOWN, "others": others, "open_changes": open_changes,
    })


def _report_page(request: Request, store: Store, report: RollbackReport, *, done: bool,
                 decision_ids: list[str]) -> Response:
    run_id = request.path_params["run_id"]
    with web_state(request).services.uow_factory(store.store_id) as uow:
        run = scope_of(uow).runs.get(run_id)
    groups = {outcome.value: report.of(outcome) for outcome in RollbackOutcome}
    return render(request, "rollback.html", {
        "store": store, "section": "overview", "run_id": run_id, "started_at": run.started_at if run else None,
        "report": report, "groups": groups, "done": done, "decision_ids": decision_ids,
        "restorable": report.would_restore + len(report.needs_confirmation),
    })


def _rollback(request: Request, store: Store, decision_ids: list[str], *, dry_run: bool,
              confirm: bool = False) -> Response:
    web = web_state(request)
    try:
        report = rollback_run(web.services, store.store_id, request.path_params["run_id"],
                              decision_ids=decision_ids or None, dry_run=dry_run, confirm_guard_breaks=confirm,
                              by=who(request), threshold_hours=web.config.token_refresh_threshold_hours)
    except (RunNotFound, DecisionNotFound):
        return not_found(request)
    except StoreBusy:
        return render_error(request, 409, "rollback_status", "rollback_busy")
    except TokenRevoked:
        return render_error(request, 409, "rollback_status", "rollback_not_connected")
    except SallaError:
        return render_error(request, 502, "rollback_status", "rollback_salla_error")
    return _report_page(request, store, report, done=not dry_run, decision_ids=decision_ids)


@store_page
def rollback_preview(request: Request, store: Store) -> Response:
    """What rolling the run back would do, read from Salla now; nothing changes until the form is sent."""
    ids = [str(v) for v in request.query_params.getlist("decision") if str(v)]
    return _rollback(request, store, ids, dry_run=True)


def rollback_action(request: Request, store: Store, form: FormData) -> Response:
    """Roll the run (or the listed changes of it) back, then show what was restored and what was left."""
    ids = [str(v) for v in form.getlist("decision_id") if str(v)]
    return _rollback(request, store, ids, dry_run=False, confirm=form.get("confirm_guard_breaks") == "yes")


__all__ = ["rollback_action", "rollback_preview", "run_page"]
