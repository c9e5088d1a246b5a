"""One product's page: its current price, its decisions and its price history."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.catalog_view import fresh_price
from entrypoints.web.dashboard.access import not_found, store_page
from entrypoints.web.pages import render
from entrypoints.web.state import web_state
from entrypoints.web.views import decision_view
from pricing_core.decision import DecisionStatus
from pricing_core.ports import scope_of
from pricing_core.stores import Store


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
        return not_found(request)
    applied = [r for r in records if r.status is DecisionStatus.APPLIED]
    latest_applied = max(applied, key=lambda r: r.updated_at, default=None)
    current = fresh_price(snapshot, latest_applied) if snapshot is not None else None
    return render(request, "product.html", {
        "store": store, "product": snapshot, "product_id": product_id, "current_price": current,
        "decisions": [decision_view(r) for r in records], "history": history, "section": "decisions",
    })


__all__ = ["product"]
