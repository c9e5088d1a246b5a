"""The Salla ports in memory: a tiny accounts service and catalog for unit tests of the use cases.

Small on purpose. ``FakeSallaAuth`` rotates refresh tokens and, like Salla, revokes the whole
chain when a refresh token is used twice. ``FakeSallaCatalog`` keeps products per store, pages
them, applies prices immediately and counts every apply per product; it also keeps each store's
registered webhooks (the ``SallaWebhooks`` port), refusing tokens without ``webhooks.read_write``
as Salla does. Both can be told to fail their next calls. The HTTP-level emulator is
``adapters.fake_salla``; this one skips HTTP. Both run the ports' contract with the httpx clients
(``tests/contract/test_salla_ports_contract.py``).
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from pricing_core.catalog import Product
from pricing_core.errors import MissingScope, TokenRevoked
from pricing_core.ports import DEFAULT_SCOPE, ApplyReport, MerchantInfo, PriceUpdate, ProductPage, RejectedItem
from pricing_core.store_events import WEBHOOKS_SCOPE, SallaWebhook, same_url
from pricing_core.tokens import TokenSet

ACCESS_TTL = timedelta(days=14)


class FakeSallaAuth:
    """``SallaAuth`` port in memory. Tokens are bound to a merchant id; reuse revokes the chain."""

    def __init__(self, now: Callable[[], datetime], *, invalid_grant_status: int = 400) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.invalid_grant_status = invalid_grant_status
        self.refresh_calls = 0
        self._refresh: dict[str, tuple[str, int]] = {}   # refresh token -> (merchant id, chain)
        self._used: dict[str, int] = {}                   # spent refresh token -> chain
        self._access: dict[str, tuple[str, int]] = {}     # access token -> (merchant id, chain)
        self._revoked_chains: set[int] = set()
        self._scopes: dict[int, str] = {}                 # chain -> granted scope
        self._failures: deque[Exception] = deque()
        self.refresh_delay: Callable[[], None] | None = None

    def issue(self, merchant_id: str, *, scope: str = DEFAULT_SCOPE) -> TokenSet:
        """Grant a new token chain (an install) with ``scope``."""
        with self._lock:
            chain = next(self._ids)
            self._scopes[chain] = scope
            return self._mint(str(merchant_id), chain)

    def _mint(self, merchant_id: str, chain: int) -> TokenSet:
        n = next(self._ids)
        access, refresh = f"at-{merchant_id}-{n}", f"rt-{merchant_id}-{n}"
        self._access[access] = (merchant_id, chain)
        self._refresh[refresh] = (merchant_id, chain)
        return TokenSet(access_token=access, refresh_token=refresh, expires_at=self._now() + ACCESS_TTL,
                        scope=self._scopes.get(chain, DEFAULT_SCOPE))

    def scope_of(self, access_token: str) -> str:
        """The scope granted with an access token (``TokenRevoked`` if unknown or revoked)."""
        self.merchant_for(access_token)
        with self._lock:
            return self._scopes.get(self._access[access_token][1], DEFAULT_SCOPE)

    def fail_next(self, *errors: Exception) -> None:
        """Raise these on the next refresh calls, in order."""
        with self._lock:
            self._failures.extend(errors)

    def uninstall(self, merchant_id: str) -> None:
        """Revoke every chain of a merchant (the app was uninstalled)."""
        with self._lock:
            for _token, (mid, chain) in list(self._refresh.items()) + list(self._access.items()):
                if mid == str(merchant_id):
                    self._revoked_chains.add(chain)

    def merchant_for(self, access_token: str) -> str:
        """The merchant an access token belongs to; ``TokenRevoked`` (401) if unknown or revoked."""
        with self._lock:
            found = self._access.get(access_token)
            if found is None or found[1] in self._revoked_chains:
                raise TokenRevoked("The access token is invalid", status=401)
            return found[0]

    # -- the port

    def authorize_url(self, *, state: str, redirect_uri: str, scope: str = "") -> str:
        """Not used by the runners; present for the port."""
        return f"https://fake.invalid/oauth2/auth?state={state}&redirect_uri={redirect_uri}"

    def exchange_code(self, code: str, *, redirect_uri: str) -> TokenSet:
        """Codes are merchant ids in this fake."""
        return self.issue(code)

    def refresh(self, refresh_token: str) -> TokenSet:
        """Rotate; a reused or revoked refresh token revokes the chain (``invalid_grant``)."""
        if self.refresh_delay is not None:
            self.refresh_delay()
        with self._lock:
            self.refresh_calls += 1
            if self._failures:
                raise self._failures.popleft()
            if refresh_token in self._used:
                self._revoked_chains.add(self._used[refresh_token])
                raise TokenRevoked("The refresh token was already used.", status=self.invalid_grant_status)
            found = self._refresh.pop(refresh_token, None)
            if found is None or found[1] in self._revoked_chains:
                raise TokenRevoked("invalid_grant", status=self.invalid_grant_status)
            merchant_id, chain = found
            self._used[refresh_token] = chain
            for access, (_mid, c) in list(self._access.items()):
                if c == chain:
                    del self._access[access]  # the old access token dies with the rotation
            return self._mint(merchant_id, chain)

    def user_info(self, access_token: str) -> MerchantInfo:
        """The merchant of the token."""
        merchant_id = self.merchant_for(access_token)
        return MerchantInfo(merchant_id=merchant_id, store_name=f"Store {merchant_id}")


@attrs.define
class _Store:
    products: dict[str, Product] = attrs.Factory(dict)
    plan: str = "plus"
    name: str = ""


class FakeSallaCatalog:
    """``SallaCatalog`` port in memory, checking access tokens against a ``FakeSallaAuth``."""

    def __init__(self, auth: FakeSallaAuth, *, page_size: int = 60) -> None:
        self.auth = auth
        self.page_size = page_size
        self._lock = threading.Lock()
        self._stores: dict[str, _Store] = {}
        self.applies: Counter[tuple[str, str]] = Counter()   # (merchant, product) -> times applied
        self.requests: Counter[str] = Counter()              # merchant -> requests
        self.refuse: dict[str, str] = {}                      # product id -> reason Salla refuses it with
        self.unavailable: dict[str, str] = {}                 # product id -> transient reason (503, 429)
        self._failures: deque[Exception] = deque()
        self.on_apply: Callable[[str, Sequence[PriceUpdate]], None] | None = None
        self.webhooks: dict[str, list[SallaWebhook]] = {}    # merchant -> registered webhooks
        self.subscribe_calls: Counter[str] = Counter()       # merchant -> POST /webhooks/subscribe
        self._webhook_ids = itertools.count(60_587_520)

    def add_store(self, merchant_id: str, products: Sequence[Product], *, name: str = "", plan: str = "plus") -> None:
        """Create a store with its catalog."""
        with self._lock:
            self._stores[str(merchant_id)] = _Store({p.id: p for p in products}, plan, name or f"Store {merchant_id}")

    def set_price(self, merchant_id: str, product_id: str, price: Decimal) -> None:
        """Change a price behind the optimizer's back (the merchant did it)."""
        with self._lock:
            store = self._stores[str(merchant_id)]
            store.products[product_id] = attrs.evolve(store.products[product_id], price=price)

    def set_cost(self, merchant_id: str, product_id: str, cost: Decimal | None) -> None:
        """Change a cost price in Salla (the merchant did it)."""
        with self._lock:
            store = self._stores[str(merchant_id)]
            store.products[product_id] = attrs.evolve(store.products[product_id], cost_price=cost)

    def price(self, merchant_id: str, product_id: str) -> Decimal:
        """A product's current price."""
        with self._lock:
            return self._stores[str(merchant_id)].products[product_id].price

    def fail_next(self, *errors: Exception) -> None:
        """Raise these on the next calls (any method), in order."""
        with self._lock:
            self._failures.extend(errors)

    def _enter(self, access_token: str) -> _Store:
        merchant_id = self.auth.merchant_for(access_token)
        with self._lock:
            self.requests[merchant_id] += 1
            if self._failures:
                raise self._failures.popleft()
            return self._stores[merchant_id]

    # -- the port

    def iter_product_pages(self, access_token: str) -> Iterator[ProductPage]:
        """Pages of ``page_size`` products, ordered by id; each page is one request."""
        store = self._enter(access_token)
        with self._lock:
            ids = sorted(store.products)
        pages = max(1, -(-len(ids) // self.page_size))
        for number in range(1, pages + 1):
            if number > 1:
                store = self._enter(access_token)
            with self._lock:
                chunk = [store.products[i] for i in ids[(number - 1) * self.page_size:number * self.page_size]]
            yield ProductPage(products=tuple(chunk), page=number, total_pages=pages, total_products=len(ids))

    def get_products(self, access_token: str, product_ids: Sequence[str]) -> ProductPage:
        """Products by id; unknown ids are rejected."""
        store = self._enter(access_token)
        with self._lock:
            found = tuple(store.products[i] for i in product_ids if i in store.products)
        rejected = tuple(RejectedItem(product_id=i, reason="not found") for i in product_ids
                         if i not in store.products)
        return ProductPage(products=found, rejected=rejected, total_products=len(found))

    def apply_prices(self, access_token: str, updates: Sequence[PriceUpdate]) -> ApplyReport:
        """Apply at once (one request per call); refused products are reported failed."""
        merchant_id = self.auth.merchant_for(access_token)
        store = self._enter(access_token)
        if self.on_apply is not None:
            self.on_apply(merchant_id, updates)
        accepted: list[str] = []
        failed: dict[str, str] = {}
        retryable: dict[str, str] = {}
        with self._lock:
            for update in updates:
                if update.product_id in self.unavailable:
                    retryable[update.product_id] = self.unavailable[update.product_id]
                elif update.product_id in self.refuse:
                    failed[update.product_id] = self.refuse[update.product_id]
                elif update.product_id not in store.products:
                    failed[update.product_id] = "product not found"
                else:
                    store.products[update.product_id] = attrs.evolve(
                        store.products[update.product_id], price=update.price
                    )
                    self.applies[(merchant_id, update.product_id)] += 1
                    accepted.append(update.product_id)
        return ApplyReport(accepted=tuple(accepted), failed=failed, requests=1, retryable=retryable)

    def store_info(self, access_token: str) -> MerchantInfo:
        """The store's name and plan."""
        merchant_id = self.auth.merchant_for(access_token)
        store = self._enter(access_token)
        return MerchantInfo(merchant_id=merchant_id, store_name=store.name, plan=store.plan)

    # -- the SallaWebhooks port

    def _webhooks_of(self, access_token: str) -> str:
        merchant_id = self.auth.merchant_for(access_token)
        self._enter(access_token)
        if WEBHOOKS_SCOPE not in self.auth.scope_of(access_token).split():
            raise MissingScope(f"The access token should have access to one of those scopes: {WEBHOOKS_SCOPE}",
                               scope=WEBHOOKS_SCOPE)
        return merchant_id

    def list_webhooks(self, access_token: str) -> list[SallaWebhook]:
        """The store's registered webhooks."""
        merchant_id = self._webhooks_of(access_token)
        with self._lock:
            return list(self.webhooks.get(merchant_id, []))

    def subscribe_webhook(self, access_token: str, *, event: str, url: str, name: str) -> SallaWebhook:
        """Register a webhook; the same event and URL again updates it rather than adding one."""
        merchant_id = self._webhooks_of(access_token)
        with self._lock:
            self.subscribe_calls[merchant_id] += 1
            hooks = self.webhooks.setdefault(merchant_id, [])
            for index, hook in enumerate(hooks):
                if hook.event == event and same_url(hook.url, url):
                    hooks[index] = attrs.evolve(hook, name=name)
                    return hooks[index]
            hook = SallaWebhook(id=str(next(self._webhook_ids)), event=event, url=url, name=name, version=2)
            hooks.append(hook)
            return hook


__all__ = ["FakeSallaAuth", "FakeSallaCatalog"]
