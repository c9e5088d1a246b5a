"""The storage port in memory: units of work over a dict-based state, for unit tests and notebooks.

Transactions are real: a unit of work reads and writes its own copy of the committed state,
taken at its first use after a commit or rollback (containers are copied, the frozen domain
values are shared; a snapshot, so slightly stronger than PostgreSQL's read committed), and every
write is also kept as an operation in a journal. ``commit()`` replays the journal on the
committed state under the factory's lock, so concurrent units of work touching different rows do
not overwrite each other (last writer wins per row, as with read-committed SQL). Leaving without
commit drops the copy and the journal.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from adapters.memory.intents import MemoryIntents
from adapters.memory.storage.activity import MemoryActivity
from adapters.memory.storage.alerts import MemoryAlertSettings
from adapters.memory.storage.cross_store import (
    MemoryRetention,
    MemoryStores,
    MemorySubscriptions,
    MemorySystemSettings,
    MemoryWebhooks,
)
from adapters.memory.storage.decisions import MemoryDecisions
from adapters.memory.storage.offers import MemoryOffers
from adapters.memory.storage.overrides import MemoryOverrides
from adapters.memory.storage.price_history import MemoryPriceHistory
from adapters.memory.storage.products import MemoryProducts
from adapters.memory.storage.rules import MemoryRules
from adapters.memory.storage.run_inputs import MemoryRunInputs
from adapters.memory.storage.runs import MemoryRuns
from adapters.memory.storage.sales import MemorySales
from adapters.memory.storage.state import Op, State
from adapters.memory.storage.store_settings import MemorySettings
from adapters.memory.storage.tokens import MemoryTokens
from pricing_core.ports import (
    ActivityRepository,
    AlertSettingsRepository,
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
)


class InMemoryUnitOfWorkFactory:
    """``UnitOfWorkFactory`` port in memory: ``factory()`` unscoped, ``factory(store_id)`` store-bound.

    Thread-safe: one lock guards the committed state; each unit of work belongs to one thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._committed = State()
        self._seq = itertools.count(1)

    def __call__(self, store_id: str | None = None) -> InMemoryUnitOfWork:
        """Open a unit of work (bound to ``store_id`` when given)."""
        return InMemoryUnitOfWork(self, None if store_id is None else str(store_id))

    def next_seq(self) -> int:
        """A process-wide increasing number (insertion order, activity ids)."""
        with self._lock:
            return next(self._seq)

    def _snapshot(self) -> State:
        with self._lock:
            return self._committed.copy()

    def _apply(self, journal: Sequence[Op]) -> None:
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
        self._state: State | None = None
        self._journal: list[Op] = []
        self.stores: StoreRepository = MemoryStores(self)
        self.system_settings: SystemSettingsRepository = MemorySystemSettings(self)
        self.webhooks: WebhookInbox = MemoryWebhooks(self)
        self.system_activity: ActivityRepository = MemoryActivity(self, None)
        self.retention: RetentionRepository = MemoryRetention(self)
        self.subscriptions: SubscriptionRepository = MemorySubscriptions(self)
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

    def read(self) -> State:
        """This unit of work's copy of the committed state, taken on first use after a commit or rollback."""
        if self._state is None:
            self._state = self._factory._snapshot()
        return self._state

    def write(self, op: Op) -> Any:
        """Apply ``op`` to this unit of work's copy now and to the committed state on commit."""
        result = op(self.read())
        self._journal.append(op)
        return result

    def seq(self) -> int:
        """A process-wide increasing number (insertion order, activity ids)."""
        return self._factory.next_seq()


class InMemoryStoreScope:
    """``StoreScope`` port in memory: every repository reads and writes only ``store_id``'s rows."""

    def __init__(self, uow: InMemoryUnitOfWork, store_id: str) -> None:
        self.store_id = store_id
        self.tokens: TokenRepository = MemoryTokens(uow, store_id)
        self.settings: SettingsRepository = MemorySettings(uow, store_id)
        self.products: ProductRepository = MemoryProducts(uow, store_id)
        self.offers: OfferRepository = MemoryOffers(uow, store_id)
        self.decisions: DecisionRepository = MemoryDecisions(uow, store_id)
        self.runs: RunRepository = MemoryRuns(uow, store_id)
        self.activity: ActivityRepository = MemoryActivity(uow, store_id)
        self.price_history: PriceHistoryRepository = MemoryPriceHistory(uow, store_id)
        self.sales: SalesRepository = MemorySales(uow, store_id)
        self.run_inputs: RunInputRepository = MemoryRunInputs(uow, store_id)
        self.rules: RuleRepository = MemoryRules(uow, store_id)
        self.overrides: OverrideRepository = MemoryOverrides(uow, store_id)
        self.alerts: AlertSettingsRepository = MemoryAlertSettings(uow, store_id)


__all__ = ["InMemoryStoreScope", "InMemoryUnitOfWork", "InMemoryUnitOfWorkFactory"]

if TYPE_CHECKING:  # mypy proves the fakes satisfy the ports structurally
    from pricing_core.ports import UnitOfWork, UnitOfWorkFactory

    _factory: UnitOfWorkFactory = InMemoryUnitOfWorkFactory()
    _uow: UnitOfWork = InMemoryUnitOfWork(InMemoryUnitOfWorkFactory(), None)
    _scope: StoreScope = InMemoryStoreScope(InMemoryUnitOfWork(InMemoryUnitOfWorkFactory(), None), "1")
