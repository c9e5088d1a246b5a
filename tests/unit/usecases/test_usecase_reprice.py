"""reprice_products: event-driven repricing of a few products."""

from __future__ import annotations

from decimal import Decimal

from tests.support.usecase_support import add_store, make_ports, product

from pricing_core.decision import DecisionStatus
from pricing_core.runs import RunStatus, RunType
from pricing_core.settings import AutomationMode
from pricing_core.usecases.reprice import reprice_products


def make():  # type: ignore[no-untyped-def]
    ports = make_ports()
    add_store(ports, "1", [product(str(i), "100") for i in range(10)], mode=AutomationMode.FULL_AUTO)
    ports.competitors.prices = {str(i): [("x", "103"), ("y", "103")] for i in range(10)}
    return ports


def test_only_given_products_are_fetched_and_priced() -> None:
    ports = make()
    result = reprice_products(ports, "1", ["3", "7", "missing"], run_key="evt-1")
    assert result.ok and result.run.run_type is RunType.EVENT
    assert ports.competitors.calls == [["3", "7"]]
    assert ports.salla_catalog.applies == {("1", "3"): 1, ("1", "7"): 1}
    assert ports.salla_catalog.price("1", "3") == Decimal("103.00")
    assert result.run.products_analyzed == 2 and result.run.products_skipped == 1   # the unknown id
    assert ports.salla_catalog.requests["1"] == 2    # one get_products, one bulk apply


def test_redelivered_event_is_idempotent() -> None:
    ports = make()
    first = reprice_products(ports, "1", ["3"], run_key="evt-1")
    again = reprice_products(ports, "1", ["3"], run_key="evt-1")
    assert again.run == first.run and ports.salla_catalog.applies[("1", "3")] == 1


def test_newer_event_supersedes_pending_of_the_product() -> None:
    ports = make()
    with ports.uow_factory("1") as uow:
        uow.store.settings.save(uow.store.settings.get().model_copy(update={"automation_mode": AutomationMode.MANUAL}))
        uow.commit()
    first = reprice_products(ports, "1", ["3"], run_key="evt-1")
    second = reprice_products(ports, "1", ["3"], run_key="evt-2")
    with ports.uow_factory("1") as uow:
        old = uow.store.decisions.list(run_id=first.run.id)[0]
        new = uow.store.decisions.list(run_id=second.run.id)[0]
    assert old.status is DecisionStatus.SUPERSEDED and new.status is DecisionStatus.PENDING


def test_busy_store_is_retryable() -> None:
    ports = make()
    with ports.locks.hold("1", "sweep"):
        result = reprice_products(ports, "1", ["3"], run_key="evt-1", lock_timeout=0.01)
    assert result.run is None and result.retryable
    done = reprice_products(ports, "1", ["3"], run_key="evt-1")
    assert done.run is not None and done.run.status is RunStatus.COMPLETED


def test_many_products_are_read_in_one_call_and_decided_page_by_page() -> None:
    """A settings change may reprice hundreds of products: one read (the adapter reads pages), pages of 60."""
    ports = make_ports()
    ids = [f"{i:03d}" for i in range(130)]
    add_store(ports, "1", [product(i, "100") for i in ids], mode=AutomationMode.MANUAL)
    ports.competitors.prices = {i: [("x", "103"), ("y", "103")] for i in ids}
    result = reprice_products(ports, "1", ids, run_key="settings-1")
    assert result.ok and result.run.products_analyzed == 130 and result.run.products_queued == 130
    assert ports.salla_catalog.requests["1"] == 1    # one get_products for all 130, nothing written
    seen = [len(call) for call in ports.competitors.calls]
    assert seen == [60, 60, 10]
