"""``FakeSalla``: the state of the emulated Salla, its time, stores and market.

What the fake does with that state lives beside it, one concept per module, each a mixin of
``FakeSalla``: ``installs.py`` (tokens and installs), ``events.py`` (the events it sends),
``prices.py`` (the ``bulkPrice`` queue and price changes), ``traffic.py`` (rate limits, faults,
counters) and ``snapshots.py`` (what survives a restart). The HTTP side (``app.py`` and the
``http_*`` modules) reads and changes this state under one lock, so tests can drive the fake from
their own thread while uvicorn or a ``TestClient`` serves it from another.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from adapters.fake_salla.catalog import FakeProduct, FakeVariant
from adapters.fake_salla.clock import RIYADH, ScaledClock
from adapters.fake_salla.demand import DemandCurve
from adapters.fake_salla.events import EventsMixin
from adapters.fake_salla.faults import Fault, StoreStats
from adapters.fake_salla.installs import FULL_SCOPE, SANDBOX_APP_ID, InstallOrder, InstallsMixin
from adapters.fake_salla.market import MarketSimulator
from adapters.fake_salla.orders import FakeOrder
from adapters.fake_salla.persistence import DebouncedSaver
from adapters.fake_salla.prices import PricesMixin, QueuedPrices
from adapters.fake_salla.ratelimit import PlanRateLimiter
from adapters.fake_salla.seed import seed_stores
from adapters.fake_salla.snapshots import SnapshotsMixin
from adapters.fake_salla.stores import FakeStore, SandboxStore, SandboxStoreSpec
from adapters.fake_salla.subscriptions import WebhookRegistry
from adapters.fake_salla.tokens import TokenAuthority
from adapters.fake_salla.traffic import TrafficMixin
from adapters.fake_salla.webhooks import DEFAULT_RETRY_INTERVALS, Strategy, WebhookHttp, WebhookSender

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from pricing_core.ports import Clock

SANDBOX_CLIENT_ID = "sandbox-client-id"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"


class FakeSalla(InstallsMixin, EventsMixin, PricesMixin, TrafficMixin, SnapshotsMixin):
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
        market_history_days: int = 28,
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
        self._outages: dict[str, tuple[float, int]] = {}   # route -> (monotonic end, status)
        self._latency: dict[int, float] = {}
        self._queued: list[QueuedPrices] = []
        self.market = MarketSimulator(seed, history_days=market_history_days)
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

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> int:
        """Move the fake's time forward (``advance(days=7)``) and generate the orders of the elapsed time.

        Works with the built-in clock and with an injected clock that has ``advance`` (the test
        ``FakeClock``). Returns how many orders the stores whose market has started received.
        """
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("time only moves forward")
        with self.lock:
            self.catch_up_markets()  # the elapsed time so far, at the prices it had
            if self._scaled is not None:
                self._scaled.advance(step)
            else:
                advance = getattr(self.clock, "advance", None)
                if advance is None:
                    raise RuntimeError("this fake uses an injected clock without advance(); move that clock instead")
                advance(step)
            self.apply_due()
            return self.catch_up_markets()

    # ------------------------------------------------------------------------------------
    # The market: simulated orders (see ``market.py``)

    def catch_up_markets(self) -> int:
        """Generate the orders up to now of every store whose market has started; how many.

        Called before anything that changes a price (bulk updates, product and SKU updates, the
        merchant's changes), so the orders until then are placed at the old prices.
        """
        with self.lock:
            now = self.now()
            return sum(
                self._catch_up_market(store, now)
                for mid, store in self._stores.items()
                if self.market.started(mid)
            )

    def _catch_up_market(self, store: FakeStore, now: datetime) -> int:
        """Generate the store's orders up to ``now`` and send ``order.created`` for them where subscribed.

        The history made when a market starts is not sent: those orders predate any subscription.
        """
        started = self.market.started(store.merchant_id)
        added = self.market.catch_up(store, now)
        if started and added:
            self.emit_orders_created(store.merchant_id, self.market.newest(store.merchant_id, added))
        return added

    def orders(self, merchant_id: int | str) -> list[FakeOrder]:
        """The store's orders up to now, oldest first (starts its market on first use)."""
        self.apply_due()
        with self.lock:
            store = self.store(merchant_id)
            self._catch_up_market(store, self.now())
            return self.market.orders(store.merchant_id)

    def demand_curve(self, merchant_id: int | str, product_id: int | str) -> DemandCurve:
        """The true demand curve of a product (tests and benchmarks only)."""
        with self.lock:
            store = self.store(merchant_id)
            return self.market.curve(store, store.products[int(product_id)])

    def elasticities(self, merchant_id: int | str) -> dict[int, float]:
        """Product id -> true price elasticity for a store (tests and benchmarks only)."""
        with self.lock:
            return self.market.elasticities(self.store(merchant_id))

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

    def close(self) -> None:
        """Write the state file one last time (with a ``state_path``) and stop the webhook thread."""
        if self._saver is not None:
            self._saver.close()
        if self.webhooks is not None:
            self.webhooks.close()



__all__ = [
    "FULL_SCOPE",
    "SANDBOX_APP_ID",
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "FakeSalla",
    "InstallOrder",
]
