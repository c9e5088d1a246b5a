"""The catalog page: every product with its fresh price, cost, margin and market position; and its CSV."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.catalog_view import CATALOG_PER_PAGE, CATALOG_SORTS, POSITIONS, CatalogFilter, catalog_rows
from entrypoints.web.dashboard.access import store_page
from entrypoints.web.dashboard.tables import cell, csv_download, page_number
from entrypoints.web.formatting import to_store_time
from entrypoints.web.i18n import label, translator
from entrypoints.web.pages import language, render
from entrypoints.web.state import web_state
from pricing_core.catalog import Product, group_choices
from pricing_core.ports import scope_of
from pricing_core.stores import Store


def _catalog_all(request: Request, store: Store) -> list[dict[str, Any]]:
    with web_state(request).services.uow_factory(store.store_id) as uow:
        scope = scope_of(uow)
        return catalog_rows(scope, scope.settings.get().vat_fraction)


def _catalog_matching(request: Request, store: Store, selection: CatalogFilter) -> list[dict[str, Any]]:
    return selection.order([r for r in _catalog_all(request, store) if selection.matches(r)])


def _choices(rows: list[dict[str, Any]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The catalog rows' categories and brands as (id, name) filter choices."""
    return group_choices(Product(id=r["id"], price=r["price"], categories=r["categories"], brand=r["brand"],
                                 category_names=r["category_names"], brand_name=r["brand_name"]) for r in rows)


@store_page
def catalog(request: Request, store: Store) -> Response:
    """Every product: fresh price, cost, margin, lowest competitor, position, last change, pending change."""
    selection = CatalogFilter.read(request.query_params)
    rows = _catalog_all(request, store)
    matching = selection.order([r for r in rows if selection.matches(r)])
    pages = max(1, -(-len(matching) // CATALOG_PER_PAGE))
    page = page_number(request.query_params.get("page"), pages)
    return render(request, "catalog.html", {
        "store": store, "rows": matching[(page - 1) * CATALOG_PER_PAGE: page * CATALOG_PER_PAGE],
        "matching": len(matching), "page": page, "pages": pages, "filter": selection,
        "positions": POSITIONS, "sorts": CATALOG_SORTS, "section": "catalog",
        # The store's own categories and brands: (id, Salla's name, or the id when it gave none).
        "categories": _choices(rows)[0], "brands": _choices(rows)[1],
    })


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
        out.append([r["id"], r["sku"] or "", r["name"], r["price"], r["currency"], cell(r["cost"]),
                    cell(r["margin"]), cell(r["lowest"]), r["lowest_competitor"] or "",
                    label(lang, "position", r["position"]),
                    to_store_time(r["last_change"]).isoformat() if r["last_change"] else "",  # type: ignore[union-attr]
                    cell(r["pending"])])
    return csv_download(out, f"catalog-{store.store_id}.csv")


__all__ = ["catalog", "catalog_csv"]
