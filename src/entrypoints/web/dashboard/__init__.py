"""The merchant dashboard and the operator view: server-rendered, usable without JavaScript.

Every store page lives under ``/dashboard/stores/{store_id}`` and goes through the wrappers of
``access`` (a merchant sees only its own store; every POST carries the session's CSRF token).
One module per page: ``overview``, ``approvals`` (with approving and rejecting), ``decisions``,
``catalog``, ``product``, ``activity``, ``settings``, ``costs``, ``runs`` ("Run now"), ``run_page``
(one run: what it changed, and its rollback), and
``operator_view``; ``landing`` is the way in and out, ``tables`` the paging and CSV downloads the
long lists share. The rule editor and the unpriceable list are in ``entrypoints.web.rule_pages``.
This module holds the route table.
"""

from __future__ import annotations

from starlette.routing import Route

from entrypoints.web.dashboard import (
    activity,
    approvals,
    catalog,
    costs,
    decisions,
    landing,
    operator_view,
    overview,
    product,
    run_page,
    runs,
    settings,
)
from entrypoints.web.dashboard.access import store_action, store_page, store_upload

routes = [
    Route("/", landing.landing, methods=["GET"]),
    Route("/lang/{code}", landing.set_language, methods=["GET"]),
    Route("/logout", landing.logout, methods=["POST"]),
    Route("/dashboard", landing.dashboard_home, methods=["GET"]),
    Route("/dashboard/stores/{store_id}", overview.overview, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/approvals", approvals.approvals, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/decisions", decisions.decisions, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/decisions.csv", decisions.decisions_csv, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/catalog", catalog.catalog, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/catalog.csv", catalog.catalog_csv, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/products/{product_id}/history.csv", product.price_history_csv,
          methods=["GET"]),
    Route("/dashboard/stores/{store_id}/products/{product_id}", product.product, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/activity", activity.activity, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/settings", settings.settings_form, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/settings", store_action(settings.save_settings), methods=["POST"]),
    Route("/dashboard/stores/{store_id}/settings/test-alert", store_action(settings.send_test), methods=["POST"]),
    Route("/dashboard/stores/{store_id}/run", store_action(runs.run_now), methods=["POST"]),
    Route("/dashboard/stores/{store_id}/runs/{run_id}", run_page.run_page, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/runs/{run_id}/rollback", run_page.rollback_preview, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/runs/{run_id}/rollback", store_action(run_page.rollback_action),
          methods=["POST"]),
    Route("/dashboard/stores/{store_id}/costs", costs.costs_form, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/costs",
          store_upload(costs.costs_upload, file_field="sheet", limit=costs.MAX_UPLOAD_BYTES), methods=["POST"]),
    Route("/dashboard/stores/{store_id}/costs.csv", costs.costs_csv, methods=["GET"]),
    Route("/dashboard/stores/{store_id}/decisions/review", store_action(approvals.review_bulk), methods=["POST"]),
    Route("/dashboard/stores/{store_id}/decisions/{decision_id}/{verb:str}",
          store_action(approvals.review_one), methods=["POST"]),
    Route("/operator/login", operator_view.operator_login_form, methods=["GET"]),
    Route("/operator/login", operator_view.operator_login, methods=["POST"]),
    Route("/operator", operator_view.operator, methods=["GET"]),
]

# ``store_action`` and ``store_page`` stay importable from here (the rule editor uses them).
__all__ = ["routes", "store_action", "store_page"]
