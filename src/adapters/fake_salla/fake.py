"""``FakeSalla``: the state of the emulated Salla and its Python inspection/fault-injection API.

The HTTP side (``app.py`` and the ``http_*`` modules) reads and changes this state under one
lock, so tests can drive the fake from their own thread while uvicorn or a ``TestClient``
serves it from another.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

import attrs

from adapters.fake_salla.catalog import FakeProduct, FakeVariant, money_json
from adapters.fake_salla.clock import ScaledClock
from adapters.fake_salla.faults import Fault, FaultKind, StatsSnapshot, StoreStats
from adapters.fake_salla.persistence import (
    STATE_FORMAT,
    STATE_VERSION,
    DebouncedSaver,
    IncompatibleState,
    check_header,
    discard_state,
    read_state,
    write_state,
)
from adapters.fake_salla.ratelimit import PlanRateLimiter, RateDecision, RateWindow
from adapters.fake_salla.seed import seed_stores
from adapters.fake_salla.stores import FakeStore, SandboxStore, SandboxStoreSpec
from adapters.fake_salla.subscriptions import WebhookRegistry
from adapters.fake_salla.tokens import IssuedTokens, TokenAuthority, rng_state_from_json, rng_state_json
from adapters.fake_salla.webhooks import (
    DEFAULT_RETRY_INTERVALS,
    Delivery,
    Strategy,
    WebhookHttp,
    WebhookSender,
    encode_event,
)

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from pricing_core.ports import Clock

SANDBOX_CLIENT_ID = "sandbox-client-id"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"
SANDBOX_APP_ID = 1_717_171_717
FULL_SCOPE = "settings.read products.read_write webhooks.read_write offline_access"
RIYADH = timezone(timedelta(hours=3))

log = logging.getLogger(__name__)

InstallOrder = Literal["random", "installed_first", "authorize_first"]


@attrs.frozen(kw_only=True)
class QueuedPrices:
    """A ``bulkPrice`` request waiting to be applied."""

    merchant_id: int
    due: float  # time.monotonic() at which it applies
    due_fake: float  # or the fake clock's Unix time, whichever comes first
    items: tuple[tuple[int, Decimal, Decimal | None], ...]  # (product id, price, cost price)


def _js_date(when: datetime) -> str:
    """Store-event ``created_at``: JavaScript's Date string, e.g. ``Sun Dec 14 2025 11:41:40 GMT+0300``."""
    local = when.astimezone(RIYADH)
    return local.strftime("%a %b %d %Y %H:%M:%S GMT+0300")


class FakeSalla:
    """An emulated Salla: accounts service, Merchant API, webhooks, faults and inspection.

    Build it with :func:`adapters.fake_salla.create_fake_salla`; serve ``.app`` in process
    (``starlette.testclient.TestClient(fake.app)``) or with uvicorn.
    """

    def __init__(
        self,
        *,
        seed: int = 7,
        client_id: str = SANDBOX_CLIENT_ID,
        client_secret: str = SANDBOX_CLIENT_SECRET,
        clock: Clock | None = None,
        time_scale: float = 1.0,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        webhook_strategy: Strategy = "signature",
        webhook_http: WebhookHttp | None = None,
        webhook_retry_intervals: Sequence[float] = DEFAULT_RETRY_INTERVALS,
        stores: Sequence[SandboxStoreSpec] | None = None,
        invalid_grant_status: int = 400,
        token_expiry_field: Literal["expires_in", "expires"] = "expires_in",
        bulk_delay: float = 0.05,
        price_events: bool = True,
        state_path: Path | None = None,
        portal_events: Sequence[str] = (),
        strict_webhook_urls: bool = False,
    ) -> None:
        if invalid_grant_status not in (400, 401):
            raise ValueError("invalid_grant_status must be 400 or 401")
        self.seed = seed
        self.client_id = client_id
        self.client_secret = client_secret
        self._scaled = ScaledClock(time_scale) if clock is None else None
        self.clock: Clock = clock if clock is not None else self._scaled  # type: ignore[assignment]
        self.invalid_grant_status = invalid_grant_status
        self.token_expiry_field = token_expiry_field
        self.bulk_delay = bulk_delay
        self.price_events = price_events
        # Store events the app subscribed in the Partner Portal ("Store Events"): delivered to the
        # app's webhook URL for every installed store. Everything else needs a store webhook.
        self.portal_events = frozenset(portal_events)
        self.strict_webhook_urls = strict_webhook_urls
        self.store_webhooks = WebhookRegistry()
        self.lock = threading.RLock()
        self._rng = random.Random(seed)
        self.tokens = TokenAuthority(random.Random(seed + 1))
        self._stores: dict[int, FakeStore] = {s.merchant_id: s for s in seed_stores(seed, stores)}
        self._variants: dict[int, tuple[FakeStore, FakeProduct, FakeVariant]] = {
            v.id: (store, product, v)
            for store in self._stores.values()
            for product in store.products.values()
            for v in product.variants
        }
        self._limiters = {mid: PlanRateLimiter(store.rate_limit) for mid, store in self._stores.items()}
        self._stats: dict[int, StoreStats] = {mid: StoreStats() for mid in self._stores}
        self._faults: dict[int, deque[Fault]] = {mid: deque() for mid in self._stores}
        self._latency: dict[int, float] = {}
        self._queued: list[QueuedPrices] = []
        self.unauthenticated_requests = 0
        self.oauth_requests = 0
        self.webhooks: WebhookSender | None = None
        if webhook_url:
            self.webhooks = WebhookSender(
                webhook_url,
                secret=webhook_secret,
                strategy=webhook_strategy,
                http=webhook_http,
                retry_intervals=webhook_retry_intervals,
            )
        # The HTTP side (``app.build_app``) is attached by ``create_fake_salla``: app.py serves this
        # state, so this module does not import it.
        self.app: Starlette
        # Persistence is opt-in (the embedded default's ./var): without a path nothing is read,
        # written or scheduled, and the fake behaves as it always did.
        self.state_path = state_path
        self._saver: DebouncedSaver | None = None
        if state_path is not None:
            self._load_state(state_path)
            self._saver = DebouncedSaver(self._write_state)

    # ------------------------------------------------------------------------------------
    # Time

    def now(self) -> datetime:
        """The fake's current time."""
        return self.clock.now()

    def today(self) -> date:
        """The fake's current date in Riyadh (Salla's time), which decides whether a sale runs."""
        return self.clock.now().astimezone(RIYADH).date()

    def now_seconds(self) -> float:
        """The fake's current time as Unix seconds."""
        return self.clock.now().timestamp()

    def set_time_scale(self, scale: float) -> None:
        """Make the fake's clock run ``scale`` times faster (only for the built-in clock)."""
        if self._scaled is None:
            raise RuntimeError("this fake uses an injected clock; move that clock instead")
        self._scaled.set_scale(scale)

    # ------------------------------------------------------------------------------------
    # Stores

    def sandbox_stores(self) -> list[SandboxStore]:
        """The seeded stores: merchant id, name, plan, product count."""
        with self.lock:
            return [store.describe() for store in self._stores.values()]

    def store(self, merchant_id: int | str) -> FakeStore:
        """A store's live state (raises ``KeyError`` for an unknown merchant)."""
        return self._stores[int(merchant_id)]

    def has_store(self, merchant_id: int | str) -> bool:
        """True when ``merchant_id`` is a sandbox store."""
        try:
            return int(merchant_id) in self._stores
        except ValueError:
            return False

    def find_variant(self, variant_id: int) -> tuple[FakeStore, FakeProduct, FakeVariant] | None:
        """A SKU by id with its store and product."""
        return self._variants.get(variant_id)

    # ------------------------------------------------------------------------------------
    # Tokens and installs

    def _token_dict(self, issued: IssuedTokens) -> dict[str, Any]:
        return {
            "access_token": issued.access_token,
            "refresh_token": issued.refresh_token,
            "expires_in": issued.expires_in,
            "expires": int(issued.expires_at.timestamp()),
            "scope": issued.scope,
            "token_type": "bearer",
        }

    def issue_tokens(self, merchant_id: int | str, *, scope: str = FULL_SCOPE) -> dict[str, Any]:
        """Grant tokens directly, as an easy-mode install does (no code flow).

        Returns ``access_token``, ``refresh_token``, ``expires_in`` (seconds), ``expires``
        (Unix timestamp), ``scope`` and ``token_type``. Reinstalls an uninstalled store.
        """
        with self.lock:
            store = self.store(merchant_id)
            store.installed = True
            issued = self.tokens.new_chain(store.merchant_id, scope, self.now())
        self.mark_changed()
        return self._token_dict(issued)

    def deliver_install(
        self, merchant_id: int | str, *, order: InstallOrder = "random", scope: str = FULL_SCOPE
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
                "installation_date": now.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M:%S"),
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

    def app_store_install(self, merchant_id: int | str, redirect_uri: str, *, scope: str = FULL_SCOPE) -> str:
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

    def uninstall_store(self, merchant_id: int | str) -> None:
        """The merchant removes the app: tokens die, the API answers 401, its store webhooks are
        removed, and ``app.uninstalled`` is sent."""
        with self.lock:
            store = self.store(merchant_id)
            store.installed = False
            self.tokens.revoke_store(store.merchant_id)
            self.store_webhooks.clear(store.merchant_id)
        self.mark_changed()
        if self.webhooks is not None:
            now = self.now().astimezone(RIYADH).strftime("%Y-%m-%d %H:%M:%S")
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

    # ------------------------------------------------------------------------------------
    # Webhooks

    def _require_webhooks(self) -> WebhookSender:
        if self.webhooks is None:
            raise RuntimeError("the fake Salla has no webhook_url; pass one to create_fake_salla")
        return self.webhooks

    def _envelope(self, event: str, merchant_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
        now = self.now()
        app_event = event.startswith("app.")
        created = now.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M:%S") if app_event else _js_date(now)
        return {"event": event, "merchant": merchant_id, "created_at": created, "data": dict(data)}

    def emit_event(self, merchant_id: int | str, event: str, data: Mapping[str, Any]) -> Delivery | None:
        """Send an event of a store the way Salla does (signed per the configured strategy).

        App events (``app.*``) always go to the app's webhook URL. A store event goes only where
        it was subscribed: to each URL the store registered it at (``POST /webhooks/subscribe``),
        and to the app's URL when the app subscribed it in the Partner Portal (``portal_events``),
        and only while the store has the app installed. Returns the first delivery, or None
        when nothing subscribed the event.
        """
        sender = self._require_webhooks()
        mid = int(merchant_id)
        body = encode_event(self._envelope(event, mid, data))
        if event.startswith("app."):
            return sender.send(event, mid, body)
        with self.lock:
            installed = self.store(mid).installed
            targets: list[str | None] = list(self.store_webhooks.urls_for(mid, event)) if installed else []
            if installed and event in self.portal_events and not any(
                url is not None and url.rstrip("/") == sender.url.rstrip("/") for url in targets
            ):
                targets.append(None)  # the app's webhook URL, once even when also a store webhook
        deliveries = [sender.send(event, mid, body, url=url) for url in targets]
        return deliveries[0] if deliveries else None

    def price_event_data(self, product: FakeProduct) -> dict[str, Any]:
        """``product.price.updated`` data as Salla documents it (flat numbers, ``sale_price`` an object).

        ``price`` is the effective price (the sale price during a sale), ``regular_price`` the
        merchant's; ``sale_price`` keeps its amount and end date after the sale ended, as the
        documented example shows (price 150, regular 150, sale 85 expired 2025-12-01).
        """
        rate = Decimal("0.15")
        effective = product.effective_price(self.today())
        tax = (effective * rate).quantize(Decimal("0.01"))
        sale = product.sale_price
        return {
            "id": product.id,
            "sku": product.sku,
            "mpn": "",
            "gtin": product.gtin or "",
            "cost": money_json(product.cost_price) if product.cost_price is not None else None,
            "starting_price": None,
            "price": money_json(effective),
            "sale_price": {"amount": money_json(sale) if sale else 0, "expired_at": product.sale_end if sale else None},
            "tax": money_json(tax),
            "taxed_price": money_json(effective + tax),
            "regular_price": money_json(product.price),
            "currency": product.currency,
            "with_tax": product.with_tax,
        }

    def emit_price_updated(self, merchant_id: int | str, product_id: int | str) -> Delivery | None:
        """Send ``product.price.updated`` for one product with its current prices (when subscribed: ``emit_event``)."""
        with self.lock:
            product = self.store(merchant_id).products[int(product_id)]
            data = self.price_event_data(product)
        return self.emit_event(merchant_id, "product.price.updated", data)

    def wait_webhooks(self, timeout: float = 5.0) -> bool:
        """Block until every queued webhook delivery finished; False on timeout."""
        return True if self.webhooks is None else self.webhooks.wait_idle(timeout)

    @property
    def webhook_deliveries(self) -> list[Delivery]:
        """Every delivery so far, in sending order."""
        return [] if self.webhooks is None else list(self.webhooks.deliveries)

    # ------------------------------------------------------------------------------------
    # Prices

    def _stamp(self) -> str:
        return self.now().astimezone(RIYADH).strftime("%Y-%m-%d %H:%M:%S")

    def queue_prices(self, merchant_id: int, items: Iterable[tuple[int, Decimal, Decimal | None]]) -> None:
        """Queue a bulk update; it applies ``bulk_delay`` seconds later (immediately when 0).

        Applying is lazy: the next request or inspection after the delay applies it.
        """
        with self.lock:
            queued = QueuedPrices(
                merchant_id=merchant_id,
                due=time.monotonic() + self.bulk_delay,
                due_fake=self.now_seconds() + self.bulk_delay,
                items=tuple(items),
            )
            self._queued.append(queued)
            if self.bulk_delay <= 0:
                self.apply_due(force=True)
        self.mark_changed()

    def apply_due(self, *, force: bool = False) -> int:
        """Apply queued bulk updates whose time has come (all with ``force``); how many products changed."""
        changed: list[tuple[int, int]] = []
        with self.lock:
            if not self._queued:
                return 0
            # Due by the wall clock or by the fake clock: a frozen test clock still sees the update
            # after a short real wait, and an advanced one sees it at once.
            now, now_fake = time.monotonic(), self.now_seconds()
            due = [q for q in self._queued if force or q.due <= now or q.due_fake <= now_fake]
            if not due:
                return 0
            self._queued = [q for q in self._queued if q not in due]
            stamp = self._stamp()
            for queued in due:
                store = self._stores[queued.merchant_id]
                for product_id, price, cost in queued.items:
                    product = store.products.get(product_id)
                    if product is None:
                        continue
                    product.set_price(price, updated_at=stamp)
                    if cost is not None:
                        product.cost_price = cost
                    changed.append((queued.merchant_id, product_id))
        self.mark_changed()  # the queue shrank even when no listed product still exists
        if self.webhooks is not None and self.price_events:
            for merchant_id, product_id in changed:
                self.emit_price_updated(merchant_id, product_id)
        return len(changed)

    def flush_queued(self) -> int:
        """Apply every queued bulk update now."""
        return self.apply_due(force=True)

    def prices(self, merchant_id: int | str) -> dict[str, Decimal]:
        """Current prices of a store: product id -> price, and ``"product:variant"`` for SKUs with their own price."""
        self.apply_due()
        with self.lock:
            result: dict[str, Decimal] = {}
            for product in self.store(merchant_id).products.values():
                result[str(product.id)] = product.price
                for variant in product.variants:
                    if variant.own_price:
                        result[f"{product.id}:{variant.id}"] = variant.price
            return result

    def set_price(self, merchant_id: int | str, product_id: int | str, price: Decimal | str | int) -> None:
        """Change a price as the merchant would in the dashboard (no event sent)."""
        with self.lock:
            self.store(merchant_id).products[int(product_id)].set_price(Decimal(str(price)), updated_at=self._stamp())
        self.mark_changed()

    def corrupt_product(self, merchant_id: int | str, product_id: int | str, raw_price: object = "N/A") -> None:
        """Make a product's ``price`` render as ``raw_price`` (e.g. a non-numeric string) until its next update."""
        with self.lock:
            self.store(merchant_id).products[int(product_id)].raw_price_override = raw_price

    # ------------------------------------------------------------------------------------
    # Rate limits, faults, statistics

    def hit_bucket(self, merchant_id: int) -> RateDecision:
        """Account one Merchant API request of a store against its rate limit (called by the app)."""
        with self.lock:
            return self._limiters[merchant_id].hit(self.now_seconds())

    def fill_bucket(self, merchant_id: int | str, level: int | None = None) -> None:
        """Mark ``level`` requests of the store's current minute budget as used (default: all of it).

        As if other apps had spent them; a full budget leaves one request per second until the
        window resets. (Salla's docs call the limiter a leaky bucket, hence the name.)
        """
        with self.lock:
            self._limiters[int(merchant_id)].fill(self.now_seconds(), level)

    def bucket_level(self, merchant_id: int | str) -> int:
        """Requests counted against the store's current minute budget (0 when no window is open)."""
        with self.lock:
            return self._limiters[int(merchant_id)].level(self.now_seconds())

    def rate_windows(self, merchant_id: int | str) -> list[RateWindow]:
        """The store's rate-limit windows so far (the last 1,000), oldest first, the open one last."""
        with self.lock:
            return self._limiters[int(merchant_id)].windows(self.now_seconds())

    def inject_fault(
        self, merchant_id: int | str, kind: FaultKind, *, count: int = 1, status: int = 503, seconds: float = 1.0
    ) -> None:
        """The next ``count`` Merchant API requests of the store fail with ``kind`` (see ``Fault``)."""
        fault = Fault(kind=kind, status=status, seconds=seconds)
        with self.lock:
            self._faults[int(merchant_id)].extend([fault] * count)

    def next_fault(self, merchant_id: int) -> Fault | None:
        """Pop the store's next injected fault (called by the app)."""
        with self.lock:
            faults = self._faults[merchant_id]
            return faults.popleft() if faults else None

    def set_latency(self, merchant_id: int | str, seconds: float) -> None:
        """Delay every Merchant API answer of the store by ``seconds`` (0 to stop)."""
        with self.lock:
            self._latency[int(merchant_id)] = max(0.0, seconds)

    def latency(self, merchant_id: int) -> float:
        """The store's injected latency."""
        with self.lock:
            return self._latency.get(merchant_id, 0.0)

    def record(self, merchant_id: int, route: str, *, rate_limited: bool = False, fault: bool = False) -> None:
        """Count one request of a store (called by the app)."""
        with self.lock:
            stats = self._stats[merchant_id]
            stats.requests += 1
            stats.rate_limited += int(rate_limited)
            stats.faults += int(fault)
            stats.by_route[route] += 1
            stats.times.append(self.now_seconds())

    def stats(self, merchant_id: int | str) -> StatsSnapshot:
        """Requests a store received so far."""
        with self.lock:
            return self._stats[int(merchant_id)].snapshot()

    def requests(self, merchant_id: int | str) -> int:
        """How many Merchant API requests the store received."""
        return self.stats(merchant_id).requests

    def rate_limited(self, merchant_id: int | str) -> int:
        """How many of them were answered 429."""
        return self.stats(merchant_id).rate_limited

    def request_times(self, merchant_id: int | str) -> list[float]:
        """When each request arrived (Unix seconds, fake clock)."""
        with self.lock:
            return list(self._stats[int(merchant_id)].times)

    def reset_stats(self) -> None:
        """Forget the counters (rate-limit windows and faults stay)."""
        with self.lock:
            self._stats = {mid: StoreStats() for mid in self._stores}
            self.unauthenticated_requests = 0
            self.oauth_requests = 0

    def close(self) -> None:
        """Write the state file one last time (with a ``state_path``) and stop the webhook thread."""
        if self._saver is not None:
            self._saver.close()
        if self.webhooks is not None:
            self.webhooks.close()

    # ------------------------------------------------------------------------------------
    # Persistence: what must survive a restart of the embedded default

    def mark_changed(self) -> None:
        """Note that persistent state changed; with a ``state_path`` it is saved within a second.

        Called by the mutating methods above and, for every non-GET request, by the app.
        """
        if self._saver is not None:
            self._saver.mark()

    def save_state(self) -> bool:
        """Write pending changes to ``state_path`` now; True when the file was written.

        A no-op without a ``state_path``. ``close()`` does this too; call it when the process
        ends without closing the fake (``Services.close()``, the web app's shutdown).
        """
        return self._saver.flush() if self._saver is not None else False

    def snapshot(self) -> dict[str, Any]:
        """Everything mutable that matters across a restart, as JSON-ready data (see ``restore``).

        Kept: token chains with their codes, access and refresh tokens, expiry, rotation and
        revocation; each store's install flag; every product's prices, cost, sale price and
        status (and its SKUs' prices); bulk updates still queued; the stores' registered
        webhooks; the generators' states.
        Not kept: rate-limit windows, statistics, injected faults and latency, webhook
        deliveries in flight, the clock (a restarted fake runs on the wall clock again).
        """
        with self.lock:
            return {
                "format": STATE_FORMAT,
                "version": STATE_VERSION,
                "seed": self.seed,
                "saved_at": self.now().isoformat(),
                "stores": {
                    str(mid): {
                        "installed": store.installed,
                        "products": {str(pid): p.state_json() for pid, p in store.products.items()},
                    }
                    for mid, store in self._stores.items()
                },
                "queued": [
                    {
                        "merchant_id": q.merchant_id,
                        "items": [
                            [pid, str(price), None if cost is None else str(cost)] for pid, price, cost in q.items
                        ],
                    }
                    for q in self._queued
                ],
                "tokens": self.tokens.snapshot(),
                "random": rng_state_json(self._rng),
                "store_webhooks": self.store_webhooks.snapshot(),
            }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from a ``snapshot()`` of a fake built with the same seed and stores.

        Raises ``IncompatibleState`` (a ``ValueError``) when ``state`` is of another format,
        version, seed or set of stores, or malformed; the fake is then left unchanged, because
        everything is checked before anything is replaced. Queued bulk updates come due at once.
        """
        check_header(state)
        if state.get("seed") != self.seed:
            raise IncompatibleState(f"saved for seed {state.get('seed')!r}, this sandbox uses seed {self.seed}")
        try:
            with self.lock:
                self._restore(state)
        except IncompatibleState:
            raise
        # decimal.InvalidOperation is an ArithmeticError, not a ValueError
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
            raise IncompatibleState(f"malformed state: {type(exc).__name__}: {exc}") from exc

    def _restore(self, state: dict[str, Any]) -> None:
        stores: list[tuple[FakeStore, bool, list[tuple[FakeProduct, dict[str, Any]]]]] = []
        for raw_mid, raw_store in state["stores"].items():
            store = self._stores.get(int(raw_mid))
            if store is None:
                raise IncompatibleState(f"saved store {raw_mid} is not a sandbox store of this fake")
            installed = raw_store["installed"]
            if not isinstance(installed, bool):
                raise ValueError(f"store {raw_mid}: installed must be true or false")
            products: list[tuple[FakeProduct, dict[str, Any]]] = []
            for raw_pid, raw_product in raw_store["products"].items():
                product = store.products.get(int(raw_pid))
                if product is None:
                    raise IncompatibleState(f"saved product {raw_pid} is not in store {raw_mid}")
                products.append((product, product.parse_state(raw_product)))
            stores.append((store, installed, products))
        now_mono, now_fake = time.monotonic(), self.now_seconds()
        queued: list[QueuedPrices] = []
        for raw in state["queued"]:
            merchant_id = int(raw["merchant_id"])
            if merchant_id not in self._stores:
                raise IncompatibleState(f"a queued update names unknown store {merchant_id}")
            items = tuple(
                (int(pid), Decimal(str(price)), None if cost is None else Decimal(str(cost)))
                for pid, price, cost in raw["items"]
            )
            queued.append(QueuedPrices(merchant_id=merchant_id, due=now_mono, due_fake=now_fake, items=items))
        rng_state = rng_state_from_json(state["random"])
        # Files saved before store webhooks existed have none: restore them as "no subscriptions".
        webhooks = WebhookRegistry()
        if "store_webhooks" in state:
            webhooks.restore(state["store_webhooks"], set(self._stores))
        for chain in state["tokens"]["chains"]:
            # A token of a store this fake lacks would turn every request it makes into a KeyError.
            if int(chain["merchant_id"]) not in self._stores:
                raise IncompatibleState(f"a token chain names unknown store {chain['merchant_id']}")
        # Everything above only read; from here on nothing can fail halfway except the token
        # restore, which itself parses everything before replacing anything.
        self.tokens.restore(state["tokens"])
        for store, installed, products in stores:
            store.installed = installed
            for product, parsed in products:
                product.apply_state(parsed)
        self._queued = queued
        self._rng.setstate(rng_state)
        self.store_webhooks = webhooks

    def _load_state(self, path: Path) -> None:
        """Restore from ``path`` when it holds a usable state; otherwise warn and keep the seed's."""
        state = read_state(path)
        if state is None:
            return
        try:
            self.restore(state)
        except IncompatibleState as exc:
            discard_state(path, str(exc))
            return
        log.info("fake Salla: sandbox state restored from %s (saved %s)", path, state.get("saved_at"))

    def _write_state(self) -> None:
        if self.state_path is not None:
            write_state(self.state_path, self.snapshot())

