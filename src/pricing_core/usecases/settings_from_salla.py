"""``app.settings.updated``: the settings form the merchant saved in Salla, validated and applied.

Invalid settings are logged, not applied. A change of a pricing setting supersedes the pending
decisions and reprices their products (``update_settings_in``). Settings for a store we do not
know yet raise ``StoreNotKnownYet``: the merchant's form may arrive before the install that creates
the store, and recorded as ignored it would be lost for good.
"""

from __future__ import annotations

from pydantic import ValidationError

from pricing_core.activity import ActivityType
from pricing_core.commands import Command
from pricing_core.errors import StoreNotKnownYet
from pricing_core.events import APP_SETTINGS_UPDATED, SettingsUpdated
from pricing_core.ports import Clock, UnitOfWork, scope_of
from pricing_core.usecases.store_settings import SETTING_FIELDS, update_settings_in
from pricing_core.usecases.webhook_outcomes import WebhookOutcome


def settings_updated(
    uow: UnitOfWork, clock: Clock, event: SettingsUpdated, followups: list[Command]
) -> WebhookOutcome:
    """Save the pricing settings of Salla's form (invalid settings: rejected).

    Raises ``StoreNotKnownYet`` for a store we do not know (yet): the transaction, and so the
    inbox's record of the delivery, is rolled back and the worker tries again later.
    """
    if uow.stores.get(event.store_id) is None:
        raise StoreNotKnownYet(f"settings for store {event.store_id}, which is not installed (yet)")
    raw = event.settings
    # Salla's settings form may carry keys that are not pricing settings; blanks mean "unchanged".
    changes = {k: v for k, v in raw.items() if k in SETTING_FIELDS and v not in (None, "")}
    ignored = sorted(k for k in raw if k not in SETTING_FIELDS)
    try:
        update = update_settings_in(uow, clock, changes=changes, by="salla", source=APP_SETTINGS_UPDATED)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in err["loc"]) or "settings", "message": err["msg"]}
            for err in exc.errors()
        ]
        scope_of(uow).activity.log(
            ActivityType.SETTINGS_UPDATED,
            "Settings from Salla rejected (not applied): "
            + "; ".join(f"{e['field']}: {e['message']}" for e in errors),
            at=clock.now(),
            metadata={
                "source": APP_SETTINGS_UPDATED,
                "applied": False,
                "errors": errors,
                "ignored_keys": ignored,
            },
        )
        return WebhookOutcome.REJECTED
    followups.extend(update.followups(event.store_id))
    return WebhookOutcome.PROCESSED


__all__ = ["settings_updated"]
