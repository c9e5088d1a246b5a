"""Which earlier decisions a sweep's new ones supersede: a product's PENDING decisions of earlier runs.

When a run decides a change for a product (PENDING or APPROVED), that product's decisions of
earlier runs still waiting for the merchant become SUPERSEDED, in the page's transaction. A sweep
of the whole catalog reads the store's pending decisions once (``PreloadedPending``); a run over
the few products an event named queries just theirs (``QueriedPending``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from pricing_core.decision import DecisionStatus
from pricing_core.ports import StoreScope, scope_of
from pricing_core.usecases.apply_outcomes import OPTIMIZER
from pricing_core.usecases.context import OptimizerPorts

_PENDING_PAGE = 1000


class PendingDecisions(Protocol):
    """How a run finds the pending decisions of earlier runs that its new decisions supersede."""

    def load(self) -> None:
        """Read what is needed ahead of the pages (once, before the first page is decided)."""
        ...

    def supersede(self, scope: StoreScope, product_ids: Sequence[str], now: datetime) -> None:
        """Supersede the pending decisions of earlier runs for ``product_ids``, in ``scope``'s transaction."""
        ...


class PreloadedPending:
    """A sweep of the whole catalog: the store's pending decisions read once, by product."""

    def __init__(self, ports: OptimizerPorts, store_id: str, run_id: str) -> None:
        self.ports = ports
        self.store_id = store_id
        self.run_id = run_id
        self.by_product: dict[str, list[str]] = {}

    def load(self) -> None:
        """Pending decisions of earlier runs, by product: a new change supersedes them."""
        offset = 0
        while True:
            with self.ports.uow_factory(self.store_id) as uow:
                batch = scope_of(uow).decisions.list(status=DecisionStatus.PENDING, limit=_PENDING_PAGE,
                                                     offset=offset)
            for record in batch:
                if record.run_id != self.run_id:
                    self.by_product.setdefault(record.decision.product_id, []).append(record.id)
            if len(batch) < _PENDING_PAGE:
                return
            offset += _PENDING_PAGE

    def supersede(self, scope: StoreScope, product_ids: Sequence[str], now: datetime) -> None:
        """Supersede the preloaded pending decisions of ``product_ids`` (and forget them)."""
        stale = [i for pid in product_ids for i in self.by_product.get(pid, ())]
        if stale:
            _supersede(scope, stale, now)
            for pid in product_ids:
                self.by_product.pop(pid, None)


class QueriedPending:
    """A run over a few products: each product's pending decisions are queried when it is decided."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id

    def load(self) -> None:
        """Nothing to read ahead: ``supersede`` queries the products it is given."""

    def supersede(self, scope: StoreScope, product_ids: Sequence[str], now: datetime) -> None:
        """Supersede the pending decisions of earlier runs for ``product_ids``, queried now."""
        stale = [
            r.id
            for pid in product_ids
            for r in scope.decisions.list(status=DecisionStatus.PENDING, product_id=pid)
            if r.run_id != self.run_id
        ]
        if stale:
            _supersede(scope, stale, now)


def _supersede(scope: StoreScope, decision_ids: Sequence[str], now: datetime) -> None:
    # Only those still pending: the merchant may have approved or rejected one since they were read.
    scope.decisions.set_status(decision_ids, DecisionStatus.SUPERSEDED, at=now, by=OPTIMIZER,
                               expected=(DecisionStatus.PENDING,))


__all__ = ["PendingDecisions", "PreloadedPending", "QueriedPending"]
