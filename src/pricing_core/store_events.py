"""Store-event subscriptions: which Salla store events the app needs, and what a store has.

Salla sends app events (``app.store.authorize``, ``app.uninstalled``, ...) to the app's webhook
URL by itself, but store events such as ``product.price.updated`` reach the app only when it is
subscribed to them: in the Partner Portal (the app's "Store Events"), or per store through the
Webhooks API (``POST /webhooks/subscribe``, scope ``webhooks.read_write``). Without a
subscription the event-driven repricing path never fires on a real store.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from pricing_core.events import ORDER_EVENTS, PRODUCT_PRICE_UPDATED

STORE_EVENTS: tuple[str, ...] = (PRODUCT_PRICE_UPDATED, *ORDER_EVENTS)
"""The store events the optimizer reacts to: price changes (repricing) and orders (the sales history)."""

WEBHOOKS_SCOPE = "webhooks.read_write"
"""The scope ``POST /webhooks/subscribe`` needs (``GET /webhooks`` also accepts ``webhooks.read``)."""


@attrs.frozen(kw_only=True)
class SallaWebhook:
    """One webhook registered on a store, as ``GET /webhooks`` lists it."""

    id: str
    event: str
    url: str
    name: str = ""
    version: int | None = None


def same_url(a: str, b: str) -> bool:
    """True when two webhook URLs name the same endpoint (scheme and host case, a trailing slash aside)."""
    return _normal(a) == _normal(b)


def _normal(url: str) -> str:
    text = url.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text.rstrip("/")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}".rstrip("/")


def events_subscribed(webhooks: Iterable[SallaWebhook], url: str) -> set[str]:
    """The events among ``webhooks`` that are delivered to ``url``."""
    return {w.event for w in webhooks if same_url(w.url, url)}


@attrs.frozen(kw_only=True)
class SubscriptionState:
    """What the last check of a store's store-event subscriptions found.

    ``subscribed``: wanted events that Salla lists for our callback URL; ``missing``: wanted
    events without a subscription after the check; ``error``: why the check or a subscription
    failed (None when it went through); ``scope_missing``: the store's token lacks
    ``webhooks.read_write``, so only a re-authorization (or the Partner Portal) can fix it.
    """

    store_id: str
    callback_url: str
    subscribed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    checked_at: datetime
    error: str | None = None
    scope_missing: bool = False

    @property
    def complete(self) -> bool:
        """Every wanted event is subscribed."""
        return not self.missing and self.error is None

    def as_dict(self) -> dict[str, object]:
        """The JSON shape used by the CLI, the API and the operator view."""
        return {
            "ok": self.complete,
            "subscribed": list(self.subscribed),
            "missing": list(self.missing),
            "checked_at": self.checked_at.isoformat(),
            "error": self.error,
            "scope_missing": self.scope_missing,
            "callback_url": self.callback_url,
        }


NOT_CHECKED = "not checked yet"


def subscription_gap(state: SubscriptionState | None) -> str | None:
    """None when the store receives every store event it needs; otherwise why it does not (short)."""
    if state is None:
        return NOT_CHECKED
    if state.scope_missing:
        return f"token lacks {WEBHOOKS_SCOPE}"
    if state.missing:
        reason = f"missing {', '.join(state.missing)}"
        return f"{reason} ({state.error})" if state.error else reason
    if state.error:
        return state.error
    return None


__all__ = [
    "NOT_CHECKED",
    "STORE_EVENTS",
    "WEBHOOKS_SCOPE",
    "SallaWebhook",
    "SubscriptionState",
    "events_subscribed",
    "same_url",
    "subscription_gap",
]
