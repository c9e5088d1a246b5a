"""apply_decisions: the merchant-approval path of applying prices."""

from __future__ import annotations

from decimal import Decimal

from tests.support.usecase_support import add_store, make_ports, product

from adapters.memory import RecordingQueue
from pricing_core.activity import ActivityType
from pricing_core.decision import DecisionStatus
from pricing_core.settings import AutomationMode
from pricing_core.usecases.apply_prices import apply_decisions
from pricing_core.usecases.optimize_store import optimize_store
from pricing_core.usecases.store_settings import update_settings


def setup_pending():  # type: ignore[no-untyped-def]
    ports = make_ports()
    add_store(ports, "1", [product("a", "100"), product("b", "100"), product("c", "100")],
              mode=AutomationMode.MANUAL)
    ports.competitors.prices = {"a": [("x", "104"), ("y", "104")], "b": [("x", "106")], "c": [("x", "107")]}
    optimize_store(ports, "1", run_key="k1")
    with ports.uow_factory("1") as uow:
        pending = {r.decision.product_id: r for r in uow.store.decisions.list(status=DecisionStatus.PENDING)}
    assert set(pending) == {"a", "b", "c"}
    return ports, pending


def approve(ports, ids):  # type: ignore[no-untyped-def]
    with ports.uow_factory("1") as uow:
        uow.store.decisions.set_status(ids, DecisionStatus.APPROVED, at=ports.clock.now(), by="merchant")
        uow.commit()


def test_applies_approved_only_and_records_history() -> None:
    ports, pending = setup_pending()
    approve(ports, [pending["a"].id, pending["b"].id])
    result = apply_decisions(ports, "1", [pending["a"].id, pending["b"].id, pending["c"].id, "nope"])
    assert set(result.applied) == {pending["a"].id, pending["b"].id}
    assert set(result.ignored) == {pending["c"].id, "nope"}
    assert ports.salla_catalog.price("1", "a") == pending["a"].decision.suggested_price == Decimal("104.00")
    with ports.uow_factory("1") as uow:
        scope = uow.store
        assert scope.decisions.get(pending["a"].id).status is DecisionStatus.APPLIED
        assert scope.decisions.get(pending["c"].id).status is DecisionStatus.PENDING
        history = scope.price_history.for_product("a")
        log = scope.activity.list(activity_type=ActivityType.PRICE_APPLIED)
    assert history[0].price == Decimal("104.00") and history[0].source == "merchant"
    assert log[0].metadata["count"] == 2


def test_redelivery_applies_nothing_twice() -> None:
    ports, pending = setup_pending()
    approve(ports, [pending["a"].id])
    apply_decisions(ports, "1", [pending["a"].id])
    again = apply_decisions(ports, "1", [pending["a"].id])
    assert again.applied == () and again.ignored == (pending["a"].id,)
    assert ports.salla_catalog.applies[("1", "a")] == 1


def test_refusal_marks_failed_with_reason() -> None:
    ports, pending = setup_pending()
    ports.salla_catalog.refuse["b"] = "validation failed: price"
    approve(ports, [pending["b"].id])
    result = apply_decisions(ports, "1", [pending["b"].id])
    assert result.failed == {pending["b"].id: "validation failed: price"}
    with ports.uow_factory("1") as uow:
        record = uow.store.decisions.get(pending["b"].id)
        log = uow.store.activity.list(activity_type=ActivityType.PRICE_APPLY_FAILED)
    assert record.status is DecisionStatus.FAILED and record.error == "validation failed: price"
    assert log and log[0].metadata["failures"][0]["reason"] == "validation failed: price"


def test_applying_left_by_a_crash_is_reconciled_or_resent() -> None:
    ports, pending = setup_pending()
    a, b = pending["a"], pending["b"]
    with ports.uow_factory("1") as uow:
        uow.store.decisions.set_status([a.id, b.id], DecisionStatus.APPROVED, at=ports.clock.now())
        uow.store.decisions.set_status([a.id, b.id], DecisionStatus.APPLYING, at=ports.clock.now())
        uow.commit()
    # "a" reached Salla before the crash, "b" did not
    ports.salla_catalog.set_price("1", "a", a.decision.suggested_price)
    sent: list[str] = []
    ports.salla_catalog.on_apply = lambda merchant, updates: sent.extend(u.product_id for u in updates)
    result = apply_decisions(ports, "1", [a.id, b.id])
    assert result.reconciled == (a.id,) and result.applied == (b.id,)
    assert sent == ["b"]
    assert ports.salla_catalog.price("1", "b") == b.decision.suggested_price


def test_a_stale_approval_is_not_applied() -> None:
    """The product's price or cost changed in Salla after the decision: its price is not written."""
    ports, pending = setup_pending()
    approve(ports, [pending["a"].id, pending["b"].id, pending["c"].id])
    ports.salla_catalog.set_price("1", "a", Decimal("90"))      # the merchant repriced it
    ports.salla_catalog.set_cost("1", "b", Decimal("99"))       # the cost went up
    result = apply_decisions(ports, "1", [pending["a"].id, pending["b"].id, pending["c"].id])
    assert result.applied == (pending["c"].id,)
    assert "the price in Salla changed from 100.00 to 90.00" in result.failed[pending["a"].id]
    assert "106.00 is below the margin floor 133.95 (cost 99" in result.failed[pending["b"].id]
    assert ports.salla_catalog.price("1", "a") == Decimal("90")
    assert ports.salla_catalog.price("1", "b") == Decimal("100")
    with ports.uow_factory("1") as uow:
        assert uow.store.decisions.get(pending["a"].id).status is DecisionStatus.FAILED
        log = uow.store.activity.list(activity_type=ActivityType.PRICE_APPLY_FAILED)
    assert "not applied" in log[0].description


def test_only_salla_counts_not_the_stored_snapshot() -> None:
    """A snapshot that says otherwise does not stop a decision that still fits Salla's product."""
    ports, pending = setup_pending()
    approve(ports, [pending["a"].id])
    with ports.uow_factory("1") as uow:
        uow.store.products.upsert_many([product("a", "90", cost="99")], seen_at=ports.clock.now())
        uow.commit()
    assert apply_decisions(ports, "1", [pending["a"].id]).applied == (pending["a"].id,)


def test_the_margin_raised_after_the_decision_stops_the_write() -> None:
    """Issue 10: made under a 15% margin, approved after the merchant raised it to 60%."""
    ports, pending = setup_pending()
    approve(ports, [pending["a"].id])
    update_settings(ports.uow_factory, RecordingQueue(), ports.clock, store_id="1",
                    changes={"min_profit_margin": "60"})
    result = apply_decisions(ports, "1", [pending["a"].id])
    # cost 50, VAT 15% included: the floor at 60% is 143.75
    assert result.failed == {pending["a"].id: "not applied: 104.00 is below the margin floor 143.75 "
                                              "(cost 50, minimum margin 60%, VAT 15% included)"}
    assert ports.salla_catalog.applies[("1", "a")] == 0 and ports.salla_catalog.price("1", "a") == Decimal("100")
    with ports.uow_factory("1") as uow:
        record = uow.store.decisions.get(pending["a"].id)
    assert record.status is DecisionStatus.FAILED and "margin floor 143.75" in record.error


def test_a_decision_left_applying_is_rechecked_before_it_is_sent_again() -> None:
    ports, pending = setup_pending()
    a = pending["a"]
    with ports.uow_factory("1") as uow:
        uow.store.decisions.set_status([a.id], DecisionStatus.APPROVED, at=ports.clock.now())
        uow.store.decisions.set_status([a.id], DecisionStatus.APPLYING, at=ports.clock.now())
        uow.store.settings.save(uow.store.settings.get().with_changes(max_change_pct="3"))
        uow.commit()
    result = apply_decisions(ports, "1", [a.id])
    assert result.failed[a.id].startswith("not re-sent: the change from 100.00 to 104.00 (4.00%) exceeds the "
                                          "maximum change of 3% per run")
    assert ports.salla_catalog.applies[("1", "a")] == 0


def test_an_approval_reads_salla_once_for_all_its_decisions() -> None:
    ports, pending = setup_pending()
    ids = [r.id for r in pending.values()]
    approve(ports, ids)
    before = ports.salla_catalog.requests["1"]
    result = apply_decisions(ports, "1", ids)
    assert len(result.applied) == 3
    assert ports.salla_catalog.requests["1"] - before == 2  # one get_products, one bulk
