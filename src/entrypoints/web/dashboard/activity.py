"""A store's activity log page, filterable by type."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.dashboard.access import store_page
from entrypoints.web.pages import render
from entrypoints.web.state import web_state
from pricing_core.activity import ActivityType
from pricing_core.ports import scope_of
from pricing_core.stores import Store


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


__all__ = ["activity"]
