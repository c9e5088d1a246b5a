"""The part of the document for pricing rules and product overrides, and the 422 that names the refused field."""

from __future__ import annotations

from typing import Any

from entrypoints.web.openapi.fragments import (
    ADMIN,
    AMOUNT_OR_NULL,
    ERROR_REF,
    NOT_FOUND,
    PRODUCT_ID,
    STORE_ID,
    UNAUTHORIZED,
    json_response,
)

SCHEMAS: dict[str, Any] = {
    "RuleMatch": {
        "type": "object",
        "additionalProperties": False,
        "description": "Every non-empty field must match (any one value within a field); empty matches every product.",
        "properties": {
            **{name: {"type": "array", "maxItems": 500, "items": {"type": "string", "minLength": 1, "maxLength": 255}}
               for name in ("categories", "brands", "tags", "skus", "product_ids")},
            "price_min": {**AMOUNT_OR_NULL, "description": "Today's price at least this"},
            "price_max": {**AMOUNT_OR_NULL, "description": "Today's price at most this"},
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
            "fixed_price": {**AMOUNT_OR_NULL, "description": "Proposed as is; held below the floor or MAP"},
            "cost_price": {**AMOUNT_OR_NULL, "description": "Takes precedence over Salla's cost"},
            "min_price": AMOUNT_OR_NULL,
            "max_price": AMOUNT_OR_NULL,
            "map_price": {**AMOUNT_OR_NULL, "description": "Minimum advertised price: never priced below it"},
        },
    },
    "Invalid": {
        "type": "object",
        "required": ["error", "message", "errors"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                       "errors": {"type": "object", "additionalProperties": {"type": "string"}}},
    },
}

PATHS: dict[str, Any] = {
    "/stores/{store_id}/rules": {
        "get": {
            "summary": "The store's pricing rules, in the order they are tried",
            "operationId": "getRules",
            "security": ADMIN,
            "parameters": [STORE_ID],
            "responses": {"200": json_response("#/components/schemas/Rules", "Rules"), "401": UNAUTHORIZED,
                          "404": NOT_FOUND},
        },
        "put": {
            "summary": "Replace the store's pricing rules (the whole, reordered list)",
            "operationId": "putRules",
            "security": ADMIN,
            "parameters": [STORE_ID],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Rules"}}}},
            "responses": {
                "200": json_response("#/components/schemas/Rules", "Saved; the rules as stored"),
                "400": json_response(ERROR_REF, "Body is not JSON"),
                "401": UNAUTHORIZED,
                "404": NOT_FOUND,
                "413": json_response(ERROR_REF, "Body too large"),
                "422": json_response("#/components/schemas/Invalid", "A rule is refused; errors name the field"),
            },
        },
    },
    "/stores/{store_id}/overrides/{product_id}": {
        "parameters": [STORE_ID, PRODUCT_ID],
        "get": {
            "summary": "One product's override",
            "operationId": "getOverride",
            "security": ADMIN,
            "responses": {"200": json_response("#/components/schemas/ProductOverride", "The override"),
                          "401": UNAUTHORIZED, "404": json_response(ERROR_REF, "No such store, or no override")},
        },
        "put": {
            "summary": "Set (replace) one product's override",
            "operationId": "putOverride",
            "security": ADMIN,
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ProductOverride"}}}},
            "responses": {
                "200": json_response("#/components/schemas/ProductOverride", "Saved"),
                "400": json_response(ERROR_REF, "Body is not JSON"),
                "401": UNAUTHORIZED,
                "404": NOT_FOUND,
                "413": json_response(ERROR_REF, "Body too large"),
                "422": json_response("#/components/schemas/Invalid", "Refused; errors name the field"),
            },
        },
        "delete": {
            "summary": "Remove one product's override",
            "operationId": "deleteOverride",
            "security": ADMIN,
            "responses": {"204": {"description": "Removed"}, "401": UNAUTHORIZED,
                          "404": json_response(ERROR_REF, "No such store, or no override")},
        },
    },
}


__all__ = ["PATHS", "SCHEMAS"]
