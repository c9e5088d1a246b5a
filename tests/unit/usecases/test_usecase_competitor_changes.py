"""Competitor data that drives repricing: exactly the products whose offers changed, debounced (issue 12)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs
from tests.support.usecase_support import Ports, add_store, make_ports, product

from adapters.memory import RecordingQueue
from pricing_core.catalog import CompetitorOffer
from pricing_core.commands import RepriceProducts, WatchCompetitors
from pricing_core.settings import AutomationMode
from pricing_core.usecases.competitor_changes import offers_changed, watch_all_stores, watch_competitors
from pricing_core.usecases.reprice import reprice_products


@attrs.define
class WatchPorts:
    ports: Ports
    queue: RecordingQueue = attrs.Factory(RecordingQueue)

    def __getattr__(self, name: str) -> object:
        return getattr(self.ports, name)


def make() -> WatchPorts:
    ports = make_ports()
    catalog = [product(str(i), "100") for i in range(5)]
    add_store(ports, "1", catalog, mode=AutomationMode.FULL_AUTO)
    with ports.uow_factory("1") as uow:
        uow.store.products.upsert_many(catalog, seen_at=ports.clock.now())
        uow.commit()
    ports.competitors.prices = {str(i): [("x", "103"), ("y", "103")] for i in range(5)}
    return WatchPorts(ports)


def test_offers_changed_compares_each_competitors_latest_reading() -> None:
    now = make_ports().clock.now()

    def o(c: str, p: str, **kw: object) -> CompetitorOffer:
        return CompetitorOffer(competitor=c, price=Decimal(p), observed_at=now, **kw)

    assert not offers_changed([o("noon", "10"), o("x", "5")], [o("X", "5"), o("noon", "10.00")])
    assert offers_changed([o("noon", "10")], [o("noon", "9.99")])
    assert offers_changed([o("noon", "10")], [o("noon", "10", in_stock=False)])
    assert offers_changed([o("noon", "10")], [o("noon", "10", shipping="5")])
    assert offers_changed([o("noon", "10")], [o("noon", "10"), o("amazon", "11")])
    assert offers_changed([o("noon", "10")], [])
    assert not offers_changed([], [])


def test_the_first_watch_reprices_what_no_run_has_seen_then_only_what_changed() -> None:
    w = make()
    first = watch_competitors(w, "1")
    assert first.watched == 5 and set(first.changed) == {"0", "1", "2", "3", "4"}  # no offers stored yet
    reprice_products(w.ports, "1", list(first.changed), run_key="first")  # stores the offers it priced with
    assert watch_competitors(w, "1").changed == ()  # nothing moved since
    w.ports.competitors.prices["3"] = [("x", "99"), ("y", "103")]
    w.ports.competitors.prices["4"] = [("x", "103")]  # y vanished
    w.queue.commands.clear()
    result = watch_competitors(w, "1")
    assert result.changed == ("3", "4")
    assert w.queue.commands == [RepriceProducts(store_id="1", product_ids=("3", "4"),
                                                run_key=result.dispatched[0].run_key)]


def test_repeated_watches_within_the_window_reprice_once() -> None:
    w = make()
    first = watch_competitors(w, "1", debounce=timedelta(minutes=15))
    w.ports.clock.advance(minutes=1)
    again = watch_competitors(w, "1", debounce=timedelta(minutes=15))
    assert first.dispatched[0].run_key == again.dispatched[0].run_key
    done = reprice_products(w.ports, "1", list(first.changed), run_key=first.dispatched[0].run_key)
    redo = reprice_products(w.ports, "1", list(again.changed), run_key=again.dispatched[0].run_key)
    assert redo.run == done.run  # the same run: nothing priced or applied twice
    assert all(n == 1 for n in w.ports.salla_catalog.applies.values())
    w.ports.clock.advance(minutes=20)
    w.ports.competitors.prices["0"] = [("x", "104"), ("y", "104")]
    later = watch_competitors(w, "1", debounce=timedelta(minutes=15))
    assert later.changed == ("0",) and later.dispatched[0].run_key != first.dispatched[0].run_key


def test_variants_are_repriced_through_their_product_and_batches_stay_small() -> None:
    w = make()
    variants = [attrs.evolve(product(f"9:{i}", "50"), variant_of="9") for i in range(3)]
    many = [product(f"m{i}", "10") for i in range(130)]
    with w.ports.uow_factory("1") as uow:
        uow.store.products.upsert_many(variants + many, seen_at=w.ports.clock.now())
        uow.commit()
    w.ports.competitors.prices.update({p.id: [("x", "1")] for p in variants + many})
    result = watch_competitors(w, "1", page=50)
    assert result.changed.count("9") == 1 and "9:0" not in result.changed
    assert [len(c.product_ids) for c in result.dispatched] == [60, 60, 16]  # 5 + 1 (the variants' product) + 130


def test_watch_all_stores_skips_manual_and_inactive_ones() -> None:
    ports = make_ports()
    add_store(ports, "auto", mode=AutomationMode.FULL_AUTO)
    add_store(ports, "manual", mode=AutomationMode.MANUAL)
    add_store(ports, "off", active=False)
    queue = RecordingQueue()
    assert watch_all_stores(ports.uow_factory, queue) == ["auto"]
    assert queue.commands == [WatchCompetitors(store_id="auto")]
