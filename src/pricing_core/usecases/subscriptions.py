"""Make sure a store is subscribed to the store events the optimizer needs, and record what is.

Run after every install or re-authorization (both install paths dispatch ``EnsureStoreEvents``).
Idempotent: it lists the store's webhooks first and subscribes only the events that have no
webhook for our callback URL, so a reinstall or a redelivered message creates no duplicate.
The outcome is stored per store (``SubscriptionState``) for ``tokens status`` and the
operator view, which show the stores that lack a subscription and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs

from pricing_core.activity import ActivityType
from pricing_core.errors import BadResponse, MissingScope, RateLimited, SallaUnavailable, TokenRevoked
from pricing_core.ports import SallaWebhooks
from pricing_core.store_events import (
    STORE_EVENTS,
    WEBHOOKS_SCOPE,
    SubscriptionState,
    events_subscribed,
)
from pricing_core.usecases.context import TokenPorts
from pricing_core.usecases.refresh_tokens import DEFAULT_THRESHOLD_HOURS, ensure_fresh_tokens

WEBHOOK_NAME = "Salla Price Optimizer"
SUBSCRIBE_LOCK = "store_events"
LOCK_TIMEOUT = 30.0


class SubscriptionPorts(TokenPorts, Protocol):
    """The token ports plus Salla's Webhooks API (None: this process has no client for it)."""

    @property
    def salla_webhooks(self) -> SallaWebhooks | None: ...


@attrs.frozen(kw_only=True)
class SubscriptionResult:
    """What one check did. ``state`` is None when the store was skipped (inactive, no tokens)."""

    store_id: str
    state: SubscriptionState | None
    created: tuple[str, ...] = ()
    skipped_reason: str | None = None
    retryable: bool = False


def _granted(scope: str) -> set[str]:
    return set(scope.replace(",", " ").split())


def ensure_store_subscriptions(
    ports: SubscriptionPorts,
    store_id: str,
    *,
    callback_url: str,
    events: Sequence[str] = STORE_EVENTS,
    threshold_hours: float = DEFAULT_THRESHOLD_HOURS,
) -> SubscriptionResult:
    """Subscribe ``store_id`` to each of ``events`` at ``callback_url`` unless Salla lists it already.

    Raises ``StoreNotFound`` for an unknown store. Salla's failures are recorded in the store's
    ``SubscriptionState`` (and its activity log), not raised; ``retryable`` tells the runner
    whether trying again later may help (rate limit, Salla unavailable).
    """
    store_id = str(store_id)
    wanted = tuple(dict.fromkeys(events))
    try:
        tokens = ensure_fresh_tokens(ports, store_id, threshold_hours=threshold_hours)
    except TokenRevoked as exc:
        # Inactive, never authorized, or revoked: the next authorization enqueues a new check.
        return SubscriptionResult(store_id=store_id, state=None, skipped_reason=str(exc))
    except (SallaUnavailable, RateLimited) as exc:
        state = _state(ports, store_id, callback_url, wanted, set(), error=f"token refresh failed: {exc}")
        _record(ports, state, created=())
        return SubscriptionResult(store_id=store_id, state=state, retryable=True)

    if tokens.scope and WEBHOOKS_SCOPE not in _granted(tokens.scope):
        # Known from the token itself: asking Salla would only spend a request on a 401.
        state = _state(ports, store_id, callback_url, wanted, set(), scope_missing=True,
                       error=f"the store's token was granted without {WEBHOOKS_SCOPE}")
        _record(ports, state, created=())
        return SubscriptionResult(store_id=store_id, state=state)

    webhooks = ports.salla_webhooks
    if webhooks is None:
        state = _state(ports, store_id, callback_url, wanted, set(), error="no Salla Webhooks API client configured")
        _record(ports, state, created=())
        return SubscriptionResult(store_id=store_id, state=state)
    # Two checks of one store at once (the install's and a reinstall's) would both list nothing
    # and both subscribe: one at a time. The second then lists what the first subscribed; one that
    # waited LOCK_TIMEOUT in vain leaves the work to the check holding the lock.
    with ports.locks.hold(store_id, SUBSCRIBE_LOCK, timeout=LOCK_TIMEOUT) as acquired:
        if not acquired:
            return SubscriptionResult(store_id=store_id, state=None,
                                      skipped_reason="another check of this store's subscriptions is running")
        return _subscribe_missing(ports, webhooks, store_id, tokens.access_token, callback_url, wanted)


def _subscribe_missing(
    ports: SubscriptionPorts,
    webhooks: SallaWebhooks,
    store_id: str,
    access_token: str,
    callback_url: str,
    wanted: tuple[str, ...],
) -> SubscriptionResult:
    have: set[str] = set()
    created: list[str] = []
    error: str | None = None
    scope_missing = False
    retryable = False
    try:
        have = events_subscribed(webhooks.list_webhooks(access_token), callback_url)
        for event in wanted:
            if event in have:
                continue
            webhooks.subscribe_webhook(access_token, event=event, url=callback_url, name=f"{WEBHOOK_NAME}: {event}")
            have.add(event)
            created.append(event)
    except MissingScope as exc:
        error, scope_missing = f"Salla refused: the token lacks {exc.scope or WEBHOOKS_SCOPE}", True
    except TokenRevoked as exc:
        error = f"Salla refused the store's token: {exc}"
    except (RateLimited, SallaUnavailable) as exc:
        error, retryable = f"Salla unavailable: {exc}", True
    except BadResponse as exc:
        # A 422 (URL or event refused) will not pass on a retry; the operator has to act.
        error = f"Salla refused the subscription: {exc}"
    state = _state(ports, store_id, callback_url, wanted, have, error=error, scope_missing=scope_missing)
    _record(ports, state, created=tuple(created))
    return SubscriptionResult(store_id=store_id, state=state, created=tuple(created), retryable=retryable)


def _state(
    ports: SubscriptionPorts,
    store_id: str,
    callback_url: str,
    wanted: tuple[str, ...],
    have: set[str],
    *,
    error: str | None = None,
    scope_missing: bool = False,
) -> SubscriptionState:
    return SubscriptionState(
        store_id=store_id,
        callback_url=callback_url,
        subscribed=tuple(e for e in wanted if e in have),
        missing=tuple(e for e in wanted if e not in have),
        checked_at=ports.clock.now(),
        error=error,
        scope_missing=scope_missing,
    )


def _record(ports: SubscriptionPorts, state: SubscriptionState, *, created: tuple[str, ...]) -> None:
    """Store the check's outcome; log what changed (new subscriptions) or went wrong."""
    with ports.uow_factory(state.store_id) as uow:
        uow.subscriptions.save(state)
        activity = uow.store.activity if uow.store is not None else uow.system_activity
        metadata = {"events": list(created), "missing": list(state.missing), "callback_url": state.callback_url,
                    "scope_missing": state.scope_missing, "error": state.error}
        if created:
            activity.log(ActivityType.STORE_EVENTS_SUBSCRIBED,
                         f"Subscribed to store events: {', '.join(created)}", at=state.checked_at, metadata=metadata)
        if state.error is not None:
            activity.log(ActivityType.STORE_EVENTS_SUBSCRIPTION_FAILED,
                         f"Store events not subscribed ({', '.join(state.missing) or 'none missing'}): {state.error}",
                         at=state.checked_at, metadata=metadata)
        uow.commit()


__all__ = [
    "SUBSCRIBE_LOCK",
    "WEBHOOK_NAME",
    "SubscriptionPorts",
    "SubscriptionResult",
    "ensure_store_subscriptions",
]
