"""Event-driven repricing: just the products whose own or competitor price changed.

Fed by ``product.price.updated`` webhooks and competitor feed updates, so a store reacts in
seconds instead of at the next scheduled sweep. It is a small sweep (an ``event`` run) over the
given products, fetched by id, with the same idempotency as a full sweep.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pricing_core.ports import ProductPage
from pricing_core.runs import RunType
from pricing_core.usecases.context import OptimizerPorts, new_key
from pricing_core.usecases.optimize_store import SweepKind, SweepOptions, SweepResult, run_optimization
from pricing_core.usecases.refresh_tokens import DEFAULT_THRESHOLD_HOURS

# Products per page of the event run (Salla's own page size): each page is priced and persisted
# as one page of a sweep.
_CHUNK = 60
# Products per ``get_products`` call. The adapter reads a large set through the catalog's pages
# (one pass for all of them) rather than one GET each, so one large call costs fewer requests than
# many small ones; the cap bounds what is held in memory (a few MB) for a very large repricing.
_FETCH = 5000
# An event waits this long for a running sweep of the same store, which covers the product anyway
# only if it has not passed it yet; waiting keeps one writer per store.
DEFAULT_LOCK_WAIT = 30.0


def reprice_products(
    ports: OptimizerPorts,
    store_id: str,
    product_ids: Sequence[str],
    *,
    run_key: str | None = None,
    threshold_hours: float = DEFAULT_THRESHOLD_HOURS,
    lock_timeout: float = DEFAULT_LOCK_WAIT,
) -> SweepResult:
    """Reprice ``product_ids`` of ``store_id`` now (an ``event`` run); unknown ids are skipped.

    Waits up to ``lock_timeout`` for a running sweep of the store; if it is still running the
    result is skipped and marked retryable.
    """
    ids = list(dict.fromkeys(str(p) for p in product_ids))

    def pages(token: str) -> Iterator[ProductPage]:
        for start in range(0, len(ids), _FETCH):
            fetched = ports.salla_catalog.get_products(token, ids[start:start + _FETCH])
            for first in range(0, max(1, len(fetched.products)), _CHUNK):
                yield ProductPage(products=fetched.products[first:first + _CHUNK],
                                  rejected=fetched.rejected if first == 0 else ())

    return run_optimization(ports, str(store_id), pages, SweepOptions(
        kind=SweepKind.PRODUCTS, run_type=RunType.EVENT, run_key=run_key or new_key(),
        threshold_hours=threshold_hours, lock_timeout=lock_timeout,
    ))


__all__ = ["reprice_products"]
