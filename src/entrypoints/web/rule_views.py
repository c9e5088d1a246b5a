"""Pricing rules and product overrides as JSON, both ways; shared by the admin API and the dashboard.

Reading is strict (unknown keys, wrong types and amounts that are not decimal strings are
refused) so the API does exactly what its OpenAPI document says; errors name the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pricing_core.overrides import InvalidOverride, ProductOverride
from pricing_core.rules import InvalidRule, PricingRule, RuleMatch

AMOUNT_PATTERN = r"^[0-9]{1,9}(\.[0-9]{1,4})?$"
_AMOUNT = re.compile(AMOUNT_PATTERN)
MATCH_LISTS = ("categories", "brands", "tags", "skus", "product_ids")
MATCH_AMOUNTS = ("price_min", "price_max")
OVERRIDE_AMOUNTS = ("fixed_price", "cost_price", "min_price", "max_price", "map_price")
MAX_LIST = 500
MAX_TEXT = 255
MAX_PRODUCT_ID = 64  # the products' own id column


def rule_view(rule: PricingRule) -> dict[str, Any]:
    """One rule as JSON (amounts as strings)."""
    m = rule.match
    match: dict[str, Any] = {name: list(getattr(m, name)) for name in MATCH_LISTS}
    match.update({name: None if getattr(m, name) is None else str(getattr(m, name)) for name in MATCH_AMOUNTS})
    return {"name": rule.name, "priority": rule.priority, "match": match, "settings": dict(rule.settings)}


def override_view(override: ProductOverride) -> dict[str, Any]:
    """One override as JSON (amounts as strings, null when unset)."""
    out: dict[str, Any] = {"product_id": override.product_id, "excluded": override.excluded}
    out.update({name: None if getattr(override, name) is None else str(getattr(override, name))
                for name in OVERRIDE_AMOUNTS})
    return out


def _amount(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _AMOUNT.match(value):
        raise InvalidRule(f"{field} must be a decimal string like \"12.50\" or null", {field: "not an amount"})
    return value


def _unknown(data: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    extra = sorted(str(k) for k in data if k not in allowed)
    if extra:
        errors = {f"{where}.{k}": "unknown field" for k in extra}
        raise InvalidRule(f"{where}: unknown field {', '.join(extra)}", errors)


def _match_from(data: object, where: str) -> RuleMatch:
    if data is None:
        return RuleMatch()
    if not isinstance(data, dict):
        raise InvalidRule(f"{where} must be an object", {where: "not an object"})
    _unknown(data, (*MATCH_LISTS, *MATCH_AMOUNTS), where)
    values: dict[str, Any] = {}
    for name in MATCH_LISTS:
        items = data.get(name, [])
        if (not isinstance(items, list) or len(items) > MAX_LIST
                or not all(isinstance(i, str) and 0 < len(i) <= MAX_TEXT for i in items)):
            raise InvalidRule(f"{where}.{name} must be a list of up to {MAX_LIST} non-empty strings",
                              {f"{where}.{name}": "not a list of strings"})
        values[name] = tuple(items)
    for name in MATCH_AMOUNTS:
        values[name] = _amount(data.get(name), f"{where}.{name}")
    try:
        return RuleMatch(**values)
    except InvalidRule as exc:
        raise InvalidRule(f"{where}: {exc}", {f"{where}.price_min": str(exc)}) from exc


def rule_from_json(data: object, where: str = "rule") -> PricingRule:
    """A rule from its JSON; ``InvalidRule`` naming the field (``where`` prefixes the names)."""
    if not isinstance(data, dict):
        raise InvalidRule(f"{where} must be an object", {where: "not an object"})
    _unknown(data, ("name", "priority", "match", "settings"), where)
    name, priority, settings = data.get("name"), data.get("priority", 0), data.get("settings", {})
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_TEXT:
        raise InvalidRule(f"{where}.name must be a non-blank string of up to {MAX_TEXT} characters",
                          {f"{where}.name": "required"})
    if type(priority) is not int or not -1000 <= priority <= 1000:
        raise InvalidRule(f"{where}.priority must be an integer from -1000 to 1000", {f"{where}.priority": "invalid"})
    if not isinstance(settings, dict):
        raise InvalidRule(f"{where}.settings must be an object", {f"{where}.settings": "not an object"})
    match = _match_from(data.get("match"), f"{where}.match")
    try:
        return PricingRule(name=name, priority=priority, match=match, settings=settings)
    except InvalidRule as exc:
        raise InvalidRule(f"{where}: {exc}", {f"{where}.{k}": v for k, v in exc.errors.items()}) from exc


def override_from_json(product_id: str, data: object) -> ProductOverride:
    """An override from its JSON body; ``InvalidOverride`` naming the field."""
    if not product_id.strip() or len(product_id) > MAX_PRODUCT_ID:
        raise InvalidOverride("product_id", f"must be 1 to {MAX_PRODUCT_ID} characters")
    if not isinstance(data, dict):
        raise InvalidOverride("body", "must be an object")
    extra = sorted(str(k) for k in data if k not in ("excluded", *OVERRIDE_AMOUNTS))
    if extra:
        raise InvalidOverride(extra[0], "unknown field")
    excluded = data.get("excluded", False)
    if not isinstance(excluded, bool):
        raise InvalidOverride("excluded", "must be true or false")
    values: dict[str, Any] = {}
    for name in OVERRIDE_AMOUNTS:
        value = data.get(name)
        if value is not None and (not isinstance(value, str) or not _AMOUNT.match(value)):
            raise InvalidOverride(name, 'must be a decimal string like "12.50" or null')
        values[name] = value
    return ProductOverride(product_id=product_id, excluded=excluded, **values)


__all__ = [
    "AMOUNT_PATTERN",
    "MAX_LIST",
    "MAX_TEXT",
    "override_from_json",
    "override_view",
    "rule_from_json",
    "rule_view",
]
