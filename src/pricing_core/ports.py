"""The ports: everything the core needs from the world, as ``typing.Protocol``s.

Adapters implement them (``adapters/salla``, ``adapters/storage``, ...); each port has one
in-memory fake used by the unit tests and one contract suite in ``tests/contract`` that runs
against every implementation. All ports are synchronous: the use cases are plain functions,
runners call them from worker threads and the web app from its threadpool.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self

import attrs

from pricing_core.activity import ActivityEntry, ActivityType
from pricing_core.catalog import AdvisorProposal, CompetitorOffer, PricePoint, Product
from pricing_core.commands import Command
from pricing_core.decision import DecisionRecord, DecisionStatus, statuses_before
from pricing_core.errors import InvalidTransition
from pricing_core.intents import Intent, IntentStatus
from pricing_core.overrides import ProductOverride
from pricing_core.replay import PricingInput
from pricing_core.rules import PricingRule
from pricing_core.runs import OptimizationRun
from pricing_core.sales import DailySales, SoldLine
from pricing_core.settings import TenantSettings
from pricing_core.store_events import SallaWebhook, SubscriptionState
from pricing_core.stores import Store
from pricing_core.tokens import TokenSet

# ---------------------------------------------------------------------------------------------
# Clock


class Clock(Protocol):
    """Where ``now`` comes from. Use cases never call ``datetime.now`` themselves."""

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


# ---------------------------------------------------------------------------------------------
# Salla

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


# ---------------------------------------------------------------------------------------------
# Competitors and advisors


class CompetitorSource(Protocol):
    """Competitor offers for a batch of one store's products."""

    def offers_for(
        self, store_id: str, products: Sequence[Product], now: datetime
    ) -> Mapping[str, Sequence[CompetitorOffer]]:
        """Offers by product id. Products without any offer may be absent. Never raises for one bad source."""
        ...


@attrs.frozen(kw_only=True)
class StoreContext:
    """What an advisor knows about the store it advises (passed explicitly, never through env vars)."""

    store_id: str
    store_name: str
    settings: TenantSettings


class PricingAdvisor(Protocol):
    """Optional price proposals. The core validates and guards every one of them.

    Optional capability, read by the sweep with ``getattr(advisor, "wants_whole_run", False)``
    (so an advisor without the attribute keeps working): ``wants_whole_run = True`` asks the
    sweep to call ``propose`` once for the whole run's products instead of once per catalog
    page. An advisor with a fixed cost per call (an LLM crew: one kickoff, one token budget)
    sets it; the sweep then buffers the gathered pages and calls ``propose`` once per run, or
    once per ``advice_cap`` products on very large catalogs (see ``optimize_store``), and
    prices the buffered pages afterwards exactly as it would have page by page.
    """

    def propose(
        self,
        context: StoreContext,
        products: Sequence[Product],
        offers: Mapping[str, Sequence[CompetitorOffer]],
    ) -> Mapping[str, AdvisorProposal]:
        """Proposals by product id; products without a proposal are priced by the strategy alone."""
        ...


# ---------------------------------------------------------------------------------------------
# Task queue and locks


class TaskQueue(Protocol):
    """Hands work to the runners (Dramatiq in production, an in-memory recorder in tests).

    The runners keep the one table from command to actor (``runners/commands.py``).
    """

    def dispatch(self, command: Command) -> None:
        """Queue ``command`` for a worker; returns once the broker has it."""
        ...


class StoreLocks(Protocol):
    """Per-store mutual exclusion across threads and processes."""

    def hold(self, store_id: str, purpose: str, *, timeout: float | None = None) -> AbstractContextManager[bool]:
        """Hold the ``purpose`` lock of ``store_id`` while in the block.

        Yields True when acquired. With ``timeout=0`` it does not wait and yields False when the
        lock is taken; ``None`` waits as long as it takes.
        """
        ...


class PriceEchoes(Protocol):
    """Prices we are writing to Salla, remembered so their ``product.price.updated`` echo is dropped at intake.

    Salla sends ``product.price.updated`` for every price we write; during a batch that is tens
    of thousands of deliveries that would each cost a queued message and a database transaction
    in a worker only to be recognized as our own. The apply path calls ``expect`` before the
    bulk request goes out; the webhook route calls ``is_echo`` and answers a match without
    queueing it. Shared by the web process and the workers (Redis, or one in-process instance).

    Not consume-once: ``is_echo`` leaves the entry in place until its TTL runs out, because
    Salla delivers at least once (a repeated echo must be dropped too) and one write may be
    announced more than once. The price of that choice: within the TTL, a merchant who sets
    exactly a price we wrote is taken for an echo; the worker-side check (recent decisions)
    treats such a change the same way, so no behaviour is lost.

    Prices are compared at 2 decimals (Salla's events carry flat numbers such as ``104`` or
    ``"104.00"``). This is an optimization only: implementations must not raise for a backend
    outage (``expect`` forgets, ``is_echo`` answers False), since the worker recognizes our
    own prices anyway.
    """

    def expect(self, store_id: str, prices: Mapping[str, Decimal], *, ttl_seconds: float) -> None:
        """Remember ``prices`` (product id -> price being written) of ``store_id`` for ``ttl_seconds``."""
        ...

    def is_echo(self, store_id: str, product_id: str, price: Decimal) -> bool:
        """True when ``price`` of the product is one we are writing or wrote within the TTL."""
        ...


def echo_price_key(price: Decimal) -> str:
    """The canonical spelling of a price in an echo key: 2 decimals, so ``104``, ``104.0`` and ``104.00`` match."""
    return str(price.quantize(Decimal("0.01")))


# ---------------------------------------------------------------------------------------------
# Storage


class StoreRepository(Protocol):
    """The stores table and the few cross-store queries (sweep listings, token expiry, operator view)."""

    def get(self, store_id: str) -> Store | None:
        """One store, or None."""
        ...

    def upsert(self, store: Store) -> None:
        """Create the store or replace its row (the Salla merchant id is the key)."""
        ...

    def set_active(self, store_id: str, active: bool, *, reason: str | None, at: datetime) -> None:
        """Activate or deactivate a store, recording the reason and time of a deactivation."""
        ...

    def list_all(self) -> list[Store]:
        """Every store, ordered by store id."""
        ...

    def list_active_with_settings(self) -> list[tuple[Store, TenantSettings]]:
        """Active stores with their settings, ordered by store id (the sweep listing)."""
        ...

    def tokens_expiring(self, before: datetime) -> list[tuple[Store, TokenSet]]:
        """Active stores whose access token expires before ``before`` (expired ones included)."""
        ...

    def token_overview(self) -> list[tuple[Store, TokenSet | None]]:
        """Every store with its tokens (for the token summary and the operator view)."""
        ...

    def recent_failed_runs(self, limit: int = 20) -> list[OptimizationRun]:
        """Failed runs of every store, newest first (operator view)."""
        ...

    def stalled_decisions(
        self, statuses: Collection[DecisionStatus], updated_before: datetime, *, limit: int = 1000
    ) -> list[DecisionRecord]:
        """Decisions of every store in one of ``statuses`` and last moved before ``updated_before``.

        Oldest ``updated_at`` first, at most ``limit`` (the recovery loop's listing of work left
        in flight: APPLYING, APPROVED).
        """
        ...

    def stalled_runs(self, progress_before: datetime, *, limit: int = 1000) -> list[OptimizationRun]:
        """RUNNING runs of every store whose last progress (``last_progress_at``) is before ``progress_before``.

        Oldest progress first, at most ``limit`` (the recovery loop's listing of runs whose process
        may have died).
        """
        ...


class TokenRepository(Protocol):
    """One store's tokens, encrypted at rest by the real implementation."""

    def get(self) -> TokenSet | None:
        """The store's tokens, or None before the first authorization."""
        ...

    def save(self, tokens: TokenSet) -> None:
        """Replace both tokens."""
        ...


class SettingsRepository(Protocol):
    """One store's tenant settings."""

    def get(self) -> TenantSettings:
        """The store's settings (defaults when never saved)."""
        ...

    def save(self, settings: TenantSettings) -> None:
        """Replace the settings."""
        ...


class ProductRepository(Protocol):
    """One store's last-seen catalog snapshot."""

    def upsert_many(self, products: Sequence[Product], *, seen_at: datetime) -> None:
        """Insert or update products by id, in one statement batch."""
        ...

    def get(self, product_id: str) -> Product | None:
        """One product, or None."""
        ...

    def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]:
        """Products by id; unknown ids are absent."""
        ...

    def list(self, *, limit: int = 100, offset: int = 0) -> list[Product]:
        """Products ordered by id."""
        ...

    def count(self) -> int:
        """How many products the store has."""
        ...

    def ids_by_sku(self, skus: Sequence[str]) -> dict[str, builtins.list[str]]:
        """Product ids per SKU (sorted; more than one when SKUs repeat); unknown SKUs are absent."""
        ...


class OfferRepository(Protocol):
    """One store's observed competitor offers."""

    def add_many(self, offers: Mapping[str, Sequence[CompetitorOffer]]) -> None:
        """Record offers by product id."""
        ...

    def latest(self, product_ids: Sequence[str]) -> dict[str, list[CompetitorOffer]]:
        """The latest offer per (product, competitor) for the given products."""
        ...


class DecisionRepository(Protocol):
    """One store's pricing decisions and their workflow state."""

    def add_many(self, records: Sequence[DecisionRecord]) -> int:
        """Insert records whose ``idempotency_key`` is new; return how many were inserted."""
        ...

    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` are already stored."""
        ...

    def get(self, decision_id: str) -> DecisionRecord | None:
        """One decision, or None (also when it belongs to another store)."""
        ...

    def list(
        self,
        *,
        status: DecisionStatus | None = None,
        product_id: str | None = None,
        run_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[DecisionRecord]:
        """Decisions, newest first, optionally filtered."""
        ...

    def count(self, *, status: DecisionStatus | None = None) -> int:
        """How many decisions (with that status)."""
        ...

    def set_status(
        self,
        decision_ids: Sequence[str],
        status: DecisionStatus,
        *,
        at: datetime,
        by: str | None = None,
        error: str | None = None,
        expected: Collection[DecisionStatus] | None = None,
    ) -> None:
        """Move decisions to ``status``, as a compare-and-set in one statement.

        Only decisions whose status is still one the lifecycle allows the move from
        (``statuses_before(status)``), narrowed to ``expected`` when given, move; the others are
        left as they are, so a concurrent move made since they were read (a merchant's approval
        during a sweep) is never overwritten and no decision leaves a final status. Use
        ``checked_expected`` to compute the set.
        """
        ...


class RunRepository(Protocol):
    """One store's optimization runs."""

    def add(self, run: OptimizationRun) -> None:
        """Record a new run."""
        ...

    def update(self, run: OptimizationRun) -> None:
        """Replace a run by id (progress, completion, failure)."""
        ...

    def get(self, run_id: str) -> OptimizationRun | None:
        """One run, or None."""
        ...

    def recent(self, limit: int = 20) -> list[OptimizationRun]:
        """Runs, newest first."""
        ...


class ActivityRepository(Protocol):
    """Activity log entries of one store, or system-wide entries when unscoped."""

    def log(
        self,
        activity_type: ActivityType,
        description: str,
        *,
        at: datetime,
        metadata: Mapping[str, object] | None = None,
    ) -> None:
        """Append one entry."""
        ...

    def list(self, *, activity_type: ActivityType | None = None, limit: int = 50) -> list[ActivityEntry]:
        """Entries, newest first. Unscoped: every store's entries and system-wide ones."""
        ...


class PriceHistoryRepository(Protocol):
    """One store's applied price changes."""

    def add_many(self, points: Sequence[PricePoint]) -> None:
        """Record applied prices."""
        ...

    def for_product(self, product_id: str, *, limit: int = 50) -> list[PricePoint]:
        """A product's price history, newest first."""
        ...

    def latest(self, product_ids: Sequence[str]) -> dict[str, PricePoint]:
        """The latest recorded change per product (cooldown input)."""
        ...


class SalesRepository(Protocol):
    """One store's daily sales per product (from its orders), and where the next orders sync starts."""

    def replace_from(self, since: date, days: Sequence[DailySales]) -> None:
        """Replace every stored day from ``since`` on with ``days`` (those days' orders were read again)."""
        ...

    def history(self, *, since: date | None = None, product_ids: Sequence[str] | None = None) -> list[DailySales]:
        """Daily sales from ``since`` on (of ``product_ids`` when given), oldest day first, then by product."""
        ...

    def resume_from(self) -> date | None:
        """The first day the next sync must read again (None before the first sync)."""
        ...

    def set_resume_from(self, day: date) -> None:
        """Record where the next sync starts."""
        ...


class RunInputRepository(Protocol):
    """What each run of one store priced from (``replay.PricingInput``), so a run can be priced again."""

    def add_many(self, run_id: str, inputs: Sequence[PricingInput]) -> None:
        """Keep the inputs of products decided in ``run_id`` (a product stored again is replaced)."""
        ...

    def for_run(self, run_id: str) -> list[PricingInput]:
        """The run's inputs, ordered by decision time, then product id ([] for a run without any)."""


class RuleRepository(Protocol):
    """One store's pricing rules (names are unique within a store)."""

    def list(self) -> list[PricingRule]:
        """Every rule, in the order they are tried (priority, specificity, name)."""
        ...

    def replace_all(self, rules: Sequence[PricingRule]) -> None:
        """Replace the store's rules with ``rules``; ``ValueError`` when two share a name."""
        ...


class OverrideRepository(Protocol):
    """One store's product overrides, by product id."""

    def get_many(self, product_ids: Sequence[str]) -> dict[str, ProductOverride]:
        """Overrides of ``product_ids`` (one query per call); products without one are absent."""
        ...

    def list(self, *, limit: int = 100, offset: int = 0) -> list[ProductOverride]:
        """Overrides ordered by product id."""
        ...

    def count(self) -> int:
        """How many overrides the store has."""
        ...

    def upsert_many(self, overrides: Sequence[ProductOverride]) -> None:
        """Insert or replace overrides by product id (an empty override is stored as given)."""
        ...

    def delete(self, product_id: str) -> bool:
        """Remove a product's override; False when it had none."""
        ...


class SystemSettingsRepository(Protocol):
    """``system_settings``: key/value pairs such as SALLA_CLIENT_ID (secrets encrypted at rest)."""

    def get(self, key: str) -> str | None:
        """The value, or None."""
        ...

    def set(self, key: str, value: str, *, description: str = "", secret: bool = False) -> None:
        """Insert or replace a setting; ``secret`` values are encrypted at rest."""
        ...


class WebhookInbox(Protocol):
    """Processed webhook deliveries, so repeated deliveries are dropped."""

    def record(self, delivery_id: str, *, event: str, store_id: str | None, at: datetime) -> bool:
        """Record a delivery; True when it is new, False when it was seen before."""
        ...


class SubscriptionRepository(Protocol):
    """The last store-event subscription check of each store (``SubscriptionState``).

    On a store-bound unit of work only that store's record is visible, as for ``stores``.
    """

    def get(self, store_id: str) -> SubscriptionState | None:
        """The store's last check, or None when never checked."""
        ...

    def save(self, state: SubscriptionState) -> None:
        """Replace the store's record (the store must exist)."""
        ...

    def list_all(self) -> list[SubscriptionState]:
        """Every visible record, ordered by store id."""
        ...


class IntentRepository(Protocol):
    """Work recorded before its message is queued (``pricing_core.intents``), until a worker has done it.

    On a store-bound unit of work only that store's intents are visible (the scheduler's ticks,
    which belong to no store, only on an unscoped one).
    """

    def record(self, intent: Intent) -> None:
        """Insert ``intent``; for a key already recorded, queue it again as of ``intent.dispatched_at``
        (error cleared; its recoveries kept, unless it was given up: then a fresh count)."""
        ...

    def get(self, key: str) -> Intent | None:
        """The intent, or None (never recorded, or done)."""
        ...

    def taken(self, key: str, at: datetime) -> None:
        """A worker started on it at ``at`` (its sign of life while it runs or waits for a retry)."""
        ...

    def done(self, key: str, *, taken_at: datetime) -> bool:
        """Forget it, unless it was sent again after ``taken_at`` (that sending is still to be done)."""
        ...

    def stalled(self, before: datetime, *, limit: int = 1000) -> list[Intent]:
        """Queued intents with no sign of life since before ``before``, oldest first."""
        ...

    def resent(self, key: str, at: datetime) -> None:
        """The recovery sent it again at ``at`` (one more recovery)."""
        ...

    def give_up(self, key: str, reason: str) -> None:
        """Mark it ``dead`` with the reason (the operator sees it)."""
        ...

    def counts(self) -> dict[IntentStatus, int]:
        """How many visible intents in each status (statuses with none are left out)."""
        ...

    def list(self, *, status: IntentStatus | None = None, limit: int = 50) -> builtins.list[Intent]:
        """Visible intents, latest sending first."""
        ...

    def delete_dead_before(self, before: datetime) -> int:
        """Forget the intents given up whose last sending was before ``before``; how many."""
        ...


class RetentionRepository(Protocol):
    """Deletes old rows in batches (cleanup_old_data)."""

    def delete_before(
        self, *, runs_before: datetime, activity_before: datetime, offers_before: datetime, batch_size: int = 1000
    ) -> dict[str, int]:
        """Delete old runs, activity and offers across stores; counts by table."""
        ...

    def delete_webhooks_before(self, received_before: datetime, *, batch_size: int = 1000) -> int:
        """Forget webhook inbox entries received before ``received_before``; how many were deleted."""
        ...


class StoreScope(Protocol):
    """The repositories of one store. They cannot reach another store's rows."""

    store_id: str
    tokens: TokenRepository
    settings: SettingsRepository
    products: ProductRepository
    offers: OfferRepository
    decisions: DecisionRepository
    runs: RunRepository
    activity: ActivityRepository
    price_history: PriceHistoryRepository
    sales: SalesRepository
    run_inputs: RunInputRepository
    rules: RuleRepository
    overrides: OverrideRepository


class UnitOfWork(Protocol):
    """A transaction. Leaving the block without ``commit()`` rolls back.

    A unit of work opened for a store (``uow_factory(store_id)``) has ``store`` set to that
    store's scope; an unscoped one (``uow_factory()``) has ``store`` None and is for the
    cross-store sweep queries and system-wide records only.
    """

    stores: StoreRepository
    system_settings: SystemSettingsRepository
    webhooks: WebhookInbox
    system_activity: ActivityRepository
    retention: RetentionRepository
    subscriptions: SubscriptionRepository
    intents: IntentRepository
    store: StoreScope | None

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None:
        """Make everything done in this unit of work durable."""
        ...

    def rollback(self) -> None:
        """Discard everything not yet committed."""
        ...


class UnitOfWorkFactory(Protocol):
    """Opens units of work: ``uow_factory()`` unscoped, ``uow_factory(store_id)`` bound to one store."""

    def __call__(self, store_id: str | None = None) -> UnitOfWork: ...


def checked_expected(
    status: DecisionStatus, expected: Collection[DecisionStatus] | None
) -> frozenset[DecisionStatus]:
    """The statuses a move to ``status`` may start from: the lifecycle's, narrowed to ``expected``.

    ``InvalidTransition`` when ``expected`` names a status the lifecycle forbids the move from (a
    caller's mistake, not a race).
    """
    allowed = statuses_before(status)
    if expected is None:
        return allowed
    wanted = frozenset(expected)
    if not wanted <= allowed:
        bad = ", ".join(sorted(s.value for s in wanted - allowed))
        raise InvalidTransition(f"a decision cannot move from {bad} to {status.value}")
    return wanted


def scope_of(uow: UnitOfWork) -> StoreScope:
    """The store scope of a store-bound unit of work (raises if the unit of work is unscoped)."""
    if uow.store is None:
        raise RuntimeError("this unit of work is not bound to a store; open it with uow_factory(store_id)")
    return uow.store


IdFactory = Callable[[], str]

__all__ = [
    "DEFAULT_SCOPE",
    "ActivityRepository",
    "ApplyReport",
    "Clock",
    "CompetitorSource",
    "DecisionRepository",
    "IdFactory",
    "IntentRepository",
    "MerchantInfo",
    "OfferRepository",
    "OverrideRepository",
    "PriceEchoes",
    "PriceHistoryRepository",
    "PriceUpdate",
    "PricingAdvisor",
    "ProductPage",
    "ProductRepository",
    "RejectedItem",
    "RetentionRepository",
    "RuleRepository",
    "RunInputRepository",
    "RunRepository",
    "SallaAuth",
    "SallaCatalog",
    "SallaOrders",
    "SallaWebhooks",
    "SettingsRepository",
    "StoreContext",
    "StoreLocks",
    "StoreRepository",
    "StoreScope",
    "SubscriptionRepository",
    "SystemSettingsRepository",
    "TaskQueue",
    "TokenRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "WebhookInbox",
    "checked_expected",
    "echo_price_key",
    "scope_of",
]
