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
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from pricing_core.activity import ActivityType
from pricing_core.catalog import AdvisorProposal, CompetitorOffer, PricePoint, Product
from pricing_core.decision import Action, DecisionRecord, DecisionStatus, PricingDecision
from pricing_core.engine import price_catalog
from pricing_core.errors import BadResponse, StoreBusy, StoreNotFound, TokenRevoked
from pricing_core.overrides import ProductOverride
from pricing_core.ports import ProductPage, StoreContext, StoreRepository, StoreScope, scope_of
from pricing_core.replay import PricingInput
from pricing_core.rules import PricingRule
from pricing_core.runs import OptimizationRun, RunStatus, RunType
from pricing_core.settings import TenantSettings
from pricing_core.usecases.apply_prices import DEFAULT_APPLY_LOCK_WAIT, OPTIMIZER, ApplyResult, apply_records
from pricing_core.usecases.context import (
    APPLY_LOCK,
    SWEEP_LOCK,
    OptimizerPorts,
    decision_id_for,
    decision_key,
    new_key,
    run_id_for,
)
from pricing_core.usecases.refresh_tokens import DEFAULT_THRESHOLD_HOURS, ensure_fresh_tokens

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
_PENDING_PAGE = 1000
# A run's heartbeat moves at least this often while its pages are only gathered (see ``_beat``).
_BEAT_INTERVAL = timedelta(seconds=30)
_LEFTOVER_PAGE = 500

# Errors retrying cannot fix: the merchant must act (reinstall) or Salla's answer is unreadable.
_PERMANENT = (TokenRevoked, BadResponse, StoreNotFound)


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

    return run_optimization(
        ports, str(store_id), pages, run_type=run_type, run_key=run_key or new_key(),
        threshold_hours=threshold_hours, lock_timeout=lock_timeout, progress=progress, apply_batch=apply_batch,
        advice_cap=advice_cap, full_sweep=True,
    )


def run_optimization(
    ports: OptimizerPorts,
    store_id: str,
    pages: PageSource,
    *,
    run_type: RunType,
    run_key: str,
    threshold_hours: float = DEFAULT_THRESHOLD_HOURS,
    lock_timeout: float = 0,
    progress: Progress | None = None,
    supersede_lookup: str = "preload",
    busy_is_retryable: bool = False,
    apply_batch: int = DEFAULT_APPLY_BATCH,
    advice_cap: int = DEFAULT_ADVICE_CAP,
    full_sweep: bool = False,
) -> SweepResult:
    """The sweep machinery shared by the full sweep and event-driven repricing.

    ``supersede_lookup`` is ``"preload"`` (read the store's pending decisions once: a full sweep)
    or ``"per_product"`` (query the few products repriced by an event). ``busy_is_retryable``
    marks a skip because of a running sweep as worth retrying (events must not be lost).
    Auto-apply decisions are sent in bulk once ``apply_batch`` of them are waiting (and at the
    end): fewer Salla requests than one bulk per page, and bounded memory. ``advice_cap`` bounds
    the products per ``propose`` call of an advisor that ``wants_whole_run`` (see
    ``DEFAULT_ADVICE_CAP``). ``full_sweep`` marks a sweep of the whole catalog: its completion
    sets the store's ``last_run_at``. Event runs leave it alone, or a store with frequent price
    events would never be due for its scheduled sweep.
    """
    with ports.locks.hold(store_id, SWEEP_LOCK, timeout=lock_timeout) as acquired:
        if not acquired:
            return SweepResult(store_id=store_id, run=None, skipped_reason=BUSY,
                               retryable=busy_is_retryable)
        sweep = _Sweep(ports, store_id, run_type, run_key, threshold_hours, progress, supersede_lookup,
                       max(1, apply_batch), advice_cap=max(1, advice_cap), full_sweep=full_sweep)
        return sweep.run(pages)


@attrs.frozen(kw_only=True)
class _Gathered:
    """One page after the gather half, waiting for advice and the decide half.

    ``products`` are the page's products this run has not decided yet (all of them, except on a
    redelivered run), with their ``offers`` (previous prices filled) and last price change;
    ``now`` is when the page was read (the decisions' time); ``size``, ``total`` and ``rejected``
    feed the progress callback and the run's counters.
    """

    now: datetime
    size: int
    total: int | None
    rejected: int
    products: tuple[Product, ...] = ()
    offers: Mapping[str, Sequence[CompetitorOffer]] = attrs.field(factory=dict)
    history: Mapping[str, PricePoint] = attrs.field(factory=dict)
    overrides: Mapping[str, ProductOverride] = attrs.field(factory=dict)


class _Sweep:
    """One run's state while it streams pages (counters live in the run row, committed per page)."""

    def __init__(
        self,
        ports: OptimizerPorts,
        store_id: str,
        run_type: RunType,
        run_key: str,
        threshold_hours: float,
        progress: Progress | None,
        supersede_lookup: str,
        apply_batch: int,
        *,
        advice_cap: int = DEFAULT_ADVICE_CAP,
        full_sweep: bool = False,
    ) -> None:
        self.ports = ports
        self.store_id = store_id
        self.run_type = run_type
        self.run_key = run_key
        self.run_id = run_id_for(store_id, run_key)
        self.threshold_hours = threshold_hours
        self.progress = progress
        self.supersede_lookup = supersede_lookup
        self.pending_by_product: dict[str, list[str]] = {}
        self.apply_batch = apply_batch
        self.to_apply: list[DecisionRecord] = []   # APPROVED (committed), not sent yet
        self.read_now: dict[str, Product] = {}      # their products, as this run read them from Salla
        self.done = 0
        self.advice_cap = advice_cap
        self.full_sweep = full_sweep
        # Pages gathered but not decided yet, in catalog order; the trailing ``unadvised``
        # products of those pages have not been shown to the advisor; ``advice`` holds the
        # proposals of the advised ones until their page is decided.
        self.waiting: deque[_Gathered] = deque()
        self.unadvised: list[Product] = []
        self.advice: dict[str, AdvisorProposal] = {}
        # When the run row last showed progress (its heartbeat, read by the recovery loop).
        self.last_beat: datetime | None = None
        self.retrying: list[str] = []
        self.rules: tuple[PricingRule, ...] = ()  # the store's pricing rules, read once per run

    # -- the run's life

    def run(self, pages: PageSource) -> SweepResult:
        run, resumed, early = self._start()
        if early is not None:
            return early
        try:
            settings, context = self._load_store()
            token = ensure_fresh_tokens(self.ports, self.store_id, threshold_hours=self.threshold_hours).access_token
            if resumed:
                self._finish_leftovers(token)
            if self.supersede_lookup == "preload":
                self._preload_pending()
            self._price_pages(pages(token), settings, context, token)
            self._flush(token)
            run = self._complete()
        except Exception as exc:  # the run records every failure; the runner decides on retries
            run = self._fail(exc)
            return SweepResult(store_id=self.store_id, run=run, resumed=resumed,
                               retryable=not isinstance(exc, _PERMANENT))
        return SweepResult(store_id=self.store_id, run=run, resumed=resumed, retrying=tuple(self.retrying))

    def _start(self) -> tuple[OptimizationRun | None, bool, SweepResult | None]:
        now = self.ports.clock.now()
        with self.ports.uow_factory(self.store_id) as uow:
            store = uow.stores.get(self.store_id)
            if store is None:
                raise StoreNotFound(f"store {self.store_id} does not exist")
            if not store.is_active:
                return None, False, SweepResult(store_id=self.store_id, run=None,
                                                skipped_reason="store is inactive")
            runs = scope_of(uow).runs
            existing = runs.get(self.run_id)
            if existing is not None and existing.status in (RunStatus.COMPLETED, RunStatus.PARTIALLY_APPLIED):
                # A redelivered message of a run that finished: nothing left to do.
                return existing, True, SweepResult(store_id=self.store_id, run=existing, resumed=True)
            if existing is not None:
                run = attrs.evolve(existing.resumed(), run_key=existing.run_key or self.run_key).beat(now)
                runs.update(run)
            else:
                # The key is kept with the run so the recovery loop can resume it after a crash.
                run = OptimizationRun(id=self.run_id, store_id=self.store_id, run_type=self.run_type,
                                      status=RunStatus.RUNNING, started_at=now, run_key=self.run_key,
                                      updated_at=now)
                runs.add(run)
            uow.commit()
        self.last_beat = now
        return run, existing is not None, None

    def _load_store(self) -> tuple[TenantSettings, StoreContext]:
        with self.ports.uow_factory(self.store_id) as uow:
            store = uow.stores.get(self.store_id)
            settings = scope_of(uow).settings.get()
            self.rules = tuple(scope_of(uow).rules.list())
        if store is None:
            raise StoreNotFound(f"store {self.store_id} does not exist")
        return settings, StoreContext(store_id=self.store_id, store_name=store.store_name, settings=settings)

    def _complete(self) -> OptimizationRun:
        now = self.ports.clock.now()
        with self.ports.uow_factory(self.store_id) as uow:
            scope = scope_of(uow)
            run = self._current_run(scope)
            run = run.completed(now)
            scope.runs.update(run)
            if self.full_sweep:
                self._mark_last_run(uow.stores, run.started_at)
            scope.activity.log(
                ActivityType.OPTIMIZATION_COMPLETED,
                f"Optimization completed: {run.products_analyzed} analyzed, {run.products_updated} updated, "
                f"{run.products_queued} queued for approval"
                + (f"; partially applied: {run.writes_pending} price change(s) not taken by Salla yet, "
                   "to be tried again" if run.writes_pending else ""),
                at=now,
                metadata=_run_metadata(run),
            )
            uow.commit()
        return run

    def _mark_last_run(self, stores: StoreRepository, started_at: datetime) -> None:
        """Record the completed sweep as the store's ``last_run_at``, in the completion's transaction.

        The run's start, not its end: the schedule (``is_due``) then keeps its cadence however
        long a sweep takes, and agrees with the fallback that reads the latest run's start.
        Never moves backwards (a redelivered older run finishing late). Read and written in the
        same transaction, right next to each other, since ``upsert`` replaces the whole row.
        """
        store = stores.get(self.store_id)
        if store is not None and (store.last_run_at is None or store.last_run_at < started_at):
            stores.upsert(attrs.evolve(store, last_run_at=started_at))

    def _fail(self, exc: Exception) -> OptimizationRun | None:
        reason = f"{type(exc).__name__}: {exc}"
        now = self.ports.clock.now()
        with self.ports.uow_factory(self.store_id) as uow:
            scope = scope_of(uow)
            run = scope.runs.get(self.run_id)
            if run is None or run.status is not RunStatus.RUNNING:
                return run  # nothing to fail: it never started, or finished before the error
            run = run.failed(now, reason)
            scope.runs.update(run)
            scope.activity.log(
                ActivityType.OPTIMIZATION_FAILED,
                f"Optimization failed: {reason}",
                at=now,
                metadata={**_run_metadata(run), "error": reason},
            )
            uow.commit()
        return run

    def _current_run(self, scope: StoreScope) -> OptimizationRun:
        run = scope.runs.get(self.run_id)
        if run is None:
            raise RuntimeError(f"run {self.run_id} vanished")
        return run

    # -- resuming

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

    def _preload_pending(self) -> None:
        """Pending decisions of earlier runs, by product: a new change supersedes them."""
        offset = 0
        while True:
            with self.ports.uow_factory(self.store_id) as uow:
                batch = scope_of(uow).decisions.list(status=DecisionStatus.PENDING, limit=_PENDING_PAGE,
                                                     offset=offset)
            for record in batch:
                if record.run_id != self.run_id:
                    self.pending_by_product.setdefault(record.decision.product_id, []).append(record.id)
            if len(batch) < _PENDING_PAGE:
                return
            offset += _PENDING_PAGE

    def _pending_ids(self, scope: StoreScope, product_ids: Sequence[str]) -> list[str]:
        if self.supersede_lookup == "preload":
            return [i for pid in product_ids for i in self.pending_by_product.get(pid, ())]
        return [
            r.id
            for pid in product_ids
            for r in scope.decisions.list(status=DecisionStatus.PENDING, product_id=pid)
            if r.run_id != self.run_id
        ]

    # -- the pages: gather, advise, decide

    def _price_pages(
        self, pages: Iterable[ProductPage], settings: TenantSettings, context: StoreContext, token: str
    ) -> None:
        """Gather every page, ask the advisor, then decide and persist each page in catalog order.

        By default each page's products go to the advisor as soon as the page is gathered (one
        ``propose`` per page). An advisor that ``wants_whole_run`` is asked once per
        ``advice_cap`` products (once per run below that); the gathered pages wait meanwhile.
        Either way a page is decided once all its products have been advised, by the same code.
        """
        whole_run = bool(getattr(self.ports.advisor, "wants_whole_run", False))
        for page in pages:
            gathered = self._gather(page)
            self.waiting.append(gathered)
            self.unadvised.extend(gathered.products)
            if not whole_run:
                self._advise(context, len(self.unadvised))
            while len(self.unadvised) >= self.advice_cap:
                self._advise(context, self.advice_cap)
            self._decide_ready(settings, token)
        self._advise(context, len(self.unadvised))
        self._decide_ready(settings, token)

    def _gather(self, page: ProductPage) -> _Gathered:
        """The first half of a page: skip what this run decided, store the products, read offers.

        Competitor offers are fetched outside any transaction (network calls), and get their
        ``previous_price`` from the offers stored by earlier runs.
        """
        now = self.ports.clock.now()
        ids = [p.id for p in page.products]
        with self.ports.uow_factory(self.store_id) as uow:
            scope = scope_of(uow)
            decided = scope.decisions.existing_keys([decision_key(self.run_id, i) for i in ids])
            products = [p for p in page.products if decision_key(self.run_id, p.id) not in decided]
            fresh_ids = [p.id for p in products]
            if products:
                scope.products.upsert_many(products, seen_at=now)
                stored_offers = scope.offers.latest(fresh_ids)
                history = scope.price_history.latest(fresh_ids)
                overrides = scope.overrides.get_many(fresh_ids)  # one query per page, not per product
            self._beat(scope, now)
            uow.commit()
        gathered = _Gathered(now=now, size=len(page.products), total=page.total_products,
                             rejected=len(page.rejected))
        if not products:  # decided by an earlier delivery of this run
            return gathered
        offers = _with_previous(self.ports.competitors.offers_for(self.store_id, products, now), stored_offers)
        return attrs.evolve(gathered, products=tuple(products), offers=offers, history=history, overrides=overrides)

    def _beat(self, scope: StoreScope, now: datetime) -> None:
        """Move the run's heartbeat while pages are gathered but not decided yet (an advisor that wants
        the whole run makes them wait); at most once per ``_BEAT_INTERVAL``, in the page's transaction."""
        if self.last_beat is not None and now - self.last_beat < _BEAT_INTERVAL:
            return
        self.last_beat = now
        scope.runs.update(attrs.evolve(self._current_run(scope), updated_at=now))

    def _advise(self, context: StoreContext, count: int) -> None:
        """One ``propose`` call for the next ``count`` unadvised products, with their offers."""
        if count <= 0:
            return
        chunk, self.unadvised = self.unadvised[:count], self.unadvised[count:]
        ids = {p.id for p in chunk}
        offers = {pid: items for g in self.waiting for pid, items in g.offers.items() if pid in ids}
        proposals = self._proposals(context, chunk, offers)
        # Only proposals for the products asked about: a stray one must not leak into a later page.
        self.advice.update({pid: p for pid, p in proposals.items() if pid in ids})

    def _decide_ready(self, settings: TenantSettings, token: str) -> None:
        """Decide the waiting pages whose products have all been advised, oldest first."""
        advised = sum(len(g.products) for g in self.waiting) - len(self.unadvised)
        while self.waiting and len(self.waiting[0].products) <= advised:
            gathered = self.waiting.popleft()
            advised -= len(gathered.products)
            proposals = {p.id: self.advice.pop(p.id) for p in gathered.products if p.id in self.advice}
            self._decide(gathered, proposals, settings, token)

    def _decide(
        self, gathered: _Gathered, proposals: Mapping[str, AdvisorProposal], settings: TenantSettings, token: str
    ) -> None:
        """The second half of a page: price, persist decisions and counters, queue the auto-apply ones."""
        if not gathered.products:  # nothing left to decide on this page
            self._advance(gathered.size, gathered.total)
            return
        now = gathered.now
        decisions = price_catalog(
            gathered.products, gathered.offers, settings, now=now,
            history_by_product_id={pid: [point] for pid, point in gathered.history.items()},
            proposals=proposals, rules=self.rules, overrides=gathered.overrides,
        )
        records = [self._record(d, now) for d in decisions]
        approved = [r for r in records if r.status is DecisionStatus.APPROVED]

        with self.ports.uow_factory(self.store_id) as uow:
            scope = scope_of(uow)
            scope.offers.add_many({pid: list(items) for pid, items in gathered.offers.items() if items})
            scope.decisions.add_many(records)
            # What these decisions were priced from, so the run can be replayed (backtest).
            scope.run_inputs.add_many(self.run_id, [
                PricingInput(product=p, offers=tuple(gathered.offers.get(p.id, ())),
                             last_change=gathered.history.get(p.id), proposal=proposals.get(p.id), now=now)
                for p in gathered.products
            ])
            changed = [r.decision.product_id for r in records
                       if r.status in (DecisionStatus.PENDING, DecisionStatus.APPROVED)]
            stale = self._pending_ids(scope, changed)
            if stale:
                # Only those still pending: the merchant may have approved or rejected one since the preload.
                scope.decisions.set_status(stale, DecisionStatus.SUPERSEDED, at=now, by=OPTIMIZER,
                                           expected=(DecisionStatus.PENDING,))
                for pid in changed:
                    self.pending_by_product.pop(pid, None)
            run = self._current_run(scope)
            self.last_beat = self.ports.clock.now()
            scope.runs.update(run.beat(self.last_beat).counted(
                analyzed=len(records),
                queued=sum(r.status is DecisionStatus.PENDING for r in records),
                skipped=gathered.rejected + sum(r.decision.action is Action.SKIPPED for r in records),
            ))
            uow.commit()

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

    def _proposals(
        self, context: StoreContext, products: Sequence[Product], offers: Mapping[str, Sequence[CompetitorOffer]]
    ) -> Mapping[str, AdvisorProposal]:
        advisor = self.ports.advisor
        if advisor is None:
            return {}
        try:
            return advisor.propose(context, products, offers)
        except Exception:  # an advisor is optional: its failure never stops pricing by strategy
            return {}

    def _record(self, decision: PricingDecision, now: datetime) -> DecisionRecord:
        status = {
            Action.AUTO_APPLY: DecisionStatus.APPROVED,
            Action.NEEDS_APPROVAL: DecisionStatus.PENDING,
        }.get(decision.action, DecisionStatus.RECORDED)
        return DecisionRecord(
            id=decision_id_for(self.run_id, decision.product_id),
            store_id=self.store_id,
            run_id=self.run_id,
            idempotency_key=decision_key(self.run_id, decision.product_id),
            decision=decision,
            status=status,
            created_at=now,
            updated_at=now,
            decided_by=OPTIMIZER if status is DecisionStatus.APPROVED else None,
        )

    def _advance(self, count: int, total: int | None) -> None:
        self.done += count
        if self.progress is not None:
            self.progress(self.done, total)


def _with_previous(
    fresh: Mapping[str, Sequence[CompetitorOffer]], stored: Mapping[str, Sequence[CompetitorOffer]]
) -> dict[str, list[CompetitorOffer]]:
    """Fill each new offer's ``previous_price`` from the latest stored offer of the same competitor."""
    result: dict[str, list[CompetitorOffer]] = {}
    for product_id, offers in fresh.items():
        last = {o.competitor: o.price for o in stored.get(product_id, ())}
        result[str(product_id)] = [
            attrs.evolve(o, previous_price=last[o.competitor])
            if o.previous_price is None and o.competitor in last else o
            for o in offers
        ]
    return result


def _run_metadata(run: OptimizationRun) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "run_type": run.run_type.value,
        "products_analyzed": run.products_analyzed,
        "products_updated": run.products_updated,
        "products_queued": run.products_queued,
        "products_skipped": run.products_skipped,
        "writes_pending": run.writes_pending,
        "duration_seconds": run.duration_seconds,
    }


__all__ = [
    "BUSY",
    "DEFAULT_ADVICE_CAP",
    "DEFAULT_APPLY_BATCH",
    "PageSource",
    "Progress",
    "SweepResult",
    "optimize_store",
    "run_optimization",
]
