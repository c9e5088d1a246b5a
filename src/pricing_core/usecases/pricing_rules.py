"""A merchant's pricing rules and product overrides: read, replace, set, remove.

Rules are replaced as a whole (the editor sends the full, reordered list) and checked against
the store's current settings, so a rule that could never apply (its ``min_price`` above the
store's ``max_price``) is refused with the field named instead of skipping products later.
"""

from __future__ import annotations

from collections.abc import Sequence

from pricing_core.errors import StoreNotFound
from pricing_core.overrides import ProductOverride
from pricing_core.ports import UnitOfWorkFactory, scope_of
from pricing_core.rules import InvalidRule, PricingRule, combine
from pricing_core.settings import TenantSettings

MAX_RULES = 200


def _require_store(uow_factory: UnitOfWorkFactory, store_id: str) -> None:
    with uow_factory(store_id) as uow:
        if uow.stores.get(store_id) is None:
            raise StoreNotFound(f"store {store_id} does not exist")


def list_rules(uow_factory: UnitOfWorkFactory, store_id: str) -> list[PricingRule]:
    """The store's rules in the order they are tried. ``StoreNotFound`` for an unknown store."""
    _require_store(uow_factory, store_id)
    with uow_factory(store_id) as uow:
        return scope_of(uow).rules.list()


def check_rules(settings: TenantSettings, rules: Sequence[PricingRule]) -> None:
    """``InvalidRule`` (naming ``rules[i].field``) when the set is refused: too many rules, a name used
    twice, or a rule whose settings do not combine with ``settings``."""
    if len(rules) > MAX_RULES:
        raise InvalidRule(f"at most {MAX_RULES} rules", {"rules": f"at most {MAX_RULES} rules"})
    seen: dict[str, int] = {}
    for i, rule in enumerate(rules):
        if rule.name in seen:
            raise InvalidRule(f"rules[{i}]: the name {rule.name!r} is also rule {seen[rule.name]}'s",
                              {f"rules[{i}].name": "already used"})
        seen[rule.name] = i
    for i, rule in enumerate(rules):
        try:
            combine(settings, rule)
        except InvalidRule as exc:
            raise InvalidRule(f"rules[{i}]: {exc}", {f"rules[{i}].settings.{k}": v for k, v in exc.errors.items()}
                              ) from exc


def replace_rules(uow_factory: UnitOfWorkFactory, store_id: str, rules: Sequence[PricingRule]) -> list[PricingRule]:
    """Replace the store's rules; ``InvalidRule`` (naming ``rules[i].field``) when one is refused (``check_rules``)."""
    if len(rules) > MAX_RULES:  # before touching storage
        raise InvalidRule(f"at most {MAX_RULES} rules", {"rules": f"at most {MAX_RULES} rules"})
    _require_store(uow_factory, store_id)
    with uow_factory(store_id) as uow:
        scope = scope_of(uow)
        check_rules(scope.settings.get(), rules)
        scope.rules.replace_all(rules)
        uow.commit()
        return scope.rules.list()


def get_override(uow_factory: UnitOfWorkFactory, store_id: str, product_id: str) -> ProductOverride | None:
    """A product's override, or None. ``StoreNotFound`` for an unknown store."""
    _require_store(uow_factory, store_id)
    with uow_factory(store_id) as uow:
        return scope_of(uow).overrides.get_many([product_id]).get(product_id)


def set_override(uow_factory: UnitOfWorkFactory, store_id: str, override: ProductOverride) -> ProductOverride:
    """Store ``override`` in place of the product's current one."""
    _require_store(uow_factory, store_id)
    with uow_factory(store_id) as uow:
        scope_of(uow).overrides.upsert_many([override])
        uow.commit()
    return override


def delete_override(uow_factory: UnitOfWorkFactory, store_id: str, product_id: str) -> bool:
    """Remove a product's override; False when it had none."""
    _require_store(uow_factory, store_id)
    with uow_factory(store_id) as uow:
        removed = scope_of(uow).overrides.delete(product_id)
        uow.commit()
    return removed


__all__ = ["MAX_RULES", "check_rules", "delete_override", "get_override", "list_rules", "replace_rules", "set_override"]
