"""The OpenAPI 3.0 document of the JSON API, written by hand so it says exactly what the routes do.

The schemathesis suite (tests/contract/test_web_openapi.py) checks every route against it.
"""

from __future__ import annotations

from typing import Any

from entrypoints.web.rule_views import AMOUNT_PATTERN
from entrypoints.web.work_view import OPENAPI_PATH
from pricing_core.decision import DecisionStatus

_STR_OR_NULL: dict[str, Any] = {"type": "string", "nullable": True}
_NUM_OR_NULL: dict[str, Any] = {"type": "number", "nullable": True}
_AMOUNT_OR_NULL: dict[str, Any] = {"type": "string", "nullable": True, "pattern": AMOUNT_PATTERN,
                                   "description": "Decimal amount as a string"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    },
    "TokenHealth": {
        "type": "object",
        "required": ["healthy", "reason", "needs_refresh", "hours_until_expiry"],
        "properties": {
            "healthy": {"type": "boolean"},
            "reason": {"type": "string", "enum": ["Token valid", "Token expires soon", "Token expired", "No token"]},
            "needs_refresh": {"type": "boolean"},
            "hours_until_expiry": _NUM_OR_NULL,
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
            "finished_at": {**_STR_OR_NULL, "format": "date-time"},
            "duration_seconds": _NUM_OR_NULL,
            "products_analyzed": {"type": "integer"},
            "products_updated": {"type": "integer"},
            "products_queued": {"type": "integer"},
            "products_skipped": {"type": "integer"},
            "error": _STR_OR_NULL,
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
            "installed_at": {**_STR_OR_NULL, "format": "date-time"},
            "deactivated_at": {**_STR_OR_NULL, "format": "date-time"},
            "deactivation_reason": _STR_OR_NULL,
            "token_expires_at": {**_STR_OR_NULL, "format": "date-time"},
            "token_health": {"$ref": "#/components/schemas/TokenHealth"},
            "last_run": {"$ref": "#/components/schemas/Run"},
            "pending_decisions": {"type": "integer", "minimum": 0},
            "store_events": {"$ref": "#/components/schemas/StoreEvents"},
            "store_events_gap": _STR_OR_NULL,
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
            "error": _STR_OR_NULL,
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
    "Decision": {
        "type": "object",
        "required": [
            "id", "store_id", "status", "product_id", "old_price", "suggested_price", "change_pct", "risk",
            "explanation",
        ],
        "properties": {
            "id": {"type": "string"},
            "store_id": {"type": "string"},
            "run_id": _STR_OR_NULL,
            "status": {"type": "string", "enum": [s.value for s in DecisionStatus]},
            "product_id": {"type": "string"},
            "sku": _STR_OR_NULL,
            "name": {"type": "string"},
            "old_price": {"type": "string", "description": "Decimal amount as a string"},
            "suggested_price": {"type": "string"},
            "cost_price": _STR_OR_NULL,
            "currency": {"type": "string"},
            "change_pct": {"type": "string"},
            "margin_pct_after": _STR_OR_NULL,
            "risk": {"type": "string", "enum": ["low", "medium", "high"]},
            "action": {"type": "string"},
            "strategy": {"type": "string"},
            "explanation": {"type": "array", "items": {"type": "string"}},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "decided_by": _STR_OR_NULL,
            "error": _STR_OR_NULL,
        },
    },
    "ReviewRequest": {
        "type": "object",
        "required": ["decision_ids"],
        "properties": {
            "decision_ids": {
                "type": "array", "minItems": 1, "maxItems": 500, "items": {"type": "string", "minLength": 1},
            }
        },
    },
    "ReviewResult": {
        "type": "object",
        "required": ["status", "moved", "skipped"],
        "properties": {
            "status": {"type": "string", "enum": ["approved", "rejected"]},
            "moved": {"type": "array", "items": {"type": "string"}},
            "skipped": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "RuleMatch": {
        "type": "object",
        "additionalProperties": False,
        "description": "Every non-empty field must match (any one value within a field); empty matches every product.",
        "properties": {
            **{name: {"type": "array", "maxItems": 500, "items": {"type": "string", "minLength": 1, "maxLength": 255}}
               for name in ("categories", "brands", "tags", "skus", "product_ids")},
            "price_min": {**_AMOUNT_OR_NULL, "description": "Today's price at least this"},
            "price_max": {**_AMOUNT_OR_NULL, "description": "Today's price at most this"},
        },
    },
    "PricingRule": {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "\\S"},
            "priority": {"type": "integer", "minimum": -1000, "maximum": 1000, "default": 0},
            "match": {"$ref": "#/components/schemas/RuleMatch"},
            "settings": {"type": "object", "description": "A partial store settings object (same keys as the "
                                                          "store's settings); validated, refused with the field named"},
        },
    },
    "Rules": {
        "type": "object",
        "additionalProperties": False,
        "required": ["rules"],
        "properties": {"rules": {"type": "array", "maxItems": 200,
                                 "items": {"$ref": "#/components/schemas/PricingRule"}}},
    },
    "ProductOverride": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "product_id": {"type": "string", "readOnly": True},
            "excluded": {"type": "boolean", "default": False, "description": "Never priced automatically"},
            "fixed_price": {**_AMOUNT_OR_NULL, "description": "Proposed as is; held below the floor or MAP"},
            "cost_price": {**_AMOUNT_OR_NULL, "description": "Takes precedence over Salla's cost"},
            "min_price": _AMOUNT_OR_NULL,
            "max_price": _AMOUNT_OR_NULL,
            "map_price": {**_AMOUNT_OR_NULL, "description": "Minimum advertised price: never priced below it"},
        },
    },
    "Invalid": {
        "type": "object",
        "required": ["error", "message", "errors"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                       "errors": {"type": "object", "additionalProperties": {"type": "string"}}},
    },
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


def _json(ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


_ERR = "#/components/schemas/Error"
_UNAUTHORIZED = _json(_ERR, "Missing or wrong bearer token")
_NOT_FOUND = _json(_ERR, "No such store (or decision)")
_STORE_ID = {"name": "store_id", "in": "path", "required": True, "schema": {"type": "string"}}
_PRODUCT_ID = {"name": "product_id", "in": "path", "required": True,
               "schema": {"type": "string", "minLength": 1, "maxLength": 64}}
_DECISION_ID = {"name": "decision_id", "in": "path", "required": True, "schema": {"type": "string"}}
_ADMIN: list[dict[str, list[str]]] = [{"adminToken": []}]


def _review_one(verb: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": f"{verb.capitalize()} one pending decision",
            "operationId": f"{verb}Decision",
            "security": _ADMIN,
            "parameters": [_STORE_ID, _DECISION_ID],
            "responses": {
                "200": _json("#/components/schemas/ReviewResult", f"Decision {verb}d"),
                "401": _UNAUTHORIZED,
                "404": _NOT_FOUND,
                "409": _json(_ERR, "The decision is not pending"),
            },
        }
    }


def _review_bulk(verb: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": f"{verb.capitalize()} many decisions (only pending ones move)",
            "operationId": f"{verb}Decisions",
            "security": _ADMIN,
            "parameters": [_STORE_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReviewRequest"}}},
            },
            "responses": {
                "200": _json("#/components/schemas/ReviewResult", "Reviewed"),
                "400": _json(_ERR, "Body is not JSON"),
                "401": _UNAUTHORIZED,
                "404": _NOT_FOUND,
                "422": _json(_ERR, "Body does not match ReviewRequest"),
            },
        }
    }


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
        "paths": {
            "/health": {
                "get": {
                    "summary": "Database and broker health",
                    "operationId": "health",
                    "security": [],
                    "responses": {
                        "200": _json("#/components/schemas/Health", "Healthy"),
                        "503": _json("#/components/schemas/Health", "Degraded"),
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
            "/stores": {
                "get": {
                    "summary": "Every store with its token health and last run",
                    "operationId": "listStores",
                    "security": _ADMIN,
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
                        "401": _UNAUTHORIZED,
                    },
                }
            },
            "/stores/{store_id}": {
                "get": {
                    "summary": "One store in detail",
                    "operationId": "getStore",
                    "security": _ADMIN,
                    "parameters": [_STORE_ID],
                    "responses": {
                        "200": _json("#/components/schemas/StoreDetail", "The store"),
                        "401": _UNAUTHORIZED,
                        "404": _NOT_FOUND,
                    },
                }
            },
            "/stores/{store_id}/optimize": {
                "post": {
                    "summary": "Queue a manual sweep now",
                    "operationId": "optimizeStore",
                    "security": _ADMIN,
                    "parameters": [_STORE_ID],
                    "responses": {
                        "202": {
                            "description": "Queued",
                            "content": {"application/json": {"schema": {
                                "type": "object",
                                "required": ["enqueued", "store_id"],
                                "properties": {"enqueued": {"type": "string"}, "store_id": {"type": "string"}},
                            }}},
                        },
                        "401": _UNAUTHORIZED,
                        "404": _NOT_FOUND,
                        "409": _json(_ERR, "The store is inactive"),
                    },
                }
            },
            "/stores/{store_id}/decisions": {
                "get": {
                    "summary": "A store's decisions, newest first",
                    "operationId": "listDecisions",
                    "security": _ADMIN,
                    "parameters": [
                        _STORE_ID,
                        {"name": "status", "in": "query", "required": False,
                         "schema": {"type": "string", "enum": [s.value for s in DecisionStatus]}},
                        {"name": "limit", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}},
                        {"name": "offset", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 0, "maximum": 1000000, "default": 0}},
                    ],
                    "responses": {
                        "200": {
                            "description": "Decisions",
                            "content": {"application/json": {"schema": {
                                "type": "object",
                                "required": ["decisions", "count", "limit", "offset"],
                                "properties": {
                                    "decisions": {"type": "array",
                                                  "items": {"$ref": "#/components/schemas/Decision"}},
                                    "count": {"type": "integer"},
                                    "limit": {"type": "integer"},
                                    "offset": {"type": "integer"},
                                },
                            }}},
                        },
                        "400": _json(_ERR, "Bad query parameter"),
                        "401": _UNAUTHORIZED,
                        "404": _NOT_FOUND,
                    },
                }
            },
            "/stores/{store_id}/rules": {
                "get": {
                    "summary": "The store's pricing rules, in the order they are tried",
                    "operationId": "getRules",
                    "security": _ADMIN,
                    "parameters": [_STORE_ID],
                    "responses": {"200": _json("#/components/schemas/Rules", "Rules"), "401": _UNAUTHORIZED,
                                  "404": _NOT_FOUND},
                },
                "put": {
                    "summary": "Replace the store's pricing rules (the whole, reordered list)",
                    "operationId": "putRules",
                    "security": _ADMIN,
                    "parameters": [_STORE_ID],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Rules"}}}},
                    "responses": {
                        "200": _json("#/components/schemas/Rules", "Saved; the rules as stored"),
                        "400": _json(_ERR, "Body is not JSON"),
                        "401": _UNAUTHORIZED,
                        "404": _NOT_FOUND,
                        "413": _json(_ERR, "Body too large"),
                        "422": _json("#/components/schemas/Invalid", "A rule is refused; errors name the field"),
                    },
                },
            },
            "/stores/{store_id}/overrides/{product_id}": {
                "parameters": [_STORE_ID, _PRODUCT_ID],
                "get": {
                    "summary": "One product's override",
                    "operationId": "getOverride",
                    "security": _ADMIN,
                    "responses": {"200": _json("#/components/schemas/ProductOverride", "The override"),
                                  "401": _UNAUTHORIZED, "404": _json(_ERR, "No such store, or no override")},
                },
                "put": {
                    "summary": "Set (replace) one product's override",
                    "operationId": "putOverride",
                    "security": _ADMIN,
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ProductOverride"}}}},
                    "responses": {
                        "200": _json("#/components/schemas/ProductOverride", "Saved"),
                        "400": _json(_ERR, "Body is not JSON"),
                        "401": _UNAUTHORIZED,
                        "404": _NOT_FOUND,
                        "413": _json(_ERR, "Body too large"),
                        "422": _json("#/components/schemas/Invalid", "Refused; errors name the field"),
                    },
                },
                "delete": {
                    "summary": "Remove one product's override",
                    "operationId": "deleteOverride",
                    "security": _ADMIN,
                    "responses": {"204": {"description": "Removed"}, "401": _UNAUTHORIZED,
                                  "404": _json(_ERR, "No such store, or no override")},
                },
            },
            "/work": OPENAPI_PATH,
            "/stores/{store_id}/decisions/approve": _review_bulk("approve"),
            "/stores/{store_id}/decisions/reject": _review_bulk("reject"),
            "/stores/{store_id}/decisions/{decision_id}/approve": _review_one("approve"),
            "/stores/{store_id}/decisions/{decision_id}/reject": _review_one("reject"),
        },
    }


__all__ = ["openapi_document"]
