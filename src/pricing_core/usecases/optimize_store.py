"""One optimization sweep of one store: read the catalog page by page, price it, persist, apply.

The sweep is idempotent under at-least-once delivery. The message carries a run key; the run id
and every decision's id and idempotency key derive from it, so a redelivered message finds its
run, skips the products it already decided, reconciles the decisions it left APPLYING against
Salla's current prices, applies what it had approved, and completes the run. No price is sent
twice for one decision.

Each page goes through two halves: *gather* (skip what this run already decided, store the
products, read competitor offers, previous offers and price history) and *decide* (price through
the core with the advisor's proposals, persist the decisions, supersede older pending ones, queue
the auto-apply ones). Between them the advisor is asked: once per page by default, or, for an
advisor that ``wants_whole_run`` (an LLM crew with one kickoff and one token budget per call),
once for the whole run: gathered pages wait until every product has been advised, then are
decided exactly as page by page. Nothing is decided before it is advised, so a failure while
pages wait leaves them undecided and the redelivered message gathers them again.

This module holds the use case and the run's flow; its parts live beside it: the run row's life
in ``sweep_lifecycle``, the two halves of a page in ``sweep_pages``, the advice buffer in
``sweep_advice``, which pending decisions a new one supersedes in ``sweep_supersede``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Sequence

import attrs

from pricing_core.catalog import Product
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.errors import BadResponse, StoreBusy, StoreNotFound, TokenRevoked
from pricing_core.ports import ProductPage, StoreContext, scope_of
from pricing_core.rules import PricingRule
from pricing_core.runs import OptimizationRun, RunStatus, RunType
from pricing_core.settings import TenantSettings
from pricing_core.usecases.apply_prices import DEFAULT_APPLY_LOCK_WAIT, OPTIMIZER, ApplyResult, apply_records
from pricing_core.usecases.context import APPLY_LOCK, SWEEP_LOCK, OptimizerPorts, new_key, run_id_for
from pricing_core.usecases.refresh_tokens import DEFAULT_THRESHOLD_HOURS, ensure_fresh_tokens
from pricing_core.usecases.sweep_advice import AdviceBuffer
from pricing_core.usecases.sweep_lifecycle import RunLifecycle
from pricing_core.usecases.sweep_pages import PagePricer, wants_demand
from pricing_core.usecases.sweep_supersede import PendingDecisions, PreloadedPending, QueriedPending

# Progress callback: (products done so far, total products if Salla said).
Progress = Callable[[int, int | None], None]
# Where the products come from: given an access token, pages of products.
PageSource = Callable[[str], Iterator[ProductPage]]

BUSY = "another sweep of this store is running"
# Auto-apply decisions are sent once this many wait (Salla's bulkPrice takes them in one request).
DEFAULT_APPLY_BATCH = 200
# Products per advisor call when the advisor ``wants_whole_run``. Gathered pages wait in memory
# (each product with its offers and last price change) until they are advised, so the wait is
# bounded: past this many products the advisor is asked about them and their pages are decided.
# 5,000 is about 84 Salla pages and a few MB; a larger store gets ceil(n / 5,000) calls per sweep.
DEFAULT_ADVICE_CAP = 5000
_LEFTOVER_PAGE = 500

# Errors retrying cannot fix: the merchant must act (reinstall) or Salla's answer is unreadable.
_PERMANENT = (TokenRevoked, BadResponse, StoreNotFound)


class SweepKind(enum.Enum):
    """What a run sweeps. It decides how the run finds the pending decisions it supersedes
    (``sweep_supersede``), what a store busy with another sweep means, and whether the run
    moves the store's schedule."""

    # The whole catalog (a scheduled, smart or manual sweep): the store's pending decisions are
    # read once; a busy store is skipped, not retried; completion sets the store's ``last_run_at``.
    CATALOG = "catalog"
    # The few products an event named (event repricing): their pending decisions are queried; a
    # busy store is worth retrying (events must not be lost); ``last_run_at`` is left alone, or a
    # store with frequent price events would never be due for its scheduled sweep.
    PRODUCTS = "products"

    @property
    def busy_is_retryable(self) -> bool:
        """True when a skip because another sweep holds the store is worth retrying."""
        return self is SweepKind.PRODUCTS

    @property
    def sets_last_run(self) -> bool:
        """True when the run's completion becomes the store's ``last_run_at``."""
        return self is SweepKind.CATALOG


@attrs.frozen(kw_only=True)
class SweepOptions:
    """How one run of ``run_optimization`` goes.

    ``run_key`` names the run: the run id and every decision's id derive from it, so a
    redelivered message resumes its run. ``lock_timeout`` is how long to wait for another sweep
    of the store (0: skip at once). Auto-apply decisions are sent in bulk once ``apply_batch`` of
    them are waiting (and at the end): fewer Salla requests than one bulk per page, and bounded
    memory. ``advice_cap`` bounds the products per ``propose`` call of an advisor that
    ``wants_whole_run`` (see ``DEFAULT_ADVICE_CAP``).
    """

    kind: SweepKind
    run_type: RunType
    run_key: str
    threshold_hours: float = DEFAULT_THRESHOLD_HOURS
    lock_timeout: float = 0
    progress: Progress | None = None
    apply_batch: int = DEFAULT_APPLY_BATCH
    advice_cap: int = DEFAULT_ADVICE_CAP


@attrs.frozen(kw_only=True)
class SweepResult:
    """The outcome of ``optimize_store``: the run (None when skipped), or why it did not run.

    ``retryable`` tells a runner whether trying the same message again may succeed; ``retrying``
    lists the decisions whose write Salla did not take for now (APPROVED again, to be sent later).
    """

    store_id: str
    run: OptimizationRun | None
    skipped_reason: str | None = None
    retryable: bool = False
    resumed: bool = False
    retrying: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the sweep finished (now or by an earlier delivery), its writes all landed or not."""
        return self.run is not None and self.run.status in (RunStatus.COMPLETED, RunStatus.PARTIALLY_APPLIED)


def optimize_store(
    ports: OptimizerPorts,
    store_id: str,
    *,
    run_type: RunType = RunType.MANUAL,
    run_key: str | None = None,
    threshold_hours: float = DEFAULT_THRESHOLD_HOURS,
    lock_timeout: float = 0,
    progress: Progress | None = None,
    apply_batch: int = DEFAULT_APPLY_BATCH,
    advice_cap: int = DEFAULT_ADVICE_CAP,
) -> SweepResult:
    """Sweep the whole catalog of ``store_id`` once (or finish the run ``run_key`` left unfinished).

    Takes the store's sweep lock without waiting by default: if another sweep holds it, this one
    is skipped politely (``skipped_reason``). A failure marks the run failed with its reason,
    logs ``optimization_failed`` and is returned, not raised. A completed sweep becomes the
    store's ``last_run_at`` (the run's start), which the hourly ``check_and_optimize_stores`` reads.
    """
    def pages(token: str) -> Iterator[ProductPage]:
        return ports.salla_catalog.iter_product_pages(token)

    return run_optimization(ports, str(store_id), pages, SweepOptions(
        kind=SweepKind.CATALOG, run_type=run_type, run_key=run_key or new_key(), threshold_hours=threshold_hours,
        lock_timeout=lock_timeout, progress=progress, apply_batch=apply_batch, advice_cap=advice_cap,
    ))


def run_optimization(ports: OptimizerPorts, store_id: str, pages: PageSource, options: SweepOptions) -> SweepResult:
    """The sweep machinery shared by the full sweep and event-driven repricing, run as ``options`` say.

    Takes the store's sweep lock, waiting at most ``options.lock_timeout``: if another sweep holds
    it, the run is skipped (``BUSY``), retryably when the kind says so (``SweepKind``).
    """
    with ports.locks.hold(store_id, SWEEP_LOCK, timeout=options.lock_timeout) as acquired:
        if not acquired:
            return SweepResult(store_id=store_id, run=None, skipped_reason=BUSY,
                               retryable=options.kind.busy_is_retryable)
        return _Sweep(ports, store_id, options).run(pages)


class _Sweep:
    """One run while it streams pages: its row, its pages, and the auto-apply decisions waiting for a bulk write.

    Counters live in the run row, committed per page.
    """

    def __init__(self, ports: OptimizerPorts, store_id: str, options: SweepOptions) -> None:
        self.ports = ports
        self.store_id = store_id
        self.options = options
        self.run_id = run_id_for(store_id, options.run_key)
        self.lifecycle = RunLifecycle(ports, store_id, self.run_id)
        self.pending: PendingDecisions = (PreloadedPending(ports, store_id, self.run_id)
                                          if options.kind is SweepKind.CATALOG else QueriedPending(self.run_id))
        self.pages = PagePricer(ports, store_id, self.lifecycle, self.pending)
        self.apply_batch = max(1, options.apply_batch)
        self.advice_cap = max(1, options.advice_cap)
        self.to_apply: list[DecisionRecord] = []   # APPROVED (committed), not sent yet
        self.read_now: dict[str, Product] = {}      # their products, as this run read them from Salla
        self.done = 0
        self.retrying: list[str] = []

    def run(self, pages: PageSource) -> SweepResult:
        start = self.lifecycle.start(self.options.run_type, self.options.run_key)
        if start.skipped_reason is not None or start.finished:  # an inactive store, or a run done already
            return SweepResult(store_id=self.store_id, run=start.run, skipped_reason=start.skipped_reason,
                               resumed=start.resumed)
        try:
            settings, context, rules = self._load_store()
            token = ensure_fresh_tokens(self.ports, self.store_id,
                                        threshold_hours=self.options.threshold_hours).access_token
            if start.resumed:
                self._finish_leftovers(token)
            self.pending.load()
            self._price_pages(pages(token), settings, context, rules, token)
            self._flush(token)
            run = self.lifecycle.complete(sets_last_run=self.options.kind.sets_last_run,
                                          below_floor=self.pages.below_floor)
        except Exception as exc:  # the run records every failure; the runner decides on retries
            failed = self.lifecycle.fail(exc)
            return SweepResult(store_id=self.store_id, run=failed, resumed=start.resumed,
                               retryable=not isinstance(exc, _PERMANENT))
        return SweepResult(store_id=self.store_id, run=run, resumed=start.resumed, retrying=tuple(self.retrying))

    def _load_store(self) -> tuple[TenantSettings, StoreContext, tuple[PricingRule, ...]]:
        """The store's settings, the advisor's context and the store's pricing rules, read once per run."""
        with self.ports.uow_factory(self.store_id) as uow:
            store = uow.stores.get(self.store_id)
            settings = scope_of(uow).settings.get()
            rules = tuple(scope_of(uow).rules.list())
        if store is None:
            raise StoreNotFound(f"store {self.store_id} does not exist")
        return settings, StoreContext(store_id=self.store_id, store_name=store.store_name, settings=settings), rules

    def _finish_leftovers(self, token: str) -> None:
        """Apply what an earlier delivery approved but did not confirm (APPROVED or APPLYING).

        Under the store's apply lock, like ``apply_decisions``: a decision of this run that the
        merchant approved (or whose approval was being applied) meanwhile is read again inside
        the lock, so the two paths never send it both. Merchant-approved ones that are still
        APPROVED are left to their ``apply_decisions`` message (it checks them for staleness).
        """
        with self.ports.locks.hold(self.store_id, APPLY_LOCK, timeout=DEFAULT_APPLY_LOCK_WAIT) as acquired:
            if not acquired:
                raise StoreBusy(f"store {self.store_id}: another apply is running")
            for status in (DecisionStatus.APPLYING, DecisionStatus.APPROVED):
                offset = 0
                while True:
                    with self.ports.uow_factory(self.store_id) as uow:
                        batch = scope_of(uow).decisions.list(status=status, run_id=self.run_id,
                                                             limit=_LEFTOVER_PAGE, offset=offset)
                    if not batch:
                        break
                    mine = [r for r in batch if status is DecisionStatus.APPLYING or r.decided_by == OPTIMIZER]
                    offset += len(batch) - len(mine)  # the ones left alone stay in this listing
                    if mine:
                        self._applied(apply_records(self.ports, self.store_id, mine, access_token=token,
                                                    run_id=self.run_id))

    def _price_pages(
        self,
        pages: Iterable[ProductPage],
        settings: TenantSettings,
        context: StoreContext,
        rules: Sequence[PricingRule],
        token: str,
    ) -> None:
        """Gather every page, ask the advisor (``AdviceBuffer``), then decide each page in catalog order."""
        buffer = AdviceBuffer(self.ports.advisor, context, self.advice_cap)
        demand = wants_demand(settings, rules)
        for page in pages:
            buffer.add(self.pages.gather(page, demand=demand))
            self._decide_ready(buffer, settings, rules, token)
        buffer.advise_rest()
        self._decide_ready(buffer, settings, rules, token)

    def _decide_ready(
        self, buffer: AdviceBuffer, settings: TenantSettings, rules: Sequence[PricingRule], token: str
    ) -> None:
        """Decide the pages whose products have all been advised; send the auto-apply ones once a batch waits."""
        for gathered, proposals in buffer.ready():
            if gathered.products:  # else nothing is left to decide on this page (an earlier delivery did)
                approved = self.pages.decide(gathered, proposals, settings, rules)
                self.to_apply.extend(approved)
                by_id = {p.id: p for p in gathered.products}
                self.read_now.update((r.decision.product_id, by_id[r.decision.product_id]) for r in approved)
                if len(self.to_apply) >= self.apply_batch:
                    self._flush(token)
            self._advance(gathered.size, gathered.total)

    def _flush(self, token: str) -> None:
        """Send the approved decisions waiting so far, in one bulk (the adapter chunks it).

        ``apply_records`` re-checks them first against Salla's current price and cost; this run
        read them from Salla on the page each was decided on (seconds ago; with an advisor that
        ``wants_whole_run``, at most that advisor's call ago), so it hands them over instead of
        spending more requests per batch. The store's settings
        and the last price changes are read afresh either way.
        """
        batch, self.to_apply = self.to_apply, []
        read_now, self.read_now = self.read_now, {}
        if batch:
            self._applied(apply_records(self.ports, self.store_id, batch, access_token=token, run_id=self.run_id,
                                        current=read_now))

    def _applied(self, result: ApplyResult) -> None:
        """Remember the decisions Salla did not take for now: the runner sends them again later."""
        self.retrying.extend(result.retrying)

    def _advance(self, count: int, total: int | None) -> None:
        self.done += count
        if self.options.progress is not None:
            self.options.progress(self.done, total)


__all__ = [
    "BUSY",
    "DEFAULT_ADVICE_CAP",
    "DEFAULT_APPLY_BATCH",
    "PageSource",
    "Progress",
    "SweepKind",
    "SweepOptions",
    "SweepResult",
    "optimize_store",
    "run_optimization",
]
