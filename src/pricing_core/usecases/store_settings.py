"""Change a store's tenant settings: validate the merged result, save it, log what changed.

Pending decisions were guarded under the settings they were made with. When a setting that
shapes prices or their guards changes, the store's pending decisions are superseded (with the
note "settings changed") and their products repriced under the new settings (``RepriceProducts``),
so the merchant reviews fresh decisions instead of approving stale ones. Every write is
re-checked against the current settings anyway (``pricing_core.recheck``); superseding spares the
merchant approvals that could only fail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from pricing_core.activity import ActivityType
from pricing_core.commands import Command, RepriceProducts
from pricing_core.decision import DecisionStatus
from pricing_core.errors import StoreNotFound
from pricing_core.ports import Clock, StoreScope, TaskQueue, UnitOfWork, UnitOfWorkFactory, scope_of
from pricing_core.settings import TenantSettings

SETTING_FIELDS = frozenset(TenantSettings.model_fields)
# Settings that decide when a store is swept and who applies a change, not which prices are
# safe or where they land: changing only these leaves pending decisions as they are (a merchant
# switching to manual still wants to review them). Every other field, new ones included, counts
# as pricing: superseding too often costs a reprice, too seldom a stale approval.
NON_PRICING_FIELDS = frozenset(
    {"update_frequency_hours", "automation_mode", "risk_tolerance", "risk_low_max_pct", "risk_medium_max_pct"}
)
SUPERSEDED_NOTE = "settings changed"
# Pending decisions read per query while superseding them.
_PAGE = 1000
# Activity entries list at most this many decision ids (the decisions keep the full record).
_SAMPLE = 50


@attrs.frozen(kw_only=True)
class SettingsUpdate:
    """What saving settings did: the settings now saved, the fields that changed, the pending
    decisions superseded because of them, and the products to reprice under the new settings."""

    settings: TenantSettings
    changed: tuple[str, ...] = ()
    superseded: tuple[str, ...] = ()
    reprice: tuple[str, ...] = ()

    def followups(self, store_id: str) -> list[Command]:
        """What to dispatch once the change is committed: a repricing of the superseded products."""
        if not self.reprice:
            return []
        return [RepriceProducts(store_id=store_id, product_ids=self.reprice)]


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


def affects_pricing(fields: Sequence[str]) -> bool:
    """True when a change of ``fields`` may change a decision's price or its guards."""
    return any(field not in NON_PRICING_FIELDS for field in fields)


def update_settings_in(
    uow: UnitOfWork, clock: Clock, *, changes: Mapping[str, Any], by: str, source: str
) -> SettingsUpdate:
    """Validate and save inside an open store-bound unit of work (the caller commits, then
    dispatches ``followups``). A change of a pricing setting supersedes the pending decisions."""
    scope = scope_of(uow)
    store = uow.stores.get(scope.store_id)
    if store is None:
        raise StoreNotFound(f"store {scope.store_id} does not exist")
    before = scope.settings.get()
    after = merged_settings(before, changes)
    diff = changed_fields(before, after)
    if not diff:
        return SettingsUpdate(settings=after)
    now = clock.now()
    scope.settings.save(after)
    superseded: list[str] = []
    products: list[str] = []
    if affects_pricing(list(diff)):
        superseded, products = _supersede_pending(scope, now, by=by)
    description = f"Settings updated by {by} ({source}): {', '.join(sorted(diff))}"
    if superseded:
        description += (f"; {len(superseded)} pending decision(s) superseded ({SUPERSEDED_NOTE}), "
                        + ("their products are repriced under the new settings" if store.is_active
                           else "not repriced: the store is inactive"))
    scope.activity.log(
        ActivityType.SETTINGS_UPDATED,
        description,
        at=now,
        metadata={
            "by": by,
            "source": source,
            "applied": True,
            "changes": {key: {"old": str(o), "new": str(n)} for key, (o, n) in diff.items()},
            "superseded": len(superseded),
            "superseded_ids": superseded[:_SAMPLE],
        },
    )
    return SettingsUpdate(settings=after, changed=tuple(sorted(diff)), superseded=tuple(superseded),
                          reprice=tuple(products) if store.is_active else ())


def _supersede_pending(scope: StoreScope, now: datetime, *, by: str) -> tuple[list[str], list[str]]:
    """Mark every PENDING decision of the store SUPERSEDED; returns their ids and their products."""
    ids: list[str] = []
    products: dict[str, None] = {}
    offset = 0
    while True:
        batch = scope.decisions.list(status=DecisionStatus.PENDING, limit=_PAGE, offset=offset)
        ids.extend(r.id for r in batch)
        products.update((r.decision.product_id, None) for r in batch)
        if len(batch) < _PAGE:
            break
        offset += _PAGE
    if ids:
        # Compare-and-set: one approved meanwhile is left to the re-check at the moment of writing.
        scope.decisions.set_status(ids, DecisionStatus.SUPERSEDED, at=now, by=by, error=SUPERSEDED_NOTE,
                                   expected=(DecisionStatus.PENDING,))
    return ids, list(products)


def update_settings(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    clock: Clock,
    *,
    store_id: str,
    changes: Mapping[str, Any],
    by: str = "merchant",
    source: str = "dashboard",
) -> SettingsUpdate:
    """Apply ``changes`` to the store's settings if the result validates; returns what was done.

    Raises ``StoreNotFound`` for an unknown store and ``pydantic.ValidationError`` for invalid
    settings (nothing is saved then). Saving identical settings is a no-op and logs nothing. A
    change of a pricing setting supersedes the pending decisions and dispatches their repricing.
    """
    with uow_factory(store_id) as uow:
        update = update_settings_in(uow, clock, changes=changes, by=by, source=source)
        uow.commit()
    for command in update.followups(str(store_id)):
        queue.dispatch(command)
    return update


__all__ = [
    "NON_PRICING_FIELDS",
    "SETTING_FIELDS",
    "SUPERSEDED_NOTE",
    "SettingsUpdate",
    "affects_pricing",
    "changed_fields",
    "merged_settings",
    "update_settings",
    "update_settings_in",
]
