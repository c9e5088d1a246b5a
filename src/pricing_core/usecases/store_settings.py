"""Change a store's tenant settings: validate the merged result, save it, log what changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pricing_core.activity import ActivityType
from pricing_core.errors import StoreNotFound
from pricing_core.ports import Clock, UnitOfWork, UnitOfWorkFactory, scope_of
from pricing_core.settings import TenantSettings

SETTING_FIELDS = frozenset(TenantSettings.model_fields)


def merged_settings(current: TenantSettings, changes: Mapping[str, Any]) -> TenantSettings:
    """``current`` with ``changes`` applied, validated as a whole.

    Raises ``pydantic.ValidationError`` (naming the field) when the result is invalid, including
    for unknown keys: a typo must not be silently ignored.
    """
    data = current.model_dump()
    data.update(changes)
    return TenantSettings.model_validate(data)


def changed_fields(before: TenantSettings, after: TenantSettings) -> dict[str, tuple[object, object]]:
    """Field name -> (old, new) for every field that differs."""
    old, new = before.model_dump(), after.model_dump()
    return {key: (old[key], new[key]) for key in new if old.get(key) != new[key]}


def update_settings_in(
    uow: UnitOfWork, clock: Clock, *, changes: Mapping[str, Any], by: str, source: str
) -> TenantSettings:
    """Validate and save inside an open store-bound unit of work (the caller commits)."""
    scope = scope_of(uow)
    if uow.stores.get(scope.store_id) is None:
        raise StoreNotFound(f"store {scope.store_id} does not exist")
    before = scope.settings.get()
    after = merged_settings(before, changes)
    diff = changed_fields(before, after)
    if diff:
        scope.settings.save(after)
        scope.activity.log(
            ActivityType.SETTINGS_UPDATED,
            f"Settings updated by {by} ({source}): {', '.join(sorted(diff))}",
            at=clock.now(),
            metadata={
                "by": by,
                "source": source,
                "applied": True,
                "changes": {key: {"old": str(o), "new": str(n)} for key, (o, n) in diff.items()},
            },
        )
    return after


def update_settings(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    store_id: str,
    changes: Mapping[str, Any],
    by: str = "merchant",
    source: str = "dashboard",
) -> TenantSettings:
    """Apply ``changes`` to the store's settings if the result validates; returns the saved settings.

    Raises ``StoreNotFound`` for an unknown store and ``pydantic.ValidationError`` for invalid
    settings (nothing is saved then). Saving identical settings is a no-op and logs nothing.
    """
    with uow_factory(store_id) as uow:
        settings = update_settings_in(uow, clock, changes=changes, by=by, source=source)
        uow.commit()
    return settings


__all__ = ["SETTING_FIELDS", "changed_fields", "merged_settings", "update_settings", "update_settings_in"]
