"""The admin JSON API (``Authorization: Bearer $ADMIN_API_TOKEN``), health, metrics and the OpenAPI document.

One module per resource: ``stores``, ``decisions``, ``rules``, ``overrides``, ``rollback`` (of a
run); ``public`` holds
the endpoints that need no token. Every refusal has the shape of ``errors``; ``access`` is the
bearer guard, ``json_body`` reads a body within the size cap. This module holds the route table;
the document that describes it is ``entrypoints.web.openapi``.
"""

from __future__ import annotations

from starlette.routing import Route

from entrypoints.web.api import decisions, overrides, public, rollback, rules, stores

routes = [
    Route("/health", public.health, methods=["GET"]),
    Route("/metrics", public.metrics, methods=["GET"]),
    Route("/openapi.json", public.openapi, methods=["GET"]),
    Route("/stores", stores.list_stores, methods=["GET"]),
    Route("/stores/{store_id}", stores.get_store, methods=["GET"]),
    Route("/stores/{store_id}/optimize", stores.optimize_store, methods=["POST"]),
    Route("/stores/{store_id}/decisions", decisions.list_decisions, methods=["GET"]),
    Route("/stores/{store_id}/decisions/approve", decisions.approve_bulk, methods=["POST"]),
    Route("/stores/{store_id}/decisions/reject", decisions.reject_bulk, methods=["POST"]),
    Route("/stores/{store_id}/decisions/{decision_id}/approve", decisions.approve_one, methods=["POST"]),
    Route("/stores/{store_id}/decisions/{decision_id}/reject", decisions.reject_one, methods=["POST"]),
    Route("/stores/{store_id}/rules", rules.rules, methods=["GET", "PUT"]),
    Route("/stores/{store_id}/overrides/{product_id}", overrides.override, methods=["GET", "PUT", "DELETE"]),
    Route("/stores/{store_id}/runs/{run_id}/rollback", rollback.rollback, methods=["POST"]),
]

__all__ = ["routes"]
