"""Salla's APIs as the core sees them: accounts (OAuth), the catalog, orders and webhooks.

Errors are the core's (``pricing_core.errors``): each port's docstring names the ones it raises.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

import attrs

from pricing_core.catalog import Product
from pricing_core.sales import SoldLine
from pricing_core.store_events import SallaWebhook
from pricing_core.tokens import TokenSet

# ``webhooks.read_write`` lets the app subscribe each store to the store events it needs
# (``usecases/subscriptions.py``); without it they must be subscribed in the Partner Portal.
# ``orders.read`` lets the app read the store's sales (``usecases/sales_sync.py``).
DEFAULT_SCOPE = "offline_access products.read_write orders.read webhooks.read_write"


@attrs.frozen(kw_only=True)
class MerchantInfo:
    """Who installed the app and into which store (``/oauth2/user/info`` or ``/store/info``)."""

    merchant_id: str
    store_name: str
    plan: str = "plus"
    currency: str = "SAR"
    domain: str | None = None
    email: str | None = None
    user_name: str | None = None


@attrs.frozen(kw_only=True)
class RejectedItem:
    """A catalog item the adapter could not read, and why (it is skipped, the sweep goes on)."""

    product_id: str | None
    reason: str


@attrs.frozen(kw_only=True)
class ProductPage:
    """One page of a store's catalog, already parsed into core ``Product``s."""

    products: tuple[Product, ...]
    rejected: tuple[RejectedItem, ...] = ()
    page: int = 1
    total_pages: int = 1
    total_products: int | None = None


@attrs.frozen(kw_only=True)
class PriceUpdate:
    """One price to write to Salla."""

    product_id: str
    price: Decimal
    sku: str | None = None


@attrs.frozen(kw_only=True)
class ApplyReport:
    """What Salla accepted from a batch of price updates (``failed`` maps product id to reason).

    ``retryable`` maps the ids that were not written for a reason a later attempt may not meet
    (Salla answered 503 or 429, a connection failed before the request went out), to the reason;
    ``failed`` holds the refusals no retry changes (validation, unknown product).
    """

    accepted: tuple[str, ...]
    failed: Mapping[str, str] = attrs.field(factory=dict)
    requests: int = 0
    retryable: Mapping[str, str] = attrs.field(factory=dict)


class SallaAuth(Protocol):
    """Salla's accounts service: OAuth code flow, refresh, user info.

    Errors: ``TokenRevoked`` for ``invalid_grant``, ``SallaUnavailable`` for timeouts and 5xx,
    ``BadResponse`` for anything unreadable.
    """

    def authorize_url(self, *, state: str, redirect_uri: str, scope: str = DEFAULT_SCOPE) -> str:
        """The URL to send the merchant to."""
        ...

    def exchange_code(self, code: str, *, redirect_uri: str) -> TokenSet:
        """Exchange a single-use authorization code for tokens."""
        ...

    def refresh(self, refresh_token: str) -> TokenSet:
        """Rotate the token set. The old refresh token is dead afterwards; reusing it revokes the chain."""
        ...

    def user_info(self, access_token: str) -> MerchantInfo:
        """The merchant (store) the token belongs to."""
        ...


class SallaCatalog(Protocol):
    """Salla's Merchant API, as much of it as pricing needs.

    Errors: ``TokenRevoked`` (401), ``RateLimited`` (after the adapter's own retries),
    ``SallaUnavailable``, ``BadResponse``.
    """

    def iter_product_pages(self, access_token: str) -> Iterator[ProductPage]:
        """Stream the whole catalog page by page. A product that cannot be parsed is in ``rejected``."""
        ...

    def get_products(self, access_token: str, product_ids: Sequence[str]) -> ProductPage:
        """Fetch products by id (event repricing; the re-check before every write, which may ask for
        hundreds: an adapter reads catalog pages when that costs fewer requests). Missing ones are
        in ``rejected``."""
        ...

    def apply_prices(self, access_token: str, updates: Sequence[PriceUpdate]) -> ApplyReport:
        """Write new prices in as few requests as Salla allows (bulk, chunked)."""
        ...

    def store_info(self, access_token: str) -> MerchantInfo:
        """The store's name, plan and currency."""
        ...


class SallaOrders(Protocol):
    """Reads a store's orders from Salla's Orders API, as sold lines (no customer data)."""

    def iter_sold_lines(self, access_token: str, *, since: date) -> Iterator[SoldLine]:
        """Every line of every order created on ``since`` (the store's local date) or later."""
        ...


class SallaWebhooks(Protocol):
    """Salla's Webhooks API for one store (the token picks the store): list and subscribe.

    A port of its own rather than two more ``SallaCatalog`` methods: it needs another scope
    (``webhooks.read_write``), only the subscription use case uses it, and the catalog's fakes
    and callers need not know it exists. The real ``SallaMerchantClient`` implements both ports
    over one HTTP session and one rate-limit pacer, since these requests spend the same
    per-store budget.

    Errors: ``MissingScope`` (401 naming the scope the token lacks), ``TokenRevoked`` (other
    401), ``RateLimited``, ``SallaUnavailable``, ``BadResponse`` (e.g. 422: Salla refused the URL
    or the event).
    """

    def list_webhooks(self, access_token: str) -> list[SallaWebhook]:
        """Every webhook registered on the store (``GET /webhooks``, all pages)."""
        ...

    def subscribe_webhook(self, access_token: str, *, event: str, url: str, name: str) -> SallaWebhook:
        """Register ``url`` for ``event`` on the store (``POST /webhooks/subscribe``, version 2)."""
        ...


__all__ = [
    "DEFAULT_SCOPE",
    "ApplyReport",
    "MerchantInfo",
    "PriceUpdate",
    "ProductPage",
    "RejectedItem",
    "SallaAuth",
    "SallaCatalog",
    "SallaOrders",
    "SallaWebhooks",
]
