"""The part of the document for the endpoints that need no token: health and metrics."""

from __future__ import annotations

from typing import Any

from entrypoints.web.openapi.fragments import json_response

SCHEMAS: dict[str, Any] = {
    "Health": {
        "type": "object",
        "required": ["status", "database", "broker"],
        "properties": {
            "status": {"type": "string", "enum": ["ok", "degraded"]},
            "database": {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}},
            "broker": {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}},
        },
    },
}

PATHS: dict[str, Any] = {
    "/health": {
        "get": {
            "summary": "Database and broker health",
            "operationId": "health",
            "security": [],
            "responses": {
                "200": json_response("#/components/schemas/Health", "Healthy"),
                "503": json_response("#/components/schemas/Health", "Degraded"),
            },
        }
    },
    "/metrics": {
        "get": {
            "summary": "Prometheus metrics",
            "operationId": "metrics",
            "security": [],
            "responses": {"200": {"description": "Exposition format",
                                  "content": {"text/plain": {"schema": {"type": "string"}}}}},
        }
    },
}


__all__ = ["PATHS", "SCHEMAS"]
