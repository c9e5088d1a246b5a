"""Handle one verified Salla webhook delivery.

Deliveries are at least once and unordered. Each one is recorded in the webhook inbox in the
same transaction as its effects, so a delivery counts as processed exactly when what it changed
is stored, and a repeat is dropped. Work that is slow or talks to Salla (repricing) is enqueued
after the commit.

- ``app.store.authorize``: create or update the store and its tokens (``expires`` is a Unix
  timestamp), but only once ``/oauth2/user/info`` called with those very tokens names the
  delivery's merchant (token ownership, see :func:`handle_webhook_event`); ``app.installed``
  may come before or after it, both orders end in the same store. An authorization created
  before a processed ``app.uninstalled`` of the store (a late retry) does not bring it back.
- ``app.uninstalled``: deactivate the store, remember Salla's time of the uninstall, and log it.
- ``app.settings.updated``: validate and save the settings; invalid ones are logged, not applied.
  A change of a pricing setting supersedes the pending decisions and reprices their products.
- ``product.price.updated``: reprice that product, unless the new price is the one we just wrote.
  "The new price" is the merchant's regular price, read by the ``AnnouncedPrice`` function the
  caller passes (the Salla adapter's ``listed_regular_price``): the payload's ``price`` is the
  sale price during a sale, and what we write and remember is the regular price.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

import attrs
from pydantic import ValidationError

from pricing_core.activity import ActivityType
from pricing_core.commands import Command, RepriceProducts
from pricing_core.decision import DecisionStatus
from pricing_core.errors import SallaError, TokenRevoked
from pricing_core.event_time import parse_event_time
from pricing_core.ports import Clock, MerchantInfo, TaskQueue, UnitOfWork, UnitOfWorkFactory, scope_of
from pricing_core.settings import TenantSettings
from pricing_core.tokens import TokenPayloadError, token_set_from_payload
from pricing_core.usecases.onboard import merge_store, onboard_in
from pricing_core.usecases.store_settings import SETTING_FIELDS, update_settings_in

APP_STORE_AUTHORIZE = "app.store.authorize"
APP_INSTALLED = "app.installed"
APP_UNINSTALLED = "app.uninstalled"
APP_SETTINGS_UPDATED = "app.settings.updated"
PRODUCT_PRICE_UPDATED = "product.price.updated"
HANDLED_EVENTS = frozenset(
    {APP_STORE_AUTHORIZE, APP_INSTALLED, APP_UNINSTALLED, APP_SETTINGS_UPDATED, PRODUCT_PRICE_UPDATED}
)


class IncomingWebhook(Protocol):
    """A parsed, verified delivery (``adapters.salla.WebhookEvent`` has this shape)."""

    @property
    def event(self) -> str: ...

    @property
    def merchant_id(self) -> str | int | None: ...

    @property
    def created_at(self) -> datetime | str | None: ...

    @property
    def data(self) -> Mapping[str, Any]: ...

    @property
    def delivery_id(self) -> str: ...


# Payload keys whose values are secrets (``app.store.authorize`` carries the store's tokens).
SECRET_PAYLOAD_KEYS = frozenset({"access_token", "refresh_token"})


def redacted_payload_repr(data: Mapping[str, Any]) -> str:
    """``repr`` of a delivery's payload with its tokens masked: a repr can end up in a log."""
    if not isinstance(data, Mapping):
        return repr(data)
    return repr({k: ("***" if k in SECRET_PAYLOAD_KEYS and v else v) for k, v in data.items()})


@attrs.frozen(kw_only=True)
class WebhookDelivery:
    """A plain :class:`IncomingWebhook` (tests, and runners rebuilding one from a queue message)."""

    event: str
    merchant_id: str | int | None
    data: Mapping[str, Any] = attrs.field(factory=dict, repr=redacted_payload_repr)
    delivery_id: str
    created_at: datetime | str | None = None


class WebhookOutcome(StrEnum):
    """What handling a delivery did."""

    PROCESSED = "processed"  # effects stored (and follow-up work enqueued)
    DUPLICATE = "duplicate"  # seen before: dropped
    IGNORED = "ignored"  # an event we do not act on, or for a store we do not know
    REJECTED = "rejected"  # understood but refused (invalid settings, malformed payload); logged
    # An ``app.store.authorize`` whose tokens Salla did not confirm as the delivery's merchant's
    # (user info answered 401, or named another store): logged, nothing stored, final.
    REFUSED = "refused"


UserInfo = Callable[[str], MerchantInfo]
"""``SallaAuth.user_info``: the merchant an access token belongs to, per ``/oauth2/user/info``."""


@attrs.frozen(kw_only=True)
class _Ownership:
    """What user info said about an authorization's tokens: confirmed (``merchant``) or refused."""

    merchant: MerchantInfo | None = None
    refusal: str | None = None
    token_store_id: str | None = None

AnnouncedPrice = Callable[[Mapping[str, Any]], Decimal | None]
"""Reads the merchant's regular price from a ``product.price.updated`` payload; None when it shows none.

Salla's payload shape belongs to the Salla adapter (``adapters.salla.products.listed_regular_price``);
the use case only compares the result with the prices it wrote.
"""


def handle_webhook_event(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    clock: Clock,
    event: IncomingWebhook,
    *,
    user_info: UserInfo,
    announced_price: AnnouncedPrice | None = None,
) -> WebhookOutcome:
    """Apply one delivery exactly once; returns what happened.

    Token ownership: the tokens of an ``app.store.authorize`` are accepted only after
    ``user_info`` called with them (``SallaAuth.user_info``, before the transaction: it is
    network I/O) names the delivery's merchant. Anyone holding the webhook secret could
    otherwise plant another store's tokens under this merchant id, and that store's catalog
    would be swept and written under it. A token Salla refuses (401) or that belongs to another
    store is ``REFUSED``: recorded in the inbox and the system log (both store ids, never the
    tokens), nothing stored. When user info cannot be read (Salla unavailable, rate limited,
    unreadable answer) the error is logged and raised, and nothing is recorded, so Salla's
    redelivery of the same event is processed afresh.

    ``announced_price`` reads the regular price of a ``product.price.updated``; without it no
    such event is recognized as our own echo and each one reprices its product (safe, but one
    sweep of work per echo).
    """
    store_id = None if event.merchant_id in (None, "") else str(event.merchant_id)
    ownership = _check_ownership(uow_factory, clock, event, store_id, user_info)
    followups: list[Command] = []
    with uow_factory(store_id) as uow:
        if not uow.webhooks.record(event.delivery_id, event=event.event, store_id=store_id, at=clock.now()):
            return WebhookOutcome.DUPLICATE
        if store_id is None or event.event not in HANDLED_EVENTS:
            outcome = WebhookOutcome.IGNORED
        elif ownership is not None and ownership.refusal is not None:
            _log_refused(uow, clock, event, store_id, ownership)
            outcome = WebhookOutcome.REFUSED
        else:
            merchant = ownership.merchant if ownership is not None else None
            outcome = _apply(uow, clock, event, store_id, merchant, followups, announced_price)
        # Commit also for ignored and rejected deliveries: the inbox must remember them.
        uow.commit()
    for command in followups:
        queue.dispatch(command)
    return outcome


def _check_ownership(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    event: IncomingWebhook,
    store_id: str | None,
    user_info: UserInfo,
) -> _Ownership | None:
    """Ask Salla whose tokens an authorization carries (None for any other event).

    An authorization without an access token is left to ``_authorize``, which rejects it as
    malformed; there is nothing to ask Salla about.
    """
    if event.event != APP_STORE_AUTHORIZE or store_id is None:
        return None
    data = event.data if isinstance(event.data, Mapping) else {}
    access_token = data.get("access_token")
    if not isinstance(access_token, str) or not access_token.strip():
        return None
    try:
        info = user_info(access_token)
    except TokenRevoked as exc:
        return _Ownership(refusal=f"Salla refused the delivered access token on user info "
                                  f"(HTTP {exc.status or 401})")
    except SallaError as exc:
        _log_unverified(uow_factory, clock, event, store_id, exc)
        raise
    if info.merchant_id != store_id:
        return _Ownership(refusal=f"the delivered tokens belong to store {info.merchant_id}, not {store_id}",
                          token_store_id=info.merchant_id)
    return _Ownership(merchant=info)


def _log_refused(uow: UnitOfWork, clock: Clock, event: IncomingWebhook, store_id: str, ownership: _Ownership) -> None:
    uow.system_activity.log(
        ActivityType.SYSTEM_TOKENS_UNVERIFIED,
        f"app.store.authorize for store {store_id} refused, tokens not stored: {ownership.refusal}",
        at=clock.now(),
        metadata={
            "outcome": "refused",
            "applied": False,
            "event": event.event,
            "delivery_id": event.delivery_id,
            "store_id": store_id,
            "token_store_id": ownership.token_store_id,
            "reason": ownership.refusal,
        },
    )


def _log_unverified(
    uow_factory: UnitOfWorkFactory, clock: Clock, event: IncomingWebhook, store_id: str, error: SallaError
) -> None:
    """Log, in a transaction of its own, that an authorization waits for Salla's redelivery.

    The inbox is not touched: the delivery must count as new when Salla sends it again.
    """
    with uow_factory(store_id) as uow:
        uow.system_activity.log(
            ActivityType.SYSTEM_TOKENS_UNVERIFIED,
            f"app.store.authorize for store {store_id} not stored yet: user info unavailable "
            f"({type(error).__name__}: {error}); Salla delivers it again",
            at=clock.now(),
            metadata={
                "outcome": "retry",
                "applied": False,
                "event": event.event,
                "delivery_id": event.delivery_id,
                "store_id": store_id,
                "status": error.status,
            },
        )
        uow.commit()


def _apply(
    uow: UnitOfWork,
    clock: Clock,
    event: IncomingWebhook,
    store_id: str,
    merchant: MerchantInfo | None,
    followups: list[Command],
    announced_price: AnnouncedPrice | None,
) -> WebhookOutcome:
    if event.event == APP_STORE_AUTHORIZE:
        return _authorize(uow, clock, event, store_id, merchant, followups)
    if event.event == APP_INSTALLED:
        return _installed(uow, clock, event, store_id)
    if event.event == APP_UNINSTALLED:
        return _uninstalled(uow, clock, event, store_id)
    if event.event == APP_SETTINGS_UPDATED:
        return _settings_updated(uow, clock, event, store_id, followups)
    return _price_updated(uow, event, store_id, followups, announced_price)


def _authorize(
    uow: UnitOfWork,
    clock: Clock,
    event: IncomingWebhook,
    store_id: str,
    merchant: MerchantInfo | None,
    followups: list[Command],
) -> WebhookOutcome:
    try:
        # ``expires`` in this event is a Unix timestamp (Salla's docs), ``expires_in`` a duration.
        tokens = token_set_from_payload(event.data, clock.now())
    except TokenPayloadError as exc:
        _log_rejected(uow, clock, store_id, event, f"app.store.authorize with {exc}")
        return WebhookOutcome.REJECTED
    expires_at = tokens.expires_at
    existing = uow.stores.get(store_id)
    created_at = parse_event_time(event.created_at)
    if (
        existing is not None
        and existing.uninstalled_at is not None
        and created_at is not None
        and created_at < existing.uninstalled_at
    ):
        # Salla redelivers a failed delivery for about 15 minutes: an install's authorization can
        # arrive after the uninstall that followed it. Equal times are not "older" (1 s resolution).
        _log_rejected(uow, clock, store_id, event,
                      f"created {created_at.isoformat()}, before the uninstall of "
                      f"{existing.uninstalled_at.isoformat()}; the store stays uninstalled")
        return WebhookOutcome.REJECTED
    held = scope_of(uow).tokens.get() if existing is not None and existing.is_active else None
    if held is not None and held.expires_at > expires_at:
        # Salla retries a failed delivery minutes later: an older authorization arriving after a
        # newer one (or after our own refresh) would put a rotated-out token chain back in place.
        _log_rejected(uow, clock, store_id, event,
                      f"older than the tokens held (expires {expires_at:%Y-%m-%d %H:%M} UTC, "
                      f"held until {held.expires_at:%Y-%m-%d %H:%M} UTC)")
        return WebhookOutcome.REJECTED
    if merchant is None:
        merchant = MerchantInfo(
            merchant_id=store_id,
            store_name=existing.store_name if existing else "",
            plan=existing.plan if existing else "plus",
            currency=existing.currency if existing else "SAR",
        )
    elif existing is not None:
        # User info carries no currency (its "SAR" is a default): keep the one the store has.
        merchant = attrs.evolve(merchant, currency=existing.currency)
    result = onboard_in(uow, clock, tokens=tokens, merchant=merchant, source=APP_STORE_AUTHORIZE)
    followups.extend(result.followups())
    return WebhookOutcome.PROCESSED


def _installed(uow: UnitOfWork, clock: Clock, event: IncomingWebhook, store_id: str) -> WebhookOutcome:
    existing = uow.stores.get(store_id)
    if existing is not None:
        # Authorize came first (or this is a repeat install of a live store): nothing to add.
        # A deactivated store is reactivated by the tokens of ``app.store.authorize``, not here.
        return WebhookOutcome.PROCESSED
    now = clock.now()
    store = merge_store(None, MerchantInfo(merchant_id=store_id, store_name=""), at=now)
    uow.stores.upsert(store)
    scope = scope_of(uow)
    scope.settings.save(TenantSettings())
    scope.activity.log(
        ActivityType.STORE_ONBOARDED,
        f"Store {store_id} installed (app.installed); waiting for its tokens",
        at=now,
        metadata={
            "source": APP_INSTALLED,
            "created": True,
            "store_type": event.data.get("store_type"),
            "app_scopes": event.data.get("app_scopes"),
        },
    )
    return WebhookOutcome.PROCESSED


def _uninstalled(uow: UnitOfWork, clock: Clock, event: IncomingWebhook, store_id: str) -> WebhookOutcome:
    existing = uow.stores.get(store_id)
    if existing is None:
        return WebhookOutcome.IGNORED
    # Salla's time of the uninstall, so a late authorization created before it is told apart from
    # a reinstall. An unreadable time records nothing: the tokens check still refuses the old
    # tokens (Salla revokes them on uninstall), and a wrong guess could lock a reinstall out.
    when = parse_event_time(event.created_at)
    uninstalled_at = existing.uninstalled_at
    if when is not None and (uninstalled_at is None or when > uninstalled_at):
        uninstalled_at = when
    if not existing.is_active:
        if uninstalled_at != existing.uninstalled_at:
            uow.stores.upsert(attrs.evolve(existing, uninstalled_at=uninstalled_at))
        return WebhookOutcome.PROCESSED  # already inactive: keep the first reason
    now = clock.now()
    uow.stores.upsert(attrs.evolve(existing, is_active=False, deactivated_at=now,
                                   deactivation_reason="app uninstalled", uninstalled_at=uninstalled_at))
    scope_of(uow).activity.log(
        ActivityType.STORE_UNINSTALLED,
        "App uninstalled from the store; store deactivated",
        at=now,
        metadata={
            "uninstallation_date": event.data.get("uninstallation_date"),
            "refunded": event.data.get("refunded"),
        },
    )
    return WebhookOutcome.PROCESSED


def _settings_updated(
    uow: UnitOfWork,
    clock: Clock,
    event: IncomingWebhook,
    store_id: str,
    followups: list[Command],
) -> WebhookOutcome:
    if uow.stores.get(store_id) is None:
        return WebhookOutcome.IGNORED
    raw = event.data.get("settings")
    if not isinstance(raw, Mapping):
        _log_rejected(uow, clock, store_id, event, "app.settings.updated without a settings object")
        return WebhookOutcome.REJECTED
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
    followups.extend(update.followups(store_id))
    return WebhookOutcome.PROCESSED


def _price_updated(
    uow: UnitOfWork,
    event: IncomingWebhook,
    store_id: str,
    followups: list[Command],
    announced_price: AnnouncedPrice | None,
) -> WebhookOutcome:
    store = uow.stores.get(store_id)
    product_id = event.data.get("id")
    if store is None or not store.is_active or product_id in (None, ""):
        return WebhookOutcome.IGNORED
    product_id = str(product_id)
    new_price = announced_price(event.data) if announced_price is not None else None
    if new_price is not None and _is_our_own_price(uow, product_id, new_price):
        # Salla echoes our own bulk price update back as this event; repricing it would loop.
        return WebhookOutcome.IGNORED
    followups.append(RepriceProducts(store_id=store_id, product_ids=(product_id,)))
    return WebhookOutcome.PROCESSED


# Statuses of a decision whose price we have written or are writing to Salla.
_WRITTEN = frozenset({DecisionStatus.APPROVED, DecisionStatus.APPLYING, DecisionStatus.APPLIED})


def _is_our_own_price(uow: UnitOfWork, product_id: str, price: Decimal) -> bool:
    """True when ``price`` is the last price we recorded, or one we are applying right now.

    The second check closes a race: Salla applies a bulk update and sends the event while the
    worker that sent it has not yet recorded the price history.
    """
    scope = scope_of(uow)
    last = scope.price_history.latest([product_id]).get(product_id)
    if last is not None and last.price == price:
        return True
    recent = scope.decisions.list(product_id=product_id, limit=5)
    return any(r.status in _WRITTEN and r.decision.suggested_price == price for r in recent)


def _log_rejected(uow: UnitOfWork, clock: Clock, store_id: str, event: IncomingWebhook, why: str) -> None:
    """Log a refused delivery on the store when it exists, on the system log otherwise."""
    target = scope_of(uow).activity if uow.stores.get(store_id) is not None else uow.system_activity
    activity = (
        ActivityType.SETTINGS_UPDATED
        if event.event == APP_SETTINGS_UPDATED
        else ActivityType.TOKENS_AUTHORIZED
    )
    target.log(
        activity,
        f"Webhook {event.event} rejected: {why}",
        at=clock.now(),
        metadata={
            "applied": False,
            "event": event.event,
            "delivery_id": event.delivery_id,
            "store_id": store_id,
        },
    )


__all__ = [
    "APP_INSTALLED",
    "APP_SETTINGS_UPDATED",
    "APP_STORE_AUTHORIZE",
    "APP_UNINSTALLED",
    "HANDLED_EVENTS",
    "PRODUCT_PRICE_UPDATED",
    "AnnouncedPrice",
    "IncomingWebhook",
    "UserInfo",
    "WebhookDelivery",
    "WebhookOutcome",
    "handle_webhook_event",
    "redacted_payload_repr",
]
