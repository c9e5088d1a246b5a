"""The sales and run-input repositories' contract (daily sales, sync cursor, replay inputs), on every backend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from tests.contract.test_storage_contract import T0, backend, offer, product, store, uow_factory

from pricing_core.catalog import AdvisorProposal, PricePoint
from pricing_core.errors import StoreNotFound
from pricing_core.ports import UnitOfWorkFactory, scope_of
from pricing_core.replay import PricingInput
from pricing_core.runs import OptimizationRun, RunStatus, RunType
from pricing_core.sales import DailySales, OrderSale

__all__ = ["backend", "uow_factory"]  # the shared fixtures, re-exported for pytest


def _day(pid: str, day: int, units: int, revenue: str) -> DailySales:
    return DailySales(product_id=pid, day=date(2026, 3, day), units=units, revenue=Decimal(revenue))


def _setup(factory: UnitOfWorkFactory, *store_ids: str) -> None:
    with factory() as uow:
        for sid in store_ids:
            uow.stores.upsert(store(sid))
        uow.commit()


def test_replace_from_keeps_earlier_days_and_replaces_later_ones(uow_factory: UnitOfWorkFactory) -> None:
    _setup(uow_factory, "1001")
    with uow_factory("1001") as uow:
        sales = scope_of(uow).sales
        sales.replace_from(date(2026, 3, 1), [_day("p1", 1, 2, "200.50"), _day("p1", 2, 1, "99.99"),
                                              _day("p2", 2, 3, "30")])
        uow.commit()
    with uow_factory("1001") as uow:
        sales = scope_of(uow).sales
        # Day 2 is read again: p1 sold more, p2 nothing; day 3 is new.
        sales.replace_from(date(2026, 3, 2), [_day("p1", 2, 4, "399.96"), _day("p1", 3, 1, "100")])
        uow.commit()
    with uow_factory("1001") as uow:
        history = scope_of(uow).sales.history()
    assert history == [_day("p1", 1, 2, "200.50"), _day("p1", 2, 4, "399.96"), _day("p1", 3, 1, "100")]
    assert history[0].revenue == Decimal("200.50")  # exact, scale kept
    with uow_factory("1001") as uow:
        assert scope_of(uow).sales.history(since=date(2026, 3, 2), product_ids=["p1", "p9"]) == history[1:]
        assert scope_of(uow).sales.history(product_ids=["p2"]) == []


def test_cursor_is_per_store_and_moves(uow_factory: UnitOfWorkFactory) -> None:
    _setup(uow_factory, "1001", "1002")
    with uow_factory("1001") as uow:
        assert scope_of(uow).sales.resume_from() is None
        scope_of(uow).sales.set_resume_from(date(2026, 3, 5))
        uow.commit()
    with uow_factory("1001") as uow:
        scope_of(uow).sales.set_resume_from(date(2026, 3, 7))
        uow.commit()
    with uow_factory("1001") as uow:
        assert scope_of(uow).sales.resume_from() == date(2026, 3, 7)
    with uow_factory("1002") as uow:
        assert scope_of(uow).sales.resume_from() is None


def test_stores_do_not_see_each_others_sales(uow_factory: UnitOfWorkFactory) -> None:
    _setup(uow_factory, "1001", "1002")
    with uow_factory("1001") as uow:
        scope_of(uow).sales.replace_from(date(2026, 3, 1), [_day("p1", 1, 1, "10")])
        uow.commit()
    with uow_factory("1002") as uow:
        assert scope_of(uow).sales.history() == []
        scope_of(uow).sales.replace_from(date(2026, 3, 1), [])  # clears only its own days
        uow.commit()
    with uow_factory("1001") as uow:
        assert len(scope_of(uow).sales.history()) == 1


def test_rolled_back_sales_are_not_kept(uow_factory: UnitOfWorkFactory) -> None:
    _setup(uow_factory, "1001")
    with uow_factory("1001") as uow:
        scope_of(uow).sales.replace_from(date(2026, 3, 1), [_day("p1", 1, 1, "10")])
        scope_of(uow).sales.set_resume_from(date(2026, 3, 1))
    with uow_factory("1001") as uow:
        assert scope_of(uow).sales.history() == [] and scope_of(uow).sales.resume_from() is None


def test_unknown_store_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory("4040") as uow, pytest.raises(StoreNotFound):
        scope_of(uow).sales.replace_from(date(2026, 3, 1), [_day("p1", 1, 1, "10")])


def _input(pid: str, price: str, minute: int) -> PricingInput:
    at = T0 + timedelta(minutes=minute)
    return PricingInput(
        product=product(pid, price, cost_price=Decimal("40.10")),
        offers=(offer("noon", "95.5", at, second_reading=Decimal("95.5")), offer("extra", "97", at)),
        last_change=PricePoint(product_id=pid, price=Decimal("101"), changed_at=at - timedelta(days=1)),
        proposal=AdvisorProposal(product_id=pid, target_price="96", rationale="why"),
        now=at,
    )


def test_run_inputs_round_trip_in_order_and_replace(uow_factory: UnitOfWorkFactory) -> None:
    _setup(uow_factory, "1001", "1002")
    with uow_factory("1001") as uow:
        scope_of(uow).runs.add(OptimizationRun(id="run-1", store_id="1001", run_type=RunType.MANUAL,
                                               status=RunStatus.RUNNING, started_at=T0))
        scope_of(uow).run_inputs.add_many("run-1", [_input("p2", "100", 1), _input("p1", "100", 1),
                                                    _input("p0", "50", 0)])
        uow.commit()
    with uow_factory("1001") as uow:
        scope_of(uow).run_inputs.add_many("run-1", [_input("p1", "120.25", 1)])  # a redelivery re-decides p1
        uow.commit()
    with uow_factory("1001") as uow:
        found = scope_of(uow).run_inputs.for_run("run-1")
        assert scope_of(uow).run_inputs.for_run("run-2") == []
    assert found == [_input("p0", "50", 0), _input("p1", "120.25", 1), _input("p2", "100", 1)]
    with uow_factory("1002") as uow:
        assert scope_of(uow).run_inputs.for_run("run-1") == []


def _part(order_id: str, pid: str, day: int, units: int, revenue: str) -> OrderSale:
    return OrderSale(order_id=order_id, product_id=pid, day=date(2026, 3, day), units=units, revenue=Decimal(revenue))


def test_record_order_replaces_the_orders_part_and_moves_its_days(uow_factory: UnitOfWorkFactory) -> None:
    _setup(uow_factory, "1001")
    t1 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with uow_factory("1001") as uow:
        sales = scope_of(uow).sales
        # The sync read day 2 with orders o1 and o2; o1 is then updated and o2 cancelled by webhooks.
        sales.replace_from(date(2026, 3, 2), [_day("p1", 2, 3, "300"), _day("p2", 2, 1, "50")],
                           [_part("o1", "p1", 2, 2, "200"), _part("o2", "p1", 2, 1, "100"),
                            _part("o2", "p2", 2, 1, "50")])
        uow.commit()
    with uow_factory("1001") as uow:
        sales = scope_of(uow).sales
        assert sales.record_order("o1", [_part("o1", "p1", 2, 1, "100.50")], as_of=t1)
        assert sales.record_order("o2", [], as_of=t1)
        assert sales.record_order("o3", [_part("o3", "p3", 2, 4, "40")])  # new, no time given
        uow.commit()
    with uow_factory("1001") as uow:
        sales = scope_of(uow).sales
        assert sales.history() == [_day("p1", 2, 1, "100.50"), _day("p3", 2, 4, "40")]
        assert sales.order_parts("o1") == [_part("o1", "p1", 2, 1, "100.50")]
        assert sales.order_parts("o2") == []
        # An older state of o1 arriving late changes nothing; the same time is applied again.
        assert not sales.record_order("o1", [_part("o1", "p1", 2, 9, "900")], as_of=t1 - timedelta(minutes=1))
        assert sales.record_order("o1", [_part("o1", "p1", 2, 1, "100.50")], as_of=t1)
        uow.commit()
    with uow_factory("1001") as uow:
        assert scope_of(uow).sales.history() == [_day("p1", 2, 1, "100.50"), _day("p3", 2, 4, "40")]
    with uow_factory("1001") as uow:
        # The sync reads day 2 again: its parts replace the webhooks' ones.
        scope_of(uow).sales.replace_from(date(2026, 3, 2), [_day("p1", 2, 1, "100.50")],
                                         [_part("o1", "p1", 2, 1, "100.50")])
        uow.commit()
    with uow_factory("1001") as uow:
        assert scope_of(uow).sales.order_parts("o3") == []
        assert scope_of(uow).sales.history() == [_day("p1", 2, 1, "100.50")]


def test_order_parts_are_per_store(uow_factory: UnitOfWorkFactory) -> None:
    _setup(uow_factory, "1001", "1002")
    with uow_factory("1001") as uow:
        scope_of(uow).sales.record_order("o1", [_part("o1", "p1", 2, 1, "10")])
        uow.commit()
    with uow_factory("1002") as uow:
        assert scope_of(uow).sales.order_parts("o1") == []
        assert scope_of(uow).sales.record_order("o1", [])  # another store's o1: nothing of 1001 moves
        uow.commit()
    with uow_factory("1001") as uow:
        assert scope_of(uow).sales.history() == [_day("p1", 2, 1, "10")]
