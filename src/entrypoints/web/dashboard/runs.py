"""The "Run now" button: queue a manual sweep, once, however often it is clicked."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from entrypoints.web.pages import flash
from entrypoints.web.state import web_state
from pricing_core.commands import SweepStoreNow
from pricing_core.ports import scope_of
from pricing_core.runs import RunStatus
from pricing_core.stores import Store

# Repeated "Run now" clicks within this window start one run.
RUN_NOW_WINDOW = timedelta(seconds=60)


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


__all__ = ["RUN_NOW_WINDOW", "run_now"]
