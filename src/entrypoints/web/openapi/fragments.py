"""The pieces the document repeats: nullable types, the error schema, path parameters, common responses."""

from __future__ import annotations

from typing import Any

from entrypoints.web.rule_views import AMOUNT_PATTERN

STR_OR_NULL: dict[str, Any] = {"type": "string", "nullable": True}
NUM_OR_NULL: dict[str, Any] = {"type": "number", "nullable": True}
AMOUNT_OR_NULL: dict[str, Any] = {"type": "string", "nullable": True, "pattern": AMOUNT_PATTERN,
                                  "description": "Decimal amount as a string"}

ERROR_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    },
}


def json_response(ref: str, description: str) -> dict[str, Any]:
    """A response whose JSON body is the schema ``ref``."""
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


ERROR_REF = "#/components/schemas/Error"
UNAUTHORIZED = json_response(ERROR_REF, "Missing or wrong bearer token")
NOT_FOUND = json_response(ERROR_REF, "No such store (or decision)")
STORE_ID = {"name": "store_id", "in": "path", "required": True, "schema": {"type": "string"}}
PRODUCT_ID = {"name": "product_id", "in": "path", "required": True,
              "schema": {"type": "string", "minLength": 1, "maxLength": 64}}
DECISION_ID = {"name": "decision_id", "in": "path", "required": True, "schema": {"type": "string"}}
ADMIN: list[dict[str, list[str]]] = [{"adminToken": []}]


__all__ = ["ADMIN", "AMOUNT_OR_NULL", "DECISION_ID", "ERROR_REF", "ERROR_SCHEMAS", "NOT_FOUND", "NUM_OR_NULL",
           "PRODUCT_ID", "STORE_ID", "STR_OR_NULL", "UNAUTHORIZED", "json_response"]
