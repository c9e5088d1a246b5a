"""The part of the document for rolling a run back: its request, its result, and its path."""

from __future__ import annotations

from typing import Any

from entrypoints.web.openapi.fragments import ADMIN, ERROR_REF, STORE_ID, UNAUTHORIZED, json_response

_AMOUNT: dict[str, Any] = {"type": "string", "description": "Decimal amount as a string"}
_OUTCOMES = ["restore", "restored", "already_restored", "needs_confirmation", "left"]

SCHEMAS: dict[str, Any] = {
    "RollbackRequest": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "dry_run": {"type": "boolean", "default": False,
                        "description": "List what would change and write nothing"},
            "confirm_guard_breaks": {"type": "boolean", "default": False,
                                     "description": "Also restore previous prices that break a guard of "
                                                    "today's settings (listed otherwise)"},
            "decision_ids": {"type": "array", "minItems": 1, "maxItems": 500,
                             "items": {"type": "string", "minLength": 1},
                             "description": "Only these applied decisions of the run (default: all)"},
        },
    },
    "RollbackItem": {
        "type": "object",
        "required": ["product_id", "decision_id", "previous_price", "run_price", "current_price", "outcome",
                     "reason", "guard_breaks"],
        "properties": {
            "product_id": {"type": "string"},
            "name": {"type": "string"},
            "decision_id": {"type": "string", "description": "The run's decision"},
            "previous_price": {**_AMOUNT, "description": "The price before the run (what a rollback restores)"},
            "run_price": {**_AMOUNT, "description": "The price the run set"},
            "current_price": {**_AMOUNT, "nullable": True, "description": "Salla's price now (null: not read)"},
            "currency": {"type": "string"},
            "outcome": {"type": "string", "enum": _OUTCOMES},
            "reason": {"type": "string", "nullable": True},
            "guard_breaks": {"type": "array", "items": {"type": "string"}},
        },
    },
    "RollbackResult": {
        "type": "object",
        "required": ["store_id", "run_id", "dry_run", "restored", "would_restore", "already_restored", "left",
                     "needs_confirmation", "items"],
        "properties": {
            "store_id": {"type": "string"},
            "run_id": {"type": "string"},
            "dry_run": {"type": "boolean"},
            "restored": {"type": "integer", "minimum": 0, "description": "Prices written back by this request"},
            "would_restore": {"type": "integer", "minimum": 0, "description": "Dry run: prices it would write"},
            "already_restored": {"type": "integer", "minimum": 0,
                                 "description": "Restored by an earlier rollback (a repeat restores 0)"},
            "left": {"type": "array", "description": "Products not restored, with the reason", "items": {
                "type": "object", "required": ["product_id", "reason"],
                "properties": {"product_id": {"type": "string"}, "reason": {"type": "string"},
                               "outcome": {"type": "string", "enum": ["left", "needs_confirmation"]}},
            }},
            "needs_confirmation": {"type": "array", "items": {
                "type": "object", "required": ["product_id", "previous_price", "guard_breaks"],
                "properties": {"product_id": {"type": "string"}, "previous_price": _AMOUNT,
                               "guard_breaks": {"type": "array", "items": {"type": "string"}}},
            }},
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/RollbackItem"}},
        },
    },
}


def _error(description: str) -> dict[str, Any]:
    return json_response(ERROR_REF, description)


PATHS: dict[str, Any] = {
    "/stores/{store_id}/runs/{run_id}/rollback": {
        "post": {
            "summary": "Roll back a run: restore each product's price from before it",
            "description": (
                "Restores, through bulkPrice, the price each applied decision of the run replaced, only where "
                "Salla still shows the price the run set (a price changed since is left and listed). A previous "
                "price that breaks a guard of today's settings is listed and restored only with "
                "`confirm_guard_breaks`. Idempotent: a repeat answers 200 with `\"restored\": 0`."
            ),
            "operationId": "rollbackRun",
            "security": ADMIN,
            "parameters": [STORE_ID, {"name": "run_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": False, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/RollbackRequest"}}}},
            "responses": {
                "200": {"description": "What was restored and what was left, and why",
                        "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/RollbackResult"}}}},
                "400": _error("Body is not JSON"),
                "401": UNAUTHORIZED,
                "404": _error("No such store, run, or decision of the run"),
                "409": _error("A sweep or another apply of the store is running, or the store is not connected"),
                "413": _error("Body too large"),
                "422": _error("Body does not match RollbackRequest"),
                "502": _error("Salla could not be read or written; nothing is lost, send it again"),
            },
        }
    }
}

__all__ = ["PATHS", "SCHEMAS"]
