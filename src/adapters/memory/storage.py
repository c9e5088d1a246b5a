"""The storage port in memory: units of work over a dict-based state, for unit tests and notebooks.

Transactions are real: a unit of work reads and writes its own copy of the committed state,
taken at its first use after a commit or rollback (containers are copied, the frozen domain
values are shared; a snapshot, so slightly stronger than PostgreSQL's read committed), and every
write is also kept as
an operation in a journal. ``commit()`` replays the journal on the committed state under the
factory's lock, so concurrent units of work touching different rows do not overwrite each
other (last writer wins per row, as with read-committed SQL). Leaving without commit drops the
copy and the journal.
"""

from __future__ import annotations

import builtins
import itertools
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import attrs

from adapters.jsonable import jsonable
from adapters.memory.intents import MemoryIntents
from pricing_core.activity import ActivityEntry, ActivityType
from pricing_core.catalog import CompetitorOffer, PricePoint, Product
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.errors import StoreNotFound
from pricing_core.intents import Intent
from pricing_core.overrides import ProductOverride
from pricing_core.ports import (
    ActivityRepository,
    DecisionRepository,
    IntentRepository,
    OfferRepository,
    OverrideRepository,
    PriceHistoryRepository,
    ProductRepository,
    RetentionRepository,
    RuleRepository,
    RunInputRepository,
    RunRepository,
    SalesRepository,
    SettingsRepository,
    StoreRepository,
    StoreScope,
    SubscriptionRepository,
    SystemSettingsRepository,
    TokenRepository,
    WebhookInbox,
    checked_expected,
)
from pricing_core.replay import PricingInput
from pricing_core.rules import PricingRule, ordered_rules
from pricing_core.runs import OptimizationRun, RunStatus
from pricing_core.sales import DailySales
from pricing_core.settings import TenantSettings
from pricing_core.store_events import SubscriptionState
from pricing_core.stores import Store
from pricing_core.tokens import TokenSet


@attrs.define
class _SystemSetting:
    value: str
    description: str
    secret: bool


@attrs.define
class _State:
    """Everything stored. Outer containers are copied per unit of work; values are immutable."""

    stores: dict[str, Store] = attrs.Factory(dict)
    tokens: dict[str, TokenSet] = attrs.Factory(dict)
    settings: dict[str, TenantSettings] = attrs.Factory(dict)
    products: dict[str, dict[str, Product]] = attrs.Factory(dict)
    # (seq, store_id, product_id, offer); seq orders equal observation times by insertion
    offers: list[tuple[int, str, str, CompetitorOffer]] = attrs.Factory(list)
    decisions: dict[str, dict[str, DecisionRecord]] = attrs.Factory(dict)
    runs: dict[str, dict[str, OptimizationRun]] = attrs.Factory(dict)
    activity: list[ActivityEntry] = attrs.Factory(list)
    price_history: list[tuple[int, str, PricePoint]] = attrs.Factory(list)
    system_settings: dict[str, _SystemSetting] = attrs.Factory(dict)
    webhooks: dict[str, tuple[str | None, datetime]] = attrs.Factory(dict)  # delivery id -> (store, received)
    subscriptions: dict[str, SubscriptionState] = attrs.Factory(dict)
    # store_id -> (product_id, day) -> DailySales
    sales: dict[str, dict[tuple[str, date], DailySales]] = attrs.Factory(dict)
    sales_resume: dict[str, date] = attrs.Factory(dict)
    # (store_id, run_id) -> product_id -> input
    run_inputs: dict[tuple[str, str], dict[str, PricingInput]] = attrs.Factory(dict)
    rules: dict[str, tuple[PricingRule, ...]] = attrs.Factory(dict)
    overrides: dict[str, dict[str, ProductOverride]] = attrs.Factory(dict)
    intents: dict[str, Intent] = attrs.Factory(dict)  # key -> intent (pricing_core.intents)

    def copy(self) -> _State:
        return _State(
            stores=dict(self.stores),
            tokens=dict(self.tokens),
            settings=dict(self.settings),
            products={k: dict(v) for k, v in self.products.items()},
            offers=list(self.offers),
            decisions={k: dict(v) for k, v in self.decisions.items()},
            runs={k: dict(v) for k, v in self.runs.items()},
            activity=list(self.activity),
            price_history=list(self.price_history),
            system_settings={k: attrs.evolve(v) for k, v in self.system_settings.items()},
            webhooks=dict(self.webhooks),
            subscriptions=dict(self.subscriptions),
            sales={k: dict(v) for k, v in self.sales.items()},
            sales_resume=dict(self.sales_resume),
            run_inputs={k: dict(v) for k, v in self.run_inputs.items()},
            rules=dict(self.rules),
            overrides={k: dict(v) for k, v in self.overrides.items()},
            intents=dict(self.intents),
        )


_Op = Callable[[_State], Any]


class InMemoryUnitOfWorkFactory:
    """``UnitOfWorkFactory`` port in memory: ``factory()`` unscoped, ``factory(store_id)`` store-bound.

    Thread-safe: one lock guards the committed state; each unit of work belongs to one thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._committed = _State()
        self._seq = itertools.count(1)

    def __call__(self, store_id: str | None = None) -> InMemoryUnitOfWork:
        """Open a unit of work (bound to ``store_id`` when given)."""
        return InMemoryUnitOfWork(self, None if store_id is None else str(store_id))

    def next_seq(self) -> int:
        """A process-wide increasing number (insertion order, activity ids)."""
        with self._lock:
            return next(self._seq)

    def _snapshot(self) -> _State:
        with self._lock:
            return self._committed.copy()

    def _apply(self, journal: Sequence[_Op]) -> None:
        with self._lock:
            for op in journal:
                op(self._committed)


class InMemoryUnitOfWork:
    """``UnitOfWork`` port in memory. Leaving the block without ``commit()`` rolls back."""

    def __init__(self, factory: InMemoryUnitOfWorkFactory, store_id: str | None) -> None:
        self._factory = factory
        # On a store-bound unit of work even the unscoped repositories see only that store's rows,
        # as on PostgreSQL where row-level security applies to the whole transaction.
        self.bound_store = store_id
        self._state: _State | None = None
        self._journal: list[_Op] = []
        self.stores: StoreRepository = _Stores(self)
        self.system_settings: SystemSettingsRepository = _SystemSettings(self)
        self.webhooks: WebhookInbox = _Webhooks(self)
        self.system_activity: ActivityRepository = _Activity(self, None)
        self.retention: RetentionRepository = _Retention(self)
        self.subscriptions: SubscriptionRepository = _Subscriptions(self)
        self.intents: IntentRepository = MemoryIntents(self)
        self.store: StoreScope | None = None if store_id is None else InMemoryStoreScope(self, store_id)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        """Replay this unit of work's writes on the committed state."""
        journal, self._journal = self._journal, []
        self._factory._apply(journal)
        self._state = None  # the next read sees everything committed so far, ours included

    def rollback(self) -> None:
        """Forget every write since the last commit."""
        self._journal = []
        self._state = None

    # -- used by the repositories

    def read(self) -> _State:
        if self._state is None:
            self._state = self._factory._snapshot()
        return self._state

    def write(self, op: _Op) -> Any:
        """Apply ``op`` to this unit of work's copy now and to the committed state on commit."""
        result = op(self.read())
        self._journal.append(op)
        return result

    def seq(self) -> int:
        return self._factory.next_seq()


def _store_or_raise(state: _State, store_id: str) -> None:
    # The SQL implementation has foreign keys to stores; the fake refuses the same writes.
    if store_id not in state.stores:
        raise StoreNotFound(f"store {store_id} does not exist")


class _Stores:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    def _visible(self, store_id: str) -> bool:
        return self._uow.bound_store is None or self._uow.bound_store == store_id

    def get(self, store_id: str) -> Store | None:
        store_id = str(store_id)
        return self._uow.read().stores.get(store_id) if self._visible(store_id) else None

    def upsert(self, store: Store) -> None:
        if not self._visible(store.store_id):
            raise ValueError(
                f"a unit of work bound to store {self._uow.bound_store} cannot write store {store.store_id}"
            )

        def op(state: _State) -> None:
            state.stores[store.store_id] = store

        self._uow.write(op)

    def set_active(self, store_id: str, active: bool, *, reason: str | None, at: datetime) -> None:
        store_id = str(store_id)
        if not self._visible(store_id):
            return  # invisible from here, as a missing store is

        def op(state: _State) -> None:
            current = state.stores.get(store_id)
            if current is None:
                return
            if active:
                state.stores[store_id] = attrs.evolve(
                    current, is_active=True, deactivated_at=None, deactivation_reason=None
                )
            else:
                state.stores[store_id] = attrs.evolve(
                    current, is_active=False, deactivated_at=at, deactivation_reason=reason
                )

        self._uow.write(op)

    def list_all(self) -> list[Store]:
        stores = self._uow.read().stores
        return [stores[k] for k in sorted(stores) if self._visible(k)]

    def list_active_with_settings(self) -> list[tuple[Store, TenantSettings]]:
        state = self._uow.read()
        return [
            (store, state.settings.get(store.store_id, TenantSettings()))
            for store in self.list_all()
            if store.is_active
        ]

    def tokens_expiring(self, before: datetime) -> list[tuple[Store, TokenSet]]:
        state = self._uow.read()
        result = []
        for store in self.list_all():
            tokens = state.tokens.get(store.store_id)
            if store.is_active and tokens is not None and tokens.expires_at < before:
                result.append((store, tokens))
        return result

    def token_overview(self) -> list[tuple[Store, TokenSet | None]]:
        state = self._uow.read()
        return [(store, state.tokens.get(store.store_id)) for store in self.list_all()]

    def recent_failed_runs(self, limit: int = 20) -> list[OptimizationRun]:
        runs = [r for by_id in self._uow.read().runs.values() for r in by_id.values()]
        failed = [r for r in runs if r.status is RunStatus.FAILED and self._visible(r.store_id)]
        return sorted(failed, key=lambda r: (r.started_at, r.id), reverse=True)[:limit]

    def stalled_decisions(
        self, statuses: Collection[DecisionStatus], updated_before: datetime, *, limit: int = 1000
    ) -> list[DecisionRecord]:
        wanted = {DecisionStatus(s) for s in statuses}
        found = [
            r
            for store_id, by_id in self._uow.read().decisions.items()
            if self._visible(store_id)
            for r in by_id.values()
            if r.status in wanted and r.updated_at < updated_before
        ]
        return sorted(found, key=lambda r: (r.updated_at, r.id))[: max(limit, 0)]

    def stalled_runs(self, progress_before: datetime, *, limit: int = 1000) -> list[OptimizationRun]:
        found = [
            r
            for store_id, by_id in self._uow.read().runs.items()
            if self._visible(store_id)
            for r in by_id.values()
            if r.status is RunStatus.RUNNING and r.last_progress_at < progress_before
        ]
        return sorted(found, key=lambda r: (r.last_progress_at, r.id))[: max(limit, 0)]


class _Tokens:
    def __init__(self, uow: InMemoryUnitOfWork, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def get(self) -> TokenSet | None:
        return self._uow.read().tokens.get(self._store_id)

    def save(self, tokens: TokenSet) -> None:
        _store_or_raise(self._uow.read(), self._store_id)

        def op(state: _State) -> None:
            state.tokens[self._store_id] = tokens

        self._uow.write(op)


class _Settings:
    def __init__(self, uow: InMemoryUnitOfWork, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def get(self) -> TenantSettings:
        return self._uow.read().settings.get(self._store_id, TenantSettings())

    def save(self, settings: TenantSettings) -> None:
        _store_or_raise(self._uow.read(), self._store_id)

        def op(state: _State) -> None:
            state.settings[self._store_id] = settings

        self._uow.write(op)


class _Products:
    def __init__(self, uow: InMemoryUnitOfWork, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def _mine(self) -> dict[str, Product]:
        return self._uow.read().products.get(self._store_id, {})

    def upsert_many(self, products: Sequence[Product], *, seen_at: datetime) -> None:
        if not products:
            return
        _store_or_raise(self._uow.read(), self._store_id)
        batch = list(products)

        def op(state: _State) -> None:
            mine = state.products.setdefault(self._store_id, {})
            for product in batch:
                mine[product.id] = product

        self._uow.write(op)

    def get(self, product_id: str) -> Product | None:
        return self._mine().get(str(product_id))

    def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]:
        mine = self._mine()
        return {str(pid): mine[str(pid)] for pid in product_ids if str(pid) in mine}

    def list(self, *, limit: int = 100, offset: int = 0) -> builtins.list[Product]:
        mine = self._mine()
        return [mine[k] for k in sorted(mine)][offset : offset + limit]

    def count(self) -> int:
        return len(self._mine())

    def ids_by_sku(self, skus: Sequence[str]) -> dict[str, builtins.list[str]]:
        wanted = {str(s) for s in skus}
        found: dict[str, builtins.list[str]] = {}
        for pid in sorted(self._mine()):
            sku = self._mine()[pid].sku
            if sku is not None and sku in wanted:
                found.setdefault(sku, []).append(pid)
        return found


class _Offers:
    def __init__(self, uow: InMemoryUnitOfWork, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def add_many(self, offers: Mapping[str, Sequence[CompetitorOffer]]) -> None:
        rows = [(self._uow.seq(), self._store_id, str(pid), offer) for pid, items in offers.items() for offer in items]
        if not rows:
            return
        _store_or_raise(self._uow.read(), self._store_id)

        def op(state: _State) -> None:
            state.offers.extend(rows)

        self._uow.write(op)

    def latest(self, product_ids: Sequence[str]) -> dict[str, builtins.list[CompetitorOffer]]:
        wanted = {str(p) for p in product_ids}
        best: dict[tuple[str, str], tuple[datetime, int, CompetitorOffer]] = {}
        for seq, store_id, pid, offer in self._uow.read().offers:
            if store_id != self._store_id or pid not in wanted:
                continue
            key = (pid, offer.competitor)
            candidate = (offer.observed_at, seq, offer)
            if key not in best or candidate[:2] > best[key][:2]:
                best[key] = candidate
        result: dict[str, builtins.list[CompetitorOffer]] = {}
        for (pid, _competitor), (_, _, offer) in sorted(best.items()):
            result.setdefault(pid, []).append(offer)
        return result


class _Decisions:
    def __init__(self, uow: InMemoryUnitOfWork, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def _mine(self) -> dict[str, DecisionRecord]:
        return self._uow.read().decisions.get(self._store_id, {})

    def add_many(self, records: Sequence[DecisionRecord]) -> int:
        if not records:
            return 0
        _store_or_raise(self._uow.read(), self._store_id)
        for record in records:
            if record.store_id != self._store_id:
                raise ValueError(f"decision {record.id} belongs to store {record.store_id}, not {self._store_id}")
        batch = list(records)

        def op(state: _State) -> int:
            mine = state.decisions.setdefault(self._store_id, {})
            keys = {r.idempotency_key for r in mine.values()}
            inserted = 0
            for record in batch:
                if record.idempotency_key in keys or record.id in mine:
                    continue
                mine[record.id] = record
                keys.add(record.idempotency_key)
                inserted += 1
            return inserted

        inserted: int = self._uow.write(op)
        return inserted

    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        stored = {r.idempotency_key for r in self._mine().values()}
        return stored.intersection(keys)

    def get(self, decision_id: str) -> DecisionRecord | None:
        return self._mine().get(decision_id)

    def list(
        self,
        *,
        status: DecisionStatus | None = None,
        product_id: str | None = None,
        run_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[DecisionRecord]:
        rows = [
            r
            for r in self._mine().values()
            if (status is None or r.status is status)
            and (product_id is None or r.decision.product_id == str(product_id))
            and (run_id is None or r.run_id == run_id)
        ]
        rows.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        return rows[offset : offset + limit]

    def count(self, *, status: DecisionStatus | None = None) -> int:
        return sum(1 for r in self._mine().values() if status is None or r.status is status)

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
        ids = list(decision_ids)
        allowed = checked_expected(status, expected)

        def op(state: _State) -> None:
            mine = state.decisions.get(self._store_id, {})
            for decision_id in ids:
                current = mine.get(decision_id)
                if current is None or current.status not in allowed:
                    continue
                mine[decision_id] = attrs.evolve(
                    current,
                    status=status,
                    updated_at=at,
                    decided_by=by if by is not None else current.decided_by,
                    error=error,
                )

        self._uow.write(op)


class _Runs:
    def __init__(self, uow: InMemoryUnitOfWork, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def add(self, run: OptimizationRun) -> None:
        self._check(run)
        _store_or_raise(self._uow.read(), self._store_id)

        def op(state: _State) -> None:
            state.runs.setdefault(self._store_id, {})[run.id] = run

        self._uow.write(op)

    def update(self, run: OptimizationRun) -> None:
        self._check(run)

        def op(state: _State) -> None:
            mine = state.runs.get(self._store_id, {})
            if run.id in mine:
                mine[run.id] = run

        self._uow.write(op)

    def _check(self, run: OptimizationRun) -> None:
        if run.store_id != self._store_id:
            raise ValueError(f"run {run.id} belongs to store {run.store_id}, not {self._store_id}")

    def get(self, run_id: str) -> OptimizationRun | None:
        return self._uow.read().runs.get(self._store_id, {}).get(run_id)

    def recent(self, limit: int = 20) -> list[OptimizationRun]:
        runs = list(self._uow.read().runs.get(self._store_id, {}).values())
        return sorted(runs, key=lambda r: (r.started_at, r.id), reverse=True)[:limit]


class _Activity:
    """Scoped to one store, or (``store_id`` None) the system-wide log that lists everything."""

    def __init__(self, uow: InMemoryUnitOfWork, store_id: str | None) -> None:
        self._uow, self._store_id = uow, store_id

    def log(
        self,
        activity_type: ActivityType,
        description: str,
        *,
        at: datetime,
        metadata: Mapping[str, object] | None = None,
    ) -> None:
        if self._store_id is not None:
            _store_or_raise(self._uow.read(), self._store_id)
        entry = ActivityEntry(
            activity_type=ActivityType(activity_type),
            description=description,
            created_at=at,
            store_id=self._store_id,
            metadata=jsonable(metadata),
            id=str(self._uow.seq()),
        )

        def op(state: _State) -> None:
            state.activity.append(entry)

        self._uow.write(op)

    def list(self, *, activity_type: ActivityType | None = None, limit: int = 50) -> builtins.list[ActivityEntry]:
        visible = self._store_id or self._uow.bound_store
        rows = [
            e
            for e in self._uow.read().activity
            if (visible is None or e.store_id == visible)
            and (activity_type is None or e.activity_type is activity_type)
        ]
        rows.sort(key=lambda e: (e.created_at, int(e.id or 0)), reverse=True)
        return rows[:limit]


class _PriceHistory:
    def __init__(self, uow: InMemoryUnitOfWork, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def add_many(self, points: Sequence[PricePoint]) -> None:
        rows = [(self._uow.seq(), self._store_id, p) for p in points]
        if not rows:
            return
        _store_or_raise(self._uow.read(), self._store_id)

        def op(state: _State) -> None:
            state.price_history.extend(rows)

        self._uow.write(op)

    def _mine(self) -> list[tuple[int, PricePoint]]:
        return [(seq, p) for seq, sid, p in self._uow.read().price_history if sid == self._store_id]

    def for_product(self, product_id: str, *, limit: int = 50) -> list[PricePoint]:
        rows = [(p.changed_at, seq, p) for seq, p in self._mine() if p.product_id == str(product_id)]
        rows.sort(key=lambda r: (r[0], r[1]), reverse=True)
        return [p for _, _, p in rows[:limit]]

    def latest(self, product_ids: Sequence[str]) -> dict[str, PricePoint]:
        wanted = {str(p) for p in product_ids}
        best: dict[str, tuple[datetime, int, PricePoint]] = {}
        for seq, p in self._mine():
            if p.product_id not in wanted:
                continue
            if p.product_id not in best or (p.changed_at, seq) > best[p.product_id][:2]:
                best[p.product_id] = (p.changed_at, seq, p)
        return {pid: row[2] for pid, row in best.items()}


class _Rules:
    def __init__(self, uow: InMemoryUnitOfWork, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def list(self) -> builtins.list[PricingRule]:
        return builtins.list(ordered_rules(self._uow.read().rules.get(self._store_id, ())))

    def replace_all(self, rules: Sequence[PricingRule]) -> None:
        _store_or_raise(self._uow.read(), self._store_id)
        names = [r.name for r in rules]
        if len(set(names)) != len(names):
            raise ValueError("two rules share a name: " + ", ".join(sorted({n for n in names if names.count(n) > 1})))
        batch = tuple(rules)

        def op(state: _State) -> None:
            state.rules[self._store_id] = batch

        self._uow.write(op)


class _Overrides:
    def __init__(self, uow: InMemoryUnitOfWork, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def _mine(self) -> dict[str, ProductOverride]:
        return self._uow.read().overrides.get(self._store_id, {})

    def get_many(self, product_ids: Sequence[str]) -> dict[str, ProductOverride]:
        mine = self._mine()
        return {str(pid): mine[str(pid)] for pid in product_ids if str(pid) in mine}

    def list(self, *, limit: int = 100, offset: int = 0) -> builtins.list[ProductOverride]:
        mine = self._mine()
        return [mine[k] for k in sorted(mine)][offset : offset + limit]

    def count(self) -> int:
        return len(self._mine())

    def upsert_many(self, overrides: Sequence[ProductOverride]) -> None:
        if not overrides:
            return
        _store_or_raise(self._uow.read(), self._store_id)
        batch = builtins.list(overrides)

        def op(state: _State) -> None:
            mine = state.overrides.setdefault(self._store_id, {})
            for override in batch:
                mine[override.product_id] = override

        self._uow.write(op)

    def delete(self, product_id: str) -> bool:
        pid = str(product_id)
        if pid not in self._mine():
            return False

        def op(state: _State) -> None:
            state.overrides.get(self._store_id, {}).pop(pid, None)

        self._uow.write(op)
        return True


class _SystemSettings:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    def get(self, key: str) -> str | None:
        row = self._uow.read().system_settings.get(key)
        return None if row is None else row.value

    def set(self, key: str, value: str, *, description: str = "", secret: bool = False) -> None:
        def op(state: _State) -> None:
            state.system_settings[key] = _SystemSetting(value, description, secret)

        self._uow.write(op)


class _Webhooks:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    def record(self, delivery_id: str, *, event: str, store_id: str | None, at: datetime) -> bool:
        if delivery_id in self._uow.read().webhooks:
            return False

        def op(state: _State) -> None:
            state.webhooks[delivery_id] = (store_id, at)

        self._uow.write(op)
        return True


class _Subscriptions:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    def _visible(self, store_id: str) -> bool:
        return self._uow.bound_store is None or self._uow.bound_store == store_id

    def get(self, store_id: str) -> SubscriptionState | None:
        store_id = str(store_id)
        return self._uow.read().subscriptions.get(store_id) if self._visible(store_id) else None

    def save(self, state: SubscriptionState) -> None:
        if not self._visible(state.store_id):
            raise ValueError(
                f"a unit of work bound to store {self._uow.bound_store} cannot write store {state.store_id}"
            )
        _store_or_raise(self._uow.read(), state.store_id)

        def op(state_: _State) -> None:
            state_.subscriptions[state.store_id] = state

        self._uow.write(op)

    def list_all(self) -> list[SubscriptionState]:
        subscriptions = self._uow.read().subscriptions
        return [subscriptions[k] for k in sorted(subscriptions) if self._visible(k)]


class _Retention:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    def delete_before(
        self,
        *,
        runs_before: datetime,
        activity_before: datetime,
        offers_before: datetime,
        batch_size: int = 1000,
    ) -> dict[str, int]:
        bound = self._uow.bound_store

        def mine(store_id: str | None) -> bool:
            return bound is None or store_id == bound

        def op(state: _State) -> dict[str, int]:
            runs = 0
            for store_id, by_id in list(state.runs.items()):
                if not mine(store_id):
                    continue
                kept = {k: r for k, r in by_id.items() if r.started_at >= runs_before}
                runs += len(by_id) - len(kept)
                state.runs[store_id] = kept
                for run_id in set(by_id) - set(kept):  # as the SQL foreign key cascades
                    state.run_inputs.pop((store_id, run_id), None)
            activity = [e for e in state.activity if e.created_at >= activity_before or not mine(e.store_id)]
            offers = [row for row in state.offers if row[3].observed_at >= offers_before or not mine(row[1])]
            counts = {
                "runs": runs,
                "activity": len(state.activity) - len(activity),
                "offers": len(state.offers) - len(offers),
            }
            state.activity, state.offers = activity, offers
            return counts

        counts: dict[str, int] = self._uow.write(op)
        return counts

    def delete_webhooks_before(self, received_before: datetime, *, batch_size: int = 1000) -> int:
        bound = self._uow.bound_store

        def op(state: _State) -> int:
            old = [k for k, (store_id, at) in state.webhooks.items()
                   if at < received_before and (bound is None or store_id == bound)]
            for key in old:
                del state.webhooks[key]
            return len(old)

        deleted: int = self._uow.write(op)
        return deleted


class _Sales:
    def __init__(self, uow: InMemoryUnitOfWork, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def replace_from(self, since: date, days: Sequence[DailySales]) -> None:
        _store_or_raise(self._uow.read(), self._store_id)
        kept = [d for d in days if d.day >= since]

        def op(state: _State) -> None:
            mine = {k: v for k, v in state.sales.get(self._store_id, {}).items() if k[1] < since}
            mine.update({(d.product_id, d.day): d for d in kept})
            state.sales[self._store_id] = mine

        self._uow.write(op)

    def history(self, *, since: date | None = None, product_ids: Sequence[str] | None = None) -> list[DailySales]:
        wanted = None if product_ids is None else {str(p) for p in product_ids}
        rows = [
            d for d in self._uow.read().sales.get(self._store_id, {}).values()
            if (since is None or d.day >= since) and (wanted is None or d.product_id in wanted)
        ]
        return sorted(rows, key=lambda d: (d.day, d.product_id))

    def resume_from(self) -> date | None:
        return self._uow.read().sales_resume.get(self._store_id)

    def set_resume_from(self, day: date) -> None:
        _store_or_raise(self._uow.read(), self._store_id)

        def op(state: _State) -> None:
            state.sales_resume[self._store_id] = day

        self._uow.write(op)


class _RunInputs:
    def __init__(self, uow: InMemoryUnitOfWork, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def add_many(self, run_id: str, inputs: Sequence[PricingInput]) -> None:
        if not inputs:
            return
        state = self._uow.read()
        _store_or_raise(state, self._store_id)
        run = state.runs.get(self._store_id, {}).get(run_id)
        if run is None:  # the SQL table has a foreign key to the run
            raise StoreNotFound(f"run {run_id} does not exist in store {self._store_id}")
        key = (self._store_id, run_id)

        def op(state: _State) -> None:
            state.run_inputs.setdefault(key, {}).update({i.product.id: i for i in inputs})

        self._uow.write(op)

    def for_run(self, run_id: str) -> list[PricingInput]:
        found = self._uow.read().run_inputs.get((self._store_id, run_id), {})
        return sorted(found.values(), key=lambda i: (i.now, i.product.id))


class InMemoryStoreScope:
    """``StoreScope`` port in memory: every repository reads and writes only ``store_id``'s rows."""

    def __init__(self, uow: InMemoryUnitOfWork, store_id: str) -> None:
        self.store_id = store_id
        self.tokens: TokenRepository = _Tokens(uow, store_id)
        self.settings: SettingsRepository = _Settings(uow, store_id)
        self.products: ProductRepository = _Products(uow, store_id)
        self.offers: OfferRepository = _Offers(uow, store_id)
        self.decisions: DecisionRepository = _Decisions(uow, store_id)
        self.runs: RunRepository = _Runs(uow, store_id)
        self.activity: ActivityRepository = _Activity(uow, store_id)
        self.price_history: PriceHistoryRepository = _PriceHistory(uow, store_id)
        self.sales: SalesRepository = _Sales(uow, store_id)
        self.run_inputs: RunInputRepository = _RunInputs(uow, store_id)
        self.rules: RuleRepository = _Rules(uow, store_id)
        self.overrides: OverrideRepository = _Overrides(uow, store_id)


__all__ = ["InMemoryStoreScope", "InMemoryUnitOfWork", "InMemoryUnitOfWorkFactory"]

if TYPE_CHECKING:  # mypy proves the fakes satisfy the ports structurally
    from pricing_core.ports import UnitOfWork, UnitOfWorkFactory

    _factory: UnitOfWorkFactory = InMemoryUnitOfWorkFactory()
    _uow: UnitOfWork = InMemoryUnitOfWork(InMemoryUnitOfWorkFactory(), None)
    _scope: StoreScope = InMemoryStoreScope(InMemoryUnitOfWork(InMemoryUnitOfWorkFactory(), None), "1")
