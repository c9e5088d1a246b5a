"""The OpenAPI 3.0 document of the JSON API, written by hand so it says exactly what the routes do.

One module per area of the API, each with its schemas and its paths: ``public`` (health,
metrics), ``stores``, ``decisions``, ``rules`` (pricing rules and product overrides), ``rollback``
(rolling a run back); the operator's ``/work`` summary is described next to its route (``work_view``);
``fragments`` holds what they share. The schemathesis suite
(tests/unit/entrypoints/test_web_schemathesis.py) checks every route against the document.
"""

from __future__ import annotations

from typing import Any

from entrypoints.web.openapi import decisions, public, rollback, rules, stores
from entrypoints.web.openapi.fragments import ERROR_SCHEMAS
from entrypoints.web.work_view import OPENAPI_PATH as WORK_PATH

# In the order the document has always listed them (the order API browsers show).
SCHEMAS: dict[str, Any] = {**ERROR_SCHEMAS, **stores.SCHEMAS, **decisions.SCHEMAS, **rules.SCHEMAS, **public.SCHEMAS,
                           **rollback.SCHEMAS}
PATHS: dict[str, Any] = {**public.PATHS, **stores.PATHS, **decisions.PATHS, **rules.PATHS, "/work": WORK_PATH,
                         **decisions.REVIEW_PATHS, **rollback.PATHS}


def openapi_document(server_url: str) -> dict[str, Any]:
    """The document, with ``server_url`` as its server."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Salla Price Optimizer admin API",
            "version": "1.0.0",
            "description": "Operate the optimizer: stores, token health, runs and pricing decisions. "
            "Authenticate with `Authorization: Bearer $ADMIN_API_TOKEN`.",
        },
        "servers": [{"url": server_url.rstrip("/") or "/"}],
        "components": {
            "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": PATHS,
    }


__all__ = ["SCHEMAS", "openapi_document"]
