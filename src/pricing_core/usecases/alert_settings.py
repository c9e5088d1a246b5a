"""Change a store's own alert settings: add and remove targets (each new one checked), language, kinds.

A new target is checked by the ``StoreNotifier``'s guard before it is saved (an internal address,
a local service or an unparsable URL is refused, naming the target masked and why); nothing is
saved while any is refused. Stored targets are removed by their ``target_id``, so the page never
carries a URL with its secrets.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import attrs

from pricing_core.activity import ActivityType
from pricing_core.alert_settings import (
    MAX_TARGETS,
    AlertLanguage,
    StoreAlertSettings,
    TargetRefusal,
    masked,
    target_id,
)
from pricing_core.alerts import AlertKind, StoreNotifier
from pricing_core.ports import Clock, UnitOfWorkFactory, scope_of


@attrs.frozen
class TargetsRefused(Exception):
    """Some new targets were refused: (the target masked, the ``TargetRefusal`` value), in the order given."""

    refused: tuple[tuple[str, str], ...]


def save_alert_settings(
    uow_factory: UnitOfWorkFactory,
    notifier: StoreNotifier,
    clock: Clock,
    store_id: str,
    *,
    add: Sequence[str] = (),
    remove: Collection[str] = (),
    language: AlertLanguage | str | None = None,
    kinds: Iterable[AlertKind | str] | None = None,
    by: str = "merchant",
) -> StoreAlertSettings:
    """Save the store's alert settings with ``add``ed targets, those whose ``target_id`` is in ``remove``
    gone, and the ``language`` and ``kinds`` given (None: unchanged).

    Raises ``TargetsRefused`` (nothing saved) when a new target is refused or the store would have
    more than ``MAX_TARGETS``; ``StoreNotFound`` for an unknown store.
    """
    new = list(dict.fromkeys(t.strip() for t in add if t.strip()))
    refused = [(masked(t), why) for t in new if (why := notifier.refusal(t)) is not None]
    with uow_factory(store_id) as uow:
        scope = scope_of(uow)
        current = scope.alerts.get()
        kept = [t for t in current.targets if target_id(t) not in remove]
        targets = kept + [t for t in new if t not in kept]
        if len(targets) > MAX_TARGETS:
            refused.append(("", TargetRefusal.TOO_MANY.value))
        if refused:
            raise TargetsRefused(tuple(refused))
        updated = StoreAlertSettings(
            targets=targets,
            language=current.language if language is None else language,
            kinds=current.kinds if kinds is None else kinds,
        )
        if updated != current:
            scope.alerts.save(updated)
            scope.activity.log(
                ActivityType.SETTINGS_UPDATED, f"Alert settings updated by {by}", at=clock.now(),
                metadata={"alerts": True, "targets": len(updated.targets), "language": updated.language.value,
                          "kinds": sorted(k.value for k in updated.kinds)},
            )
            uow.commit()
        return updated


__all__ = ["TargetsRefused", "save_alert_settings"]
