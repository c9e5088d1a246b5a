"""``app.store.authorize``: take a store's tokens, once Salla confirms they are the delivery's merchant's.

Token ownership: anyone holding the webhook secret could otherwise plant another store's tokens
under this merchant id, and that store's catalog would be swept and written under it. So the
tokens are accepted only after ``/oauth2/user/info`` called with them (``UserInfo``, before the
transaction: it is network I/O) names the delivery's store. A token Salla refuses (401) or that
belongs to another store is refused for good; when user info cannot be read the delivery is left
for Salla's redelivery. ``app.installed`` may come before or after the authorization, both orders
end in the same store. An authorization created before a processed ``app.uninstalled`` of the
store (a late retry) does not bring it back, nor does one older than the tokens held.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from pricing_core.activity import ActivityType
from pricing_core.commands import Command
from pricing_core.errors import SallaError, TokenRevoked
from pricing_core.events import APP_STORE_AUTHORIZE, StoreAuthorized
from pricing_core.ports import Clock, MerchantInfo, UnitOfWork, UnitOfWorkFactory, scope_of
from pricing_core.usecases.onboard import onboard_in
from pricing_core.usecases.webhook_outcomes import WebhookOutcome, log_rejected

UserInfo = Callable[[str], MerchantInfo]
"""``SallaAuth.user_info``: the merchant an access token belongs to, per ``/oauth2/user/info``."""


@attrs.frozen(kw_only=True)
class Ownership:
    """What user info said about an authorization's tokens: confirmed (``merchant``) or refused."""

    merchant: MerchantInfo | None = None
    refusal: str | None = None
    token_store_id: str | None = None


def check_ownership(
    uow_factory: UnitOfWorkFactory, clock: Clock, event: StoreAuthorized, user_info: UserInfo
) -> Ownership:
    """Ask Salla whose tokens an authorization carries.

    A refusal (401, or another store named) is returned, to be recorded with the delivery. When
    user info cannot be read (Salla unavailable, rate limited, unreadable answer) the error is
    logged and raised, and nothing is recorded, so Salla's redelivery is processed afresh.
    """
    try:
        info = user_info(event.tokens.access_token)
    except TokenRevoked as exc:
        return Ownership(refusal=f"Salla refused the delivered access token on user info "
                                 f"(HTTP {exc.status or 401})")
    except SallaError as exc:
        _log_unverified(uow_factory, clock, event, exc)
        raise
    if info.merchant_id != event.store_id:
        return Ownership(refusal=f"the delivered tokens belong to store {info.merchant_id}, not {event.store_id}",
                         token_store_id=info.merchant_id)
    return Ownership(merchant=info)


def log_refused(uow: UnitOfWork, clock: Clock, event: StoreAuthorized, ownership: Ownership) -> None:
    """Log on the system log that an authorization was refused (both store ids, never the tokens)."""
    uow.system_activity.log(
        ActivityType.SYSTEM_TOKENS_UNVERIFIED,
        f"app.store.authorize for store {event.store_id} refused, tokens not stored: {ownership.refusal}",
        at=clock.now(),
        metadata={
            "outcome": "refused",
            "applied": False,
            "event": event.name,
            "delivery_id": event.delivery_id,
            "store_id": event.store_id,
            "token_store_id": ownership.token_store_id,
            "reason": ownership.refusal,
        },
    )


def _log_unverified(uow_factory: UnitOfWorkFactory, clock: Clock, event: StoreAuthorized, error: SallaError) -> None:
    """Log, in a transaction of its own, that an authorization waits for Salla's redelivery.

    The inbox is not touched: the delivery must count as new when Salla sends it again.
    """
    store_id = event.store_id
    with uow_factory(store_id) as uow:
        uow.system_activity.log(
            ActivityType.SYSTEM_TOKENS_UNVERIFIED,
            f"app.store.authorize for store {store_id} not stored yet: user info unavailable "
            f"({type(error).__name__}: {error}); Salla delivers it again",
            at=clock.now(),
            metadata={
                "outcome": "retry",
                "applied": False,
                "event": event.name,
                "delivery_id": event.delivery_id,
                "store_id": store_id,
                "status": error.status,
            },
        )
        uow.commit()


def authorize(
    uow: UnitOfWork,
    clock: Clock,
    event: StoreAuthorized,
    merchant: MerchantInfo,
    followups: list[Command],
) -> WebhookOutcome:
    """Create or update the store and its tokens from a confirmed authorization (``merchant`` per user info)."""
    store_id = event.store_id
    tokens = event.tokens
    existing = uow.stores.get(store_id)
    created_at = event.occurred_at
    if (
        existing is not None
        and existing.uninstalled_at is not None
        and created_at is not None
        and created_at < existing.uninstalled_at
    ):
        # Salla redelivers a failed delivery for about 15 minutes: an install's authorization can
        # arrive after the uninstall that followed it. Equal times are not "older" (1 s resolution).
        log_rejected(uow, clock, event,
                     f"created {created_at.isoformat()}, before the uninstall of "
                     f"{existing.uninstalled_at.isoformat()}; the store stays uninstalled")
        return WebhookOutcome.REJECTED
    held = scope_of(uow).tokens.get() if existing is not None and existing.is_active else None
    if held is not None and held.expires_at > tokens.expires_at:
        # Salla retries a failed delivery minutes later: an older authorization arriving after a
        # newer one (or after our own refresh) would put a rotated-out token chain back in place.
        log_rejected(uow, clock, event,
                     f"older than the tokens held (expires {tokens.expires_at:%Y-%m-%d %H:%M} UTC, "
                     f"held until {held.expires_at:%Y-%m-%d %H:%M} UTC)")
        return WebhookOutcome.REJECTED
    if existing is not None:
        # User info carries no currency (its "SAR" is a default): keep the one the store has.
        merchant = attrs.evolve(merchant, currency=existing.currency)
    result = onboard_in(uow, clock, tokens=tokens, merchant=merchant, source=APP_STORE_AUTHORIZE)
    followups.extend(result.followups())
    return WebhookOutcome.PROCESSED


__all__ = ["Ownership", "UserInfo", "authorize", "check_ownership", "log_refused"]
