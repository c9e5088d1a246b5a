"""Installs of the fake Salla's app: tokens granted directly, easy-mode events, App Store installs, uninstalls.

``InstallsMixin`` is the part of ``FakeSalla`` (``fake.py``, which holds the state) that installs
and removes the app on a sandbox store; ``_Fake`` lists what it uses of the rest of the fake.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, Protocol
from urllib.parse import urlencode

from adapters.fake_salla.clock import riyadh_stamp
from adapters.fake_salla.stores import FakeStore
from adapters.fake_salla.subscriptions import WebhookRegistry
from adapters.fake_salla.tokens import IssuedTokens, TokenAuthority
from adapters.fake_salla.webhooks import Delivery, WebhookSender, encode_event

SANDBOX_APP_ID = 1_717_171_717
FULL_SCOPE = "settings.read products.read_write orders.read webhooks.read_write offline_access"

InstallOrder = Literal["random", "installed_first", "authorize_first"]


def _token_answer(issued: IssuedTokens) -> dict[str, Any]:
    return {
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "expires_in": issued.expires_in,
        "expires": int(issued.expires_at.timestamp()),
        "scope": issued.scope,
        "token_type": "bearer",
    }


class _Fake(Protocol):
    """What installs use of the rest of ``FakeSalla``."""

    lock: threading.RLock
    client_id: str
    tokens: TokenAuthority
    store_webhooks: WebhookRegistry
    webhooks: WebhookSender | None
    _rng: random.Random

    def now(self) -> datetime: ...
    def store(self, merchant_id: int | str) -> FakeStore: ...
    def mark_changed(self) -> None: ...
    def _require_webhooks(self) -> WebhookSender: ...
    def _envelope(self, event: str, merchant_id: int, data: Mapping[str, Any]) -> dict[str, Any]: ...
    def emit_event(self, merchant_id: int | str, event: str, data: Mapping[str, Any]) -> Delivery | None: ...
    def issue_tokens(self, merchant_id: int | str, *, scope: str = FULL_SCOPE) -> dict[str, Any]: ...


class InstallsMixin:
    """``FakeSalla``'s installs: grant tokens, send the install events, uninstall."""

    def issue_tokens(self: _Fake, merchant_id: int | str, *, scope: str = FULL_SCOPE) -> dict[str, Any]:
        """Grant tokens directly, as an easy-mode install does (no code flow).

        Returns ``access_token``, ``refresh_token``, ``expires_in`` (seconds), ``expires``
        (Unix timestamp), ``scope`` and ``token_type``. Reinstalls an uninstalled store.
        """
        with self.lock:
            store = self.store(merchant_id)
            store.installed = True
            issued = self.tokens.new_chain(store.merchant_id, scope, self.now())
        self.mark_changed()
        return _token_answer(issued)

    def deliver_install(
        self: _Fake, merchant_id: int | str, *, order: InstallOrder = "random", scope: str = FULL_SCOPE
    ) -> dict[str, Any]:
        """Easy-mode install: grant tokens and send ``app.installed`` and ``app.store.authorize``.

        The two events go out in ``order`` ("random" draws it from the seed, as Salla gives no
        ordering guarantee). Needs a webhook URL. Returns the granted tokens.
        """
        sender = self._require_webhooks()
        tokens = self.issue_tokens(merchant_id, scope=scope)
        mid = int(merchant_id)
        now = self.now()
        installed = self._envelope(
            "app.installed",
            mid,
            {
                "id": SANDBOX_APP_ID,
                "app_name": "Salla Price Optimizer",
                "app_description": "Prices your catalog against the market",
                "app_type": "app",
                "app_scopes": scope.split(),
                "installation_date": riyadh_stamp(now),
                "store_type": "development",
            },
        )
        authorize = self._envelope(
            "app.store.authorize",
            mid,
            {
                "access_token": tokens["access_token"],
                # In this event ``expires`` is a Unix timestamp (Salla's docs warn about it).
                "expires": tokens["expires"],
                "refresh_token": tokens["refresh_token"],
                "scope": tokens["scope"],
                "token_type": "bearer",
            },
        )
        with self.lock:
            first_installed = order == "installed_first" or (order == "random" and self._rng.random() < 0.5)
        pair = [installed, authorize] if first_installed else [authorize, installed]
        for payload in pair:
            sender.send(str(payload["event"]), mid, encode_event(payload))
        return tokens

    def app_store_install(self: _Fake, merchant_id: int | str, redirect_uri: str, *, scope: str = FULL_SCOPE) -> str:
        """A custom-mode install started in Salla's App Store: the callback URL Salla sends the merchant to.

        It carries a fresh single-use ``code`` and Salla's own ``state`` (the app never ran its
        authorize step, so there is no state of the app's to echo).
        """
        with self.lock:
            store = self.store(merchant_id)
            store.installed = True
            code = self.tokens.new_code(merchant_id=store.merchant_id, client_id=self.client_id,
                                        redirect_uri=redirect_uri, scope=scope, now=self.now())
            state = f"{self._rng.getrandbits(128):032x}"
        self.mark_changed()
        separator = "&" if "?" in redirect_uri else "?"
        return f"{redirect_uri}{separator}{urlencode({'code': code, 'scope': scope, 'state': state})}"

    def uninstall_store(self: _Fake, merchant_id: int | str) -> None:
        """The merchant removes the app: tokens die, the API answers 401, its store webhooks are
        removed, and ``app.uninstalled`` is sent."""
        with self.lock:
            store = self.store(merchant_id)
            store.installed = False
            self.tokens.revoke_store(store.merchant_id)
            self.store_webhooks.clear(store.merchant_id)
        self.mark_changed()
        if self.webhooks is not None:
            now = riyadh_stamp(self.now())
            self.emit_event(
                merchant_id,
                "app.uninstalled",
                {
                    "id": SANDBOX_APP_ID,
                    "app_name": "Salla Price Optimizer",
                    "app_description": "Prices your catalog against the market",
                    "app_type": "app",
                    "categories": [],
                    "installation_date": now,
                    "uninstallation_date": now,
                    "refunded": False,
                    "store_type": "development",
                },
            )


__all__ = ["FULL_SCOPE", "SANDBOX_APP_ID", "InstallOrder", "InstallsMixin"]
