"""The part of the document for decisions: a store's list, and reviewing one decision or many."""

from __future__ import annotations

from typing import Any

from entrypoints.web.openapi.fragments import (
    ADMIN,
    DECISION_ID,
    ERROR_REF,
    NOT_FOUND,
    STORE_ID,
    STR_OR_NULL,
    UNAUTHORIZED,
    json_response,
)
from pricing_core.decision import DecisionStatus

SCHEMAS: dict[str, Any] = {
    "Decision": {
        "type": "object",
        "required": [
            "id", "store_id", "status", "product_id", "old_price", "suggested_price", "change_pct", "risk",
            "explanation",
        ],
        "properties": {
            "id": {"type": "string"},
            "store_id": {"type": "string"},
            "run_id": STR_OR_NULL,
            "status": {"type": "string", "enum": [s.value for s in DecisionStatus]},
            "product_id": {"type": "string"},
            "sku": STR_OR_NULL,
            "name": {"type": "string"},
            "old_price": {"type": "string", "description": "Decimal amount as a string"},
            "suggested_price": {"type": "string"},
            "cost_price": STR_OR_NULL,
            "currency": {"type": "string"},
            "change_pct": {"type": "string"},
            "margin_pct_after": STR_OR_NULL,
            "risk": {"type": "string", "enum": ["low", "medium", "high"]},
            "action": {"type": "string"},
            "strategy": {"type": "string"},
            "explanation": {"type": "array", "items": {"type": "string"}},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "decided_by": STR_OR_NULL,
            "error": STR_OR_NULL,
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
}

PATHS: dict[str, Any] = {
    "/stores/{store_id}/decisions": {
        "get": {
            "summary": "A store's decisions, newest first",
            "operationId": "listDecisions",
            "security": ADMIN,
            "parameters": [
                STORE_ID,
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
                "400": json_response(ERROR_REF, "Bad query parameter"),
                "401": UNAUTHORIZED,
                "404": NOT_FOUND,
            },
        }
    },
}


def _review_one(verb: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": f"{verb.capitalize()} one pending decision",
            "operationId": f"{verb}Decision",
            "security": ADMIN,
            "parameters": [STORE_ID, DECISION_ID],
            "responses": {
                "200": json_response("#/components/schemas/ReviewResult", f"Decision {verb}d"),
                "401": UNAUTHORIZED,
                "404": NOT_FOUND,
                "409": json_response(ERROR_REF, "The decision is not pending"),
            },
        }
    }


def _review_bulk(verb: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": f"{verb.capitalize()} many decisions (only pending ones move)",
            "operationId": f"{verb}Decisions",
            "security": ADMIN,
            "parameters": [STORE_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReviewRequest"}}},
            },
            "responses": {
                "200": json_response("#/components/schemas/ReviewResult", "Reviewed"),
                "400": json_response(ERROR_REF, "Body is not JSON"),
                "401": UNAUTHORIZED,
                "404": NOT_FOUND,
                "422": json_response(ERROR_REF, "Body does not match ReviewRequest"),
            },
        }
    }


# Listed after the rules and overrides, as they always were.
REVIEW_PATHS: dict[str, Any] = {
    "/stores/{store_id}/decisions/approve": _review_bulk("approve"),
    "/stores/{store_id}/decisions/reject": _review_bulk("reject"),
    "/stores/{store_id}/decisions/{decision_id}/approve": _review_one("approve"),
    "/stores/{store_id}/decisions/{decision_id}/reject": _review_one("reject"),
}


__all__ = ["PATHS", "REVIEW_PATHS", "SCHEMAS"]
