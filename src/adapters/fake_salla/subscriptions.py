"""The fake Salla's store webhooks: what each store subscribed through the Webhooks API.

Salla delivers store events (``product.price.updated``, ``order.created``, ...) only to what
subscribed them: a store webhook registered with ``POST /webhooks/subscribe`` (delivered to its
URL), or the app's "Store Events" in the Partner Portal (delivered to the app's webhook URL; the
fake's ``portal_events``). App events need no subscription. This module keeps the first kind.

Registering the same event at the same URL again updates that webhook instead of adding one
(Salla: "New subscriptions with the same URL will update events / restore old webhooks");
what Salla does with a second *event* at the same URL is not documented precisely, so the fake
keeps one webhook per (event, URL), the reading under which both events keep arriving.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import attrs

# Store events a webhook may be registered for (the documented product and order events and a
# few others from ``GET /webhooks/events``); app events cannot be subscribed.
KNOWN_EVENTS = frozenset({
    "product.created", "product.updated", "product.deleted", "product.available", "product.quantity.low",
    "product.price.updated", "product.status.updated", "product.image.updated", "product.category.updated",
    "product.brand.updated", "product.tags.updated", "product.channels.changed",
    "order.created", "order.updated", "order.status.updated", "order.cancelled", "order.refunded",
    "order.deleted", "order.payment.updated", "order.products.updated", "order.total.price.updated",
    "customer.created", "customer.updated", "category.created", "category.updated",
})

FIRST_WEBHOOK_ID = 60_587_520  # the id in Salla's documented example, then counting up


@attrs.define(kw_only=True)
class StoreWebhook:
    """One registered webhook of a store."""

    id: int
    name: str
    event: str
    url: str
    version: int = 2
    rule: str | None = None
    headers: dict[str, str] = attrs.field(factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The documented shape (``GET /webhooks`` item, ``POST /webhooks/subscribe`` data)."""
        return {
            "id": self.id,
            "name": self.name,
            "event": self.event,
            "type": "manual",
            "url": self.url,
            "version": self.version,
            "rule": self.rule,
            "headers": dict(self.headers),
        }


def url_problem(url: object, *, strict: bool) -> str | None:
    """Why Salla would refuse ``url`` as a webhook URL (None: acceptable).

    Salla refuses URLs that are not valid and live, naming ``localhost`` and ``test.`` hosts;
    ``strict`` applies that rule too (off by default, so a local sandbox can subscribe itself).
    """
    if not isinstance(url, str) or not url.strip():
        return "حقل url مطلوب."
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "لابد أن يكون الرابط صالح وفعّال (لا يحتوي على localhost أو test.)"
    host = parts.hostname.lower()
    if strict and (host == "localhost" or host.startswith("127.") or host == "::1" or "test." in host
                   or host.endswith(".test")):
        return "لابد أن يكون الرابط صالح وفعّال (لا يحتوي على localhost أو test.)"
    return None


def _same_url(a: str, b: str) -> bool:
    return a.strip().rstrip("/") == b.strip().rstrip("/")


class WebhookRegistry:
    """Every store's registered webhooks. Not thread-safe: the fake calls it under its lock."""

    def __init__(self) -> None:
        self._hooks: dict[int, list[StoreWebhook]] = {}
        self._next_id = FIRST_WEBHOOK_ID

    def subscribe(
        self,
        merchant_id: int,
        *,
        event: str,
        url: str,
        name: str = "",
        version: int = 2,
        rule: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> StoreWebhook:
        """Register (or update, for the same event and URL) a webhook."""
        hooks = self._hooks.setdefault(merchant_id, [])
        for hook in hooks:
            if hook.event == event and _same_url(hook.url, url):
                hook.name, hook.version, hook.rule = name or hook.name, version, rule
                if headers is not None:
                    hook.headers = dict(headers)
                return hook
        hook = StoreWebhook(id=self._next_id, name=name or event, event=event, url=url.strip(),
                            version=version, rule=rule, headers=dict(headers or {}))
        self._next_id += 1
        hooks.append(hook)
        return hook

    def of_store(self, merchant_id: int) -> list[StoreWebhook]:
        """The store's webhooks in registration order."""
        return list(self._hooks.get(merchant_id, []))

    def unsubscribe(self, merchant_id: int, *, webhook_id: int | None = None, url: str | None = None) -> int:
        """Remove by id and/or URL (a URL removes every webhook registered to it); how many went."""
        hooks = self._hooks.get(merchant_id, [])
        kept = [h for h in hooks
                if not ((webhook_id is None or h.id == webhook_id) and (url is None or _same_url(h.url, url)))]
        self._hooks[merchant_id] = kept
        return len(hooks) - len(kept)

    def clear(self, merchant_id: int) -> None:
        """Forget a store's webhooks (the app was uninstalled from it)."""
        self._hooks.pop(merchant_id, None)

    def urls_for(self, merchant_id: int, event: str) -> list[str]:
        """Where a store event of the store goes, one URL once."""
        return list(dict.fromkeys(h.url for h in self._hooks.get(merchant_id, []) if h.event == event))

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready state (``FakeSalla.snapshot``)."""
        hooks = {str(mid): [attrs.asdict(h) for h in hooks] for mid, hooks in self._hooks.items() if hooks}
        return {"hooks": hooks, "next_id": self._next_id}

    def restore(self, state: dict[str, Any], known_stores: set[int]) -> None:
        """Replace the state with a ``snapshot()``; raises ``ValueError``/``KeyError`` when malformed."""
        restored: dict[int, list[StoreWebhook]] = {}
        for raw_mid, raw_hooks in state["hooks"].items():
            merchant_id = int(raw_mid)
            if merchant_id not in known_stores:
                raise ValueError(f"a webhook names unknown store {merchant_id}")
            restored[merchant_id] = [
                StoreWebhook(id=int(h["id"]), name=str(h["name"]), event=str(h["event"]), url=str(h["url"]),
                             version=int(h["version"]), rule=h.get("rule"),
                             headers={str(k): str(v) for k, v in dict(h.get("headers") or {}).items()})
                for h in raw_hooks
            ]
        next_id = int(state["next_id"])
        self._hooks = restored
        self._next_id = next_id


__all__ = ["FIRST_WEBHOOK_ID", "KNOWN_EVENTS", "StoreWebhook", "WebhookRegistry", "url_problem"]
