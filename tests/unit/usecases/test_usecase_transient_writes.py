"""Transient Salla failures on a price write (503, 429) are retried, not final (issue 17)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from tests.support.usecase_support import add_store, make_ports, product, run_of

from pricing_core.activity import ActivityType
from pricing_core.decision import DecisionStatus
from pricing_core.runs import RunStatus
from pricing_core.usecases.apply_prices import RETRYING, apply_decisions
from pricing_core.usecases.optimize_store import optimize_store

CATALOG = [product("e", "100"), product("g", "100"), product("c", "100")]
OFFERS = {"e": [("x", "104"), ("y", "103")], "g": [("x", "103"), ("y", "103.5")], "c": [("x", "100")]}
BUSY = "not sent: POST /products/prices/bulkPrice: HTTP 503"


def decisions(ports, store_id="1", **filters):  # type: ignore[no-untyped-def]
    with ports.uow_factory(store_id) as uow:
        return {r.decision.product_id: r for r in uow.store.decisions.list(limit=1000, **filters)}


@pytest.fixture
def ports():  # type: ignore[no-untyped-def]
    p = make_ports()
    add_store(p, "1", CATALOG)
    p.competitors.prices = OFFERS
    return p


def test_a_503_leaves_the_write_approved_and_the_run_partially_applied(ports) -> None:  # type: ignore[no-untyped-def]
    ports.salla_catalog.unavailable["e"] = BUSY
    result = optimize_store(ports, "1", run_key="k1")

    run = result.run
    assert result.ok and run is not None
    assert run.status is RunStatus.PARTIALLY_APPLIED and run.writes_pending == 1 and run.products_updated == 1
    got = decisions(ports, run_id=run.id)
    assert got["e"].status is DecisionStatus.APPROVED and got["e"].error == f"{RETRYING} {BUSY}"
    assert got["g"].status is DecisionStatus.APPLIED
    assert result.retrying == (got["e"].id,)
    assert ports.salla_catalog.price("1", "e") == Decimal("100")
    with ports.uow_factory("1") as uow:
        log = uow.store.activity.list(activity_type=ActivityType.PRICE_APPLY_FAILED)
    assert log and log[0].metadata["retrying"] is True
    assert log[0].metadata["failures"][0]["decision_id"] == got["e"].id


def test_the_retry_lands_once_and_completes_the_run(ports) -> None:  # type: ignore[no-untyped-def]
    ports.salla_catalog.unavailable["e"] = BUSY
    result = optimize_store(ports, "1", run_key="k1")
    e = decisions(ports, run_id=result.run.id)["e"]

    again = apply_decisions(ports, "1", [e.id])   # Salla still answers 503: waits again, counted once
    assert again.retrying == {e.id: f"{RETRYING} {BUSY}"} and not again.failed
    assert run_of(ports, "1", "k1").writes_pending == 1

    del ports.salla_catalog.unavailable["e"]
    ports.clock.advance(timedelta(minutes=5))
    done = apply_decisions(ports, "1", [e.id])
    assert done.applied == (e.id,) and not done.retrying
    run = run_of(ports, "1", "k1")
    assert run.status is RunStatus.COMPLETED and run.writes_pending == 0 and run.products_updated == 2
    assert ports.salla_catalog.applies[("1", "e")] == 1
    assert ports.salla_catalog.price("1", "e") == Decimal("103.00")
    with ports.uow_factory("1") as uow:
        history = uow.store.price_history.for_product("e")
    assert len(history) == 1


def test_past_its_retry_window_a_write_fails_for_good(ports) -> None:  # type: ignore[no-untyped-def]
    ports.salla_catalog.unavailable["e"] = BUSY
    result = optimize_store(ports, "1", run_key="k1")
    e = decisions(ports, run_id=result.run.id)["e"]

    ports.clock.advance(timedelta(hours=2))
    late = apply_decisions(ports, "1", [e.id], retry_window=timedelta(hours=1))
    assert not late.retrying and e.id in late.failed and "older than" in late.failed[e.id]
    assert decisions(ports, run_id=result.run.id)["e"].status is DecisionStatus.FAILED
    run = run_of(ports, "1", "k1")
    # settled (not pending any more); the failure is on the decision and in the activity log
    assert run.status is RunStatus.COMPLETED and run.writes_pending == 0 and run.products_updated == 1


def test_the_retry_is_rechecked_like_any_write(ports) -> None:  # type: ignore[no-untyped-def]
    ports.salla_catalog.unavailable["e"] = BUSY
    result = optimize_store(ports, "1", run_key="k1")
    e = decisions(ports, run_id=result.run.id)["e"]
    del ports.salla_catalog.unavailable["e"]
    ports.salla_catalog.set_price("1", "e", Decimal("95"))   # the merchant changed it meanwhile

    outcome = apply_decisions(ports, "1", [e.id])
    assert e.id in outcome.failed and "changed" in outcome.failed[e.id]
    assert ports.salla_catalog.price("1", "e") == Decimal("95")
    assert run_of(ports, "1", "k1").writes_pending == 0


def test_a_redelivered_partially_applied_run_is_not_swept_again(ports) -> None:  # type: ignore[no-untyped-def]
    ports.salla_catalog.unavailable["e"] = BUSY
    first = optimize_store(ports, "1", run_key="k1")
    again = optimize_store(ports, "1", run_key="k1")
    assert again.resumed and again.run.status is RunStatus.PARTIALLY_APPLIED
    assert again.run.products_analyzed == first.run.products_analyzed
