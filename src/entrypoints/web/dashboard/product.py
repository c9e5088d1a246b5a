"""One product's page: its price, competitor offers, price chart, demand curve, overrides and decisions."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.catalog_view import fresh_price
from entrypoints.web.dashboard.access import not_found, store_page
from entrypoints.web.dashboard.tables import csv_download
from entrypoints.web.formatting import to_store_time
from entrypoints.web.i18n import label, translator
from entrypoints.web.pages import language, render
from entrypoints.web.product_insights import (
    CHART_DAYS,
    demand_chart,
    demand_of,
    floor_of,
    offer_rows,
    price_chart,
    reason_text,
)
from entrypoints.web.state import web_state
from entrypoints.web.views import decision_view
from pricing_core.decision import DecisionStatus
from pricing_core.demand_history import DEMAND_WINDOW_DAYS
from pricing_core.event_time import SALLA_TZ
from pricing_core.ports import scope_of
from pricing_core.rules import resolve_settings
from pricing_core.stores import Store


@store_page
def product(request: Request, store: Store) -> Response:
    """One product: what the optimizer sees of it and what it decided."""
    product_id = request.path_params["product_id"]
    services = web_state(request).services
    now = services.clock.now()
    today = now.astimezone(SALLA_TZ).date()
    with services.uow_factory(store.store_id) as uow:
        scope = scope_of(uow)
        snapshot = scope.products.get(product_id)
        records = scope.decisions.list(product_id=product_id, limit=100)
        history = scope.price_history.for_product(product_id, limit=100)
        offers = scope.offers.latest([product_id]).get(product_id, [])
        settings = scope.settings.get()
        rules = scope.rules.list()
        override = scope.overrides.get_many([product_id]).get(product_id)
        sales = scope.sales.history(since=today - timedelta(days=DEMAND_WINDOW_DAYS), product_ids=[product_id])
    if snapshot is None and not records and not history:
        return not_found(request)
    applied = [r for r in records if r.status is DecisionStatus.APPLIED]
    latest_applied = max(applied, key=lambda r: r.updated_at, default=None)
    context: dict[str, object] = {
        "store": store, "product": snapshot, "product_id": product_id, "decisions": [decision_view(r) for r in records],
        "history": history, "section": "decisions", "override": override, "chart_days": CHART_DAYS,
    }
    if snapshot is not None:
        lang = language(request)
        t = translator(lang)
        current = fresh_price(snapshot, latest_applied)
        effective, _rule = resolve_settings(settings, rules, snapshot)
        rows = offer_rows(snapshot, offers, effective, now)
        for row in rows:
            row["reason_text"], row["reason_translated"] = reason_text(row["reason"], lang)
        lowest = min((r["offer"].price for r in rows if r["used"]), default=None)
        estimate = demand_of(snapshot, sales, history, today=today)
        context |= {
            "current_price": current,
            "offers": rows,
            "price_chart": price_chart(history, current, now=now, floor=floor_of(snapshot, effective), lowest=lowest,
                                       labels={"title": t("price_chart"), "floor": t("chart_floor"),
                                               "lowest": t("chart_lowest")}),
            "demand": estimate if estimate is not None and estimate.prior_share < 1 else None,
            "demand_chart": (demand_chart(estimate, snapshot, effective,
                                          {"title": t("demand_chart"), "today": t("chart_today"),
                                           "optimum": t("chart_optimum")})
                             if estimate is not None and estimate.prior_share < 1 else None),
        }
    return render(request, "product.html", context)


__all__ = ["product"]


# Every change a product's history keeps (the page shows the latest 100; the export gives them all).
_ALL_CHANGES = 100_000


@store_page
def price_history_csv(request: Request, store: Store) -> Response:
    """One product's price history as CSV, newest first: when (store time), price, currency, source."""
    product_id = request.path_params["product_id"]
    lang = language(request)
    t = translator(lang)
    with web_state(request).services.uow_factory(store.store_id) as uow:
        scope = scope_of(uow)
        snapshot = scope.products.get(product_id)
        history = scope.price_history.for_product(product_id, limit=_ALL_CHANGES)
    if snapshot is None and not history:
        return not_found(request)
    currency = snapshot.currency if snapshot is not None else ""
    rows: list[list[object]] = [[t("when"), t("product_id"), "SKU", t("product"), t("price"), t("currency"),
                                 t("source")]]
    for point in history:
        rows.append([to_store_time(point.changed_at).isoformat(),  # type: ignore[union-attr]
                     product_id, (snapshot.sku or "") if snapshot else "", snapshot.name if snapshot else "",
                     point.price, currency, label(lang, "source", point.source)])
    return csv_download(rows, f"price-history-{store.store_id}-{product_id}.csv")
