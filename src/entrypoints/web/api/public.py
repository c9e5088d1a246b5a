"""The endpoints that answer without a token: health (for load balancers), metrics, the OpenAPI document."""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from entrypoints.web.openapi import openapi_document
from entrypoints.web.state import queue_depth, queue_ping, web_state


def health(request: Request) -> Response:
    """Database and broker checked; 200 when both answer, 503 otherwise."""
    web = web_state(request)
    checks: dict[str, dict[str, Any]] = {}
    try:
        with web.services.uow_factory() as uow:
            uow.system_settings.get("health_check")
        checks["database"] = {"ok": True}
    except Exception as exc:  # report, never raise: /health must answer
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    try:
        broker_ok = queue_ping(web.queue)
        checks["broker"] = {"ok": broker_ok, "queue_depth": queue_depth(web.queue)}
    except Exception as exc:
        checks["broker"] = {"ok": False, "error": type(exc).__name__}
    ok = all(c["ok"] for c in checks.values())
    return JSONResponse({"status": "ok" if ok else "degraded", **checks}, status_code=200 if ok else 503)


def metrics(request: Request) -> Response:
    """Prometheus exposition: the web app's own metrics, then the process registry (the broker's)."""
    registry = web_state(request).metrics.registry
    return Response(generate_latest(registry) + generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def openapi(request: Request) -> Response:
    """The OpenAPI document of this JSON API."""
    return JSONResponse(openapi_document(web_state(request).config.public_url))


__all__ = ["health", "metrics", "openapi"]
