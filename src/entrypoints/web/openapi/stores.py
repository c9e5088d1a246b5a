"""The part of the document for stores: summaries with token health and last run, details, optimize now."""

from __future__ import annotations

from typing import Any

from entrypoints.web.openapi.fragments import (
    ADMIN,
    ERROR_REF,
    NOT_FOUND,
    NUM_OR_NULL,
    STORE_ID,
    STR_OR_NULL,
    UNAUTHORIZED,
    json_response,
)

SCHEMAS: dict[str, Any] = {
    "TokenHealth": {
        "type": "object",
        "required": ["healthy", "reason", "needs_refresh", "hours_until_expiry"],
        "properties": {
            "healthy": {"type": "boolean"},
            "reason": {"type": "string", "enum": ["Token valid", "Token expires soon", "Token expired", "No token"]},
            "needs_refresh": {"type": "boolean"},
            "hours_until_expiry": NUM_OR_NULL,
        },
    },
    "Run": {
        "type": "object",
        "nullable": True,
        "required": ["id", "store_id", "run_type", "status", "started_at"],
        "properties": {
            "id": {"type": "string"},
            "store_id": {"type": "string"},
            "run_type": {"type": "string", "enum": ["scheduled", "smart", "manual", "event"]},
            "status": {"type": "string", "enum": ["running", "completed", "failed"]},
            "started_at": {"type": "string", "format": "date-time"},
            "finished_at": {**STR_OR_NULL, "format": "date-time"},
            "duration_seconds": NUM_OR_NULL,
            "products_analyzed": {"type": "integer"},
            "products_updated": {"type": "integer"},
            "products_queued": {"type": "integer"},
            "products_skipped": {"type": "integer"},
            "error": STR_OR_NULL,
        },
    },
    "StoreSummary": {
        "type": "object",
        "required": [
            "store_id", "store_name", "is_active", "automation_mode", "token_health", "last_run", "pending_decisions",
        ],
        "properties": {
            "store_id": {"type": "string"},
            "store_name": {"type": "string"},
            "is_active": {"type": "boolean"},
            "plan": {"type": "string"},
            "currency": {"type": "string"},
            "automation_mode": {"type": "string", "enum": ["manual", "semi-auto", "full-auto"]},
            "installed_at": {**STR_OR_NULL, "format": "date-time"},
            "deactivated_at": {**STR_OR_NULL, "format": "date-time"},
            "deactivation_reason": STR_OR_NULL,
            "token_expires_at": {**STR_OR_NULL, "format": "date-time"},
            "token_health": {"$ref": "#/components/schemas/TokenHealth"},
            "last_run": {"$ref": "#/components/schemas/Run"},
            "pending_decisions": {"type": "integer", "minimum": 0},
            "store_events": {"$ref": "#/components/schemas/StoreEvents"},
            "store_events_gap": STR_OR_NULL,
        },
    },
    "StoreEvents": {
        "type": "object",
        "nullable": True,
        "description": "The last check of the store's store-event subscriptions (null: never checked).",
        "required": ["ok", "subscribed", "missing", "checked_at", "error", "scope_missing", "callback_url"],
        "properties": {
            "ok": {"type": "boolean"},
            "subscribed": {"type": "array", "items": {"type": "string"}},
            "missing": {"type": "array", "items": {"type": "string"}},
            "checked_at": {"type": "string", "format": "date-time"},
            "error": STR_OR_NULL,
            "scope_missing": {"type": "boolean"},
            "callback_url": {"type": "string"},
        },
    },
    "StoreDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/StoreSummary"},
            {
                "type": "object",
                "required": ["settings", "recent_runs", "decision_counts", "products"],
                "properties": {
                    "settings": {"type": "object"},
                    "recent_runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}},
                    "decision_counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "products": {"type": "integer", "minimum": 0},
                },
            },
        ]
    },
}

PATHS: dict[str, Any] = {
    "/stores": {
        "get": {
            "summary": "Every store with its token health and last run",
            "operationId": "listStores",
            "security": ADMIN,
            "responses": {
                "200": {
                    "description": "Stores",
                    "content": {"application/json": {"schema": {
                        "type": "object",
                        "required": ["stores", "count"],
                        "properties": {
                            "stores": {"type": "array",
                                       "items": {"$ref": "#/components/schemas/StoreSummary"}},
                            "count": {"type": "integer"},
                        },
                    }}},
                },
                "401": UNAUTHORIZED,
            },
        }
    },
    "/stores/{store_id}": {
        "get": {
            "summary": "One store in detail",
            "operationId": "getStore",
            "security": ADMIN,
            "parameters": [STORE_ID],
            "responses": {
                "200": json_response("#/components/schemas/StoreDetail", "The store"),
                "401": UNAUTHORIZED,
                "404": NOT_FOUND,
            },
        }
    },
    "/stores/{store_id}/optimize": {
        "post": {
            "summary": "Queue a manual sweep now",
            "operationId": "optimizeStore",
            "security": ADMIN,
            "parameters": [STORE_ID],
            "responses": {
                "202": {
                    "description": "Queued",
                    "content": {"application/json": {"schema": {
                        "type": "object",
                        "required": ["enqueued", "store_id"],
                        "properties": {"enqueued": {"type": "string"}, "store_id": {"type": "string"}},
                    }}},
                },
                "401": UNAUTHORIZED,
                "404": NOT_FOUND,
                "409": json_response(ERROR_REF, "The store is inactive"),
            },
        }
    },
}


__all__ = ["PATHS", "SCHEMAS"]
