"""Competitor data that drives repricing: products whose competitor offers changed are repriced now.

Salla's ``product.price.updated`` webhook reprices a product when the merchant's own price moves;
this does the same when a competitor's does. A watch reads the current offers of the store's
known products (the catalog snapshot the sweeps store) from the competitor sources, compares
them with the offers stored by the last run, and dispatches ``RepriceProducts`` for exactly the
products whose offers changed. It stores nothing itself: the repricing run stores the offers it
prices with, so the next watch compares with those, and an offer is never its own "previous
observation". Debounced: the run key is the same for the same products within one window, so
repeated watches before the repricing ran (or a redelivered message) reprice them once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

import attrs

from pricing_core.catalog import CompetitorOffer
from pricing_core.commands import RepriceProducts, WatchCompetitors
from pricing_core.ports import Clock, CompetitorSource, TaskQueue, UnitOfWorkFactory, scope_of
from pricing_core.schedule import takes_scheduled_runs

DEFAULT_DEBOUNCE = timedelta(minutes=15)
PAGE = 500
# Products per RepriceProducts command: Salla's own page limit, which the repricing fetches by.
REPRICE_BATCH = 60


class WatchPorts(Protocol):
    """What a watch needs: storage, the competitor sources, the queue and the clock."""

    @property
    def uow_factory(self) -> UnitOfWorkFactory: ...

    @property
    def competitors(self) -> CompetitorSource: ...

    @property
    def queue(self) -> TaskQueue: ...

    @property
    def clock(self) -> Clock: ...


@attrs.frozen
class WatchResult:
    """The products whose offers changed, and the repricing commands dispatched for them."""

    store_id: str
    watched: int
    changed: tuple[str, ...]
    dispatched: tuple[RepriceProducts, ...]


def _reading(offer: CompetitorOffer) -> tuple[object, ...]:
    return (offer.price, offer.in_stock, offer.currency, offer.shipping)


def _by_competitor(offers: Iterable[CompetitorOffer]) -> dict[str, tuple[object, ...]]:
    latest: dict[str, CompetitorOffer] = {}
    for offer in offers:
        key = offer.competitor.casefold()
        if key not in latest or offer.observed_at >= latest[key].observed_at:
            latest[key] = offer
    return {k: _reading(o) for k, o in latest.items()}


def offers_changed(stored: Sequence[CompetitorOffer], current: Sequence[CompetitorOffer]) -> bool:
    """True when a competitor appeared, vanished, or changed its price, stock, currency or shipping."""
    return _by_competitor(stored) != _by_competitor(current)


def _run_key(window: datetime, product_ids: Sequence[str]) -> str:
    digest = hashlib.sha256("|".join(product_ids).encode()).hexdigest()[:16]
    return f"competitors:{window:%Y%m%dT%H%M}:{digest}"


def watch_competitors(
    ports: WatchPorts, store_id: str, *, debounce: timedelta = DEFAULT_DEBOUNCE, page: int = PAGE
) -> WatchResult:
    """Compare the store's competitor offers with the stored ones; reprice exactly the products that changed."""
    now = ports.clock.now()
    changed: list[str] = []
    watched = 0
    offset = 0
    while True:
        with ports.uow_factory(store_id) as uow:
            products = scope_of(uow).products.list(limit=page, offset=offset)
            stored = scope_of(uow).offers.latest([p.id for p in products])
        watched += len(products)
        if products:
            current = ports.competitors.offers_for(store_id, products, now)
            for product in products:
                if offers_changed(stored.get(product.id, ()), current.get(product.id, ())):
                    # A variant is fetched (and repriced) through its product.
                    changed.append(product.variant_of or product.id)
        if len(products) < page:
            break
        offset += page
    ids = list(dict.fromkeys(changed))
    seconds = max(int(debounce.total_seconds()), 1)
    window = datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=now.tzinfo)
    commands = []
    for start in range(0, len(ids), REPRICE_BATCH):
        batch = ids[start:start + REPRICE_BATCH]
        command = RepriceProducts(store_id=store_id, product_ids=tuple(batch), run_key=_run_key(window, batch))
        ports.queue.dispatch(command)
        commands.append(command)
    return WatchResult(store_id=store_id, watched=watched, changed=tuple(ids), dispatched=tuple(commands))


def watch_all_stores(uow_factory: UnitOfWorkFactory, queue: TaskQueue) -> list[str]:
    """One ``WatchCompetitors`` per active store that takes automatic runs; returns their ids."""
    with uow_factory() as uow:
        rows = uow.stores.list_active_with_settings()
    watched = []
    for store, settings in rows:
        if takes_scheduled_runs(store, settings):
            queue.dispatch(WatchCompetitors(store_id=store.store_id))
            watched.append(store.store_id)
    return watched


__all__ = ["DEFAULT_DEBOUNCE", "WatchResult", "offers_changed", "watch_all_stores", "watch_competitors"]
