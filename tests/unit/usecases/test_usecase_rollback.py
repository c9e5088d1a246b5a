"""rollback_run: restore the prices a run replaced, compare-and-set, under today's guards, at most once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

import pytest
from tests.support.usecase_support import Ports, add_store, make_ports, product

from adapters.memory import MemoryPriceEchoes, RecordingQueue
from pricing_core.activity import ActivityType
from pricing_core.catalog import PricePoint
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.errors import DecisionNotFound, RunNotFound, SallaUnavailable, StoreBusy, StoreNotFound
from pricing_core.overrides import ProductOverride
from pricing_core.ports import ApplyReport, PriceUpdate
from pricing_core.rollback import RollbackOutcome, rollback_decision_id
from pricing_core.settings import AutomationMode, TenantSettings
from pricing_core.usecases.context import SWEEP_LOCK, run_id_for
from pricing_core.usecases.optimize_store import optimize_store
from pricing_core.usecases.recovery import recover_stuck_work
from pricing_core.usecases.rollback import RollbackReport, rollback_run

D = Decimal
RUN = run_id_for("1", "k1")


def swept(settings: TenantSettings | None = None) -> Ports:
    """Store 1 after a full-auto sweep that moved a 100 -> 96, b 100 -> 97, c 100 -> 104, an hour ago."""
    ports = make_ports()
    add_store(ports, "1", [product("a", "100"), product("b", "100"), product("c", "100")],
              settings=settings or TenantSettings(automation_mode=AutomationMode.FULL_AUTO))
    ports.competitors.prices = {"a": [("x", "96"), ("y", "96")], "b": [("x", "97"), ("y", "97")],
                                "c": [("x", "104"), ("y", "104")]}
    optimize_store(ports, "1", run_key="k1")
    assert prices(ports) == {"a": D("96.00"), "b": D("97.00"), "c": D("104.00")}
    ports.clock.advance(timedelta(hours=1))
    return ports


def prices(ports: Ports) -> dict[str, Decimal]:
    return {pid: ports.salla_catalog.price("1", pid) for pid in "abc"}


def writes(ports: Ports, pid: str) -> int:
    return ports.salla_catalog.applies[("1", pid)]


def outcomes(report: RollbackReport) -> dict[str, RollbackOutcome]:
    return {i.product_id: i.outcome for i in report.items}


def run_decision(ports: Ports, pid: str) -> DecisionRecord:
    with ports.uow_factory("1") as uow:
        return next(r for r in uow.store.decisions.list(run_id=RUN) if r.decision.product_id == pid)


def marker(ports: Ports, pid: str) -> DecisionRecord | None:
    with ports.uow_factory("1") as uow:
        return uow.store.decisions.get(rollback_decision_id(run_decision(ports, pid).id))


def save_settings(ports: Ports, **changes: object) -> None:
    with ports.uow_factory("1") as uow:
        uow.store.settings.save(uow.store.settings.get().with_changes(**changes))
        uow.commit()


def test_dry_run_lists_what_would_change_and_touches_nothing() -> None:
    ports = swept()
    report = rollback_run(ports, "1", RUN, dry_run=True)
    assert report.dry_run and report.would_restore == 3 and report.restored == 0 and report.left == []
    item = {i.product_id: i for i in report.items}["a"]
    assert (item.previous_price, item.run_price, item.current_price) == (D("100.00"), D("96.00"), D("96.00"))
    assert prices(ports) == {"a": D("96.00"), "b": D("97.00"), "c": D("104.00")}
    assert marker(ports, "a") is None
    with ports.uow_factory("1") as uow:
        assert uow.store.activity.list(activity_type=ActivityType.PRICE_ROLLED_BACK) == []


def test_restores_through_the_write_path_and_records_everything() -> None:
    ports = swept()
    ports.echoes = MemoryPriceEchoes(ports.clock)
    report = rollback_run(ports, "1", RUN, by="cli")
    assert report.restored == 3 and report.left == [] and report.as_json()["restored"] == 3
    assert prices(ports) == {"a": D("100.00"), "b": D("100.00"), "c": D("100.00")}
    assert ports.echoes.is_echo("1", "a", D("100"))  # our own product.price.updated is dropped at intake
    restore = marker(ports, "a")
    assert restore is not None and restore.status is DecisionStatus.APPLIED and restore.decided_by == "cli"
    d = restore.decision
    assert (d.strategy, d.old_price, d.suggested_price, restore.run_id) == ("rollback", D("96.00"), D("100.00"), None)
    assert f"Roll back of run {RUN}" in d.explanation[0] and "Requested by cli." in d.explanation
    with ports.uow_factory("1") as uow:
        history = uow.store.price_history.for_product("a")
        log = uow.store.activity.list(activity_type=ActivityType.PRICE_ROLLED_BACK)
        assert run_decision(ports, "a").status is DecisionStatus.APPLIED  # the run's own record is kept
    assert (history[0].price, history[0].source) == (D("100.00"), "rollback")
    assert log[0].metadata["restored"] == 3 and "3 price(s) restored" in log[0].description


def test_a_second_rollback_restores_nothing_and_succeeds() -> None:
    ports = swept()
    rollback_run(ports, "1", RUN)
    again = rollback_run(ports, "1", RUN)
    assert again.restored == 0 and again.left == [] and again.as_json()["already_restored"] == 3
    assert all(writes(ports, p) == 2 for p in "abc")  # the sweep's write and one restore, no more
    with ports.uow_factory("1") as uow:
        assert len(uow.store.price_history.for_product("b")) == 2


def test_a_price_the_merchant_changed_meanwhile_is_never_overwritten() -> None:
    ports = swept()
    ports.salla_catalog.set_price("1", "b", D("99.00"))
    report = rollback_run(ports, "1", RUN)
    assert outcomes(report) == {"a": RollbackOutcome.RESTORED, "b": RollbackOutcome.LEFT,
                                "c": RollbackOutcome.RESTORED}
    assert report.as_json()["left"] == [{"product_id": "b", "outcome": "left", "reason": (
        "the price in Salla is now 99.00, not the 97.00 this run set: it was changed since, so it is left as it is")}]
    assert ports.salla_catalog.price("1", "b") == D("99.00") and writes(ports, "b") == 1
    assert marker(ports, "b") is None
    # Still left on the next attempt, and never written.
    assert outcomes(rollback_run(ports, "1", RUN))["b"] is RollbackOutcome.LEFT
    assert ports.salla_catalog.price("1", "b") == D("99.00") and writes(ports, "b") == 1


def test_a_later_change_back_to_the_runs_price_is_not_undone() -> None:
    ports = swept()
    with ports.uow_factory("1") as uow:
        uow.store.price_history.add_many([PricePoint(product_id="a", price="96.00", changed_at=ports.clock.now(),
                                                     source="merchant")])
        uow.commit()
    report = rollback_run(ports, "1", RUN)
    left = {i.product_id: i.reason for i in report.left}
    assert set(left) == {"a"} and "a later change (96.00" in (left["a"] or "")
    assert ports.salla_catalog.price("1", "a") == D("96.00")


def test_a_previous_price_below_todays_margin_floor_needs_confirmation() -> None:
    ports = swept()
    ports.salla_catalog.set_cost("1", "c", D("75.00"))  # today's floor: 101.48, above c's previous 100
    report = rollback_run(ports, "1", RUN)
    assert outcomes(report)["c"] is RollbackOutcome.NEEDS_CONFIRMATION and report.restored == 2
    (waiting,) = report.needs_confirmation
    assert waiting.guard_breaks == ("100.00 is below the margin floor 101.48 (cost 75.00, minimum margin 15%, "
                                    "VAT 15% included)",)
    assert report.as_json()["left"][0]["reason"].startswith("needs your confirmation: 100.00 is below")
    assert ports.salla_catalog.price("1", "c") == D("104.00") and marker(ports, "c") is None

    confirmed = rollback_run(ports, "1", RUN, confirm_guard_breaks=True)
    assert outcomes(confirmed) == {"a": RollbackOutcome.ALREADY_RESTORED, "b": RollbackOutcome.ALREADY_RESTORED,
                                   "c": RollbackOutcome.RESTORED}
    assert ports.salla_catalog.price("1", "c") == D("100.00")
    restore = marker(ports, "c")
    assert restore is not None and restore.decision.risk.value == "high"
    assert any(line.startswith("Restored with the merchant's confirmation although 100.00 is below the margin floor")
               for line in restore.decision.explanation)


def test_overrides_rules_and_limits_of_today_are_guards_too() -> None:
    ports = swept()
    save_settings(ports, max_price=D("99"))
    with ports.uow_factory("1") as uow:
        uow.store.overrides.upsert_many([ProductOverride(product_id="a", excluded=True),
                                         ProductOverride(product_id="b", map_price=D("101"))])
        uow.commit()
    report = rollback_run(ports, "1", RUN, dry_run=True)
    breaks = {i.product_id: i.guard_breaks for i in report.needs_confirmation}
    assert breaks["a"][0] == "the product is excluded from automatic pricing"
    assert "100.00 is below the minimum advertised price 101" in breaks["b"]
    assert all("100.00 is above the maximum price 99" in found for found in breaks.values())
    assert report.would_restore == 0 and set(breaks) == {"a", "b", "c"}


def test_one_applied_decision_alone() -> None:
    ports = swept()
    report = rollback_run(ports, "1", RUN, decision_ids=[run_decision(ports, "b").id])
    assert outcomes(report) == {"b": RollbackOutcome.RESTORED}
    assert prices(ports) == {"a": D("96.00"), "b": D("100.00"), "c": D("104.00")}
    assert rollback_run(ports, "1", RUN).restored == 2


def test_unknown_store_run_or_decision() -> None:
    ports = swept()
    with pytest.raises(StoreNotFound):
        rollback_run(ports, "nope", RUN)
    with pytest.raises(RunNotFound):
        rollback_run(ports, "1", "no-such-run")
    with pytest.raises(DecisionNotFound):
        rollback_run(ports, "1", RUN, decision_ids=["no-such-decision"])


def test_a_running_sweep_makes_it_busy() -> None:
    ports = swept()
    with ports.locks.hold("1", SWEEP_LOCK, timeout=0) as held:
        assert held
        with pytest.raises(StoreBusy):
            rollback_run(ports, "1", RUN, sweep_wait=0)
    assert prices(ports)["a"] == D("96.00")


class CrashAfterWrite:
    """Salla takes the write, then the process dies before anything is recorded (``kill -9``)."""

    def __init__(self, ports: Ports) -> None:
        self.catalog = ports.salla_catalog
        self.original = ports.salla_catalog.apply_prices

    def __call__(self, access_token: str, updates: Sequence[PriceUpdate]) -> ApplyReport:
        self.original(access_token, updates)
        raise SystemExit("killed after the Salla write")


def test_a_crash_between_the_write_and_the_record_restores_each_product_at_most_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ports = swept()
    monkeypatch.setattr(ports.salla_catalog, "apply_prices", CrashAfterWrite(ports))
    with pytest.raises(SystemExit):
        rollback_run(ports, "1", RUN)
    monkeypatch.undo()
    assert prices(ports) == {"a": D("100.00"), "b": D("100.00"), "c": D("100.00")}
    assert marker(ports, "a").status is DecisionStatus.APPLYING  # the intent was committed first

    retry = rollback_run(ports, "1", RUN)
    assert retry.restored == 3  # recorded now, from what Salla shows: nothing sent again
    assert all(writes(ports, p) == 2 for p in "abc")
    assert marker(ports, "a").status is DecisionStatus.APPLIED
    with ports.uow_factory("1") as uow:
        assert [p.source for p in uow.store.price_history.for_product("a")] == ["rollback", "optimizer"]
    assert rollback_run(ports, "1", RUN).restored == 0


def test_a_crash_before_the_write_sends_once_on_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    ports = swept()

    def dies(access_token: str, updates: Sequence[PriceUpdate]) -> ApplyReport:
        raise SallaUnavailable("connection reset before the request went out")

    monkeypatch.setattr(ports.salla_catalog, "apply_prices", dies)
    with pytest.raises(SallaUnavailable):
        rollback_run(ports, "1", RUN)
    monkeypatch.undo()
    assert prices(ports)["a"] == D("96.00") and marker(ports, "a").status is DecisionStatus.APPLYING
    assert rollback_run(ports, "1", RUN).restored == 3
    assert all(writes(ports, p) == 2 for p in "abc")


def test_the_recovery_loop_settles_a_crashed_rollback(monkeypatch: pytest.MonkeyPatch) -> None:
    ports = swept()
    monkeypatch.setattr(ports.salla_catalog, "apply_prices", CrashAfterWrite(ports))
    with pytest.raises(SystemExit):
        rollback_run(ports, "1", RUN)
    monkeypatch.undo()
    ports.clock.advance(timedelta(minutes=11))
    recover_stuck_work(ports, RecordingQueue())
    assert marker(ports, "a").status is DecisionStatus.APPLIED
    again = rollback_run(ports, "1", RUN)
    assert again.restored == 0 and again.as_json()["already_restored"] == 3
    assert all(writes(ports, p) == 2 for p in "abc")


def test_a_write_that_lands_after_the_recovery_gave_it_back_is_recorded_not_resent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ports = swept()

    def lost(access_token: str, updates: Sequence[PriceUpdate]) -> ApplyReport:
        raise SallaUnavailable("timed out: Salla may have queued it")

    monkeypatch.setattr(ports.salla_catalog, "apply_prices", lost)
    with pytest.raises(SallaUnavailable):
        rollback_run(ports, "1", RUN)
    monkeypatch.undo()
    ports.clock.advance(timedelta(minutes=11))
    recover_stuck_work(ports, RecordingQueue())  # Salla still shows the run's prices: back to pending
    assert marker(ports, "a").status is DecisionStatus.PENDING
    ports.salla_catalog.set_price("1", "a", D("100.00"))  # Salla's queue applies the lost write after all
    report = rollback_run(ports, "1", RUN)
    assert outcomes(report) == {p: RollbackOutcome.RESTORED for p in "abc"}
    assert writes(ports, "a") == 1 and writes(ports, "b") == 2  # a: recorded from Salla, not sent again
    assert marker(ports, "a").status is DecisionStatus.APPLIED


def test_refused_and_passing_failures() -> None:
    ports = swept()
    ports.salla_catalog.refuse["a"] = "validation failed: price"
    ports.salla_catalog.unavailable["b"] = "503 Service Unavailable"
    report = rollback_run(ports, "1", RUN)
    left = {i.product_id: i.reason for i in report.left}
    assert left["a"] == "not restored: Salla refused it: validation failed: price"
    assert left["b"] is not None and left["b"].endswith("roll back again to retry")
    assert marker(ports, "a").status is DecisionStatus.FAILED
    assert marker(ports, "b").status is DecisionStatus.PENDING
    del ports.salla_catalog.unavailable["b"]
    retry = rollback_run(ports, "1", RUN)
    assert outcomes(retry)["b"] is RollbackOutcome.RESTORED and ports.salla_catalog.price("1", "b") == D("100.00")
    assert outcomes(retry)["a"] is RollbackOutcome.LEFT and ports.salla_catalog.price("1", "a") == D("96.00")
    # Once Salla takes it, a later rollback tries again: a new attempt, since the first wrote nothing.
    del ports.salla_catalog.refuse["a"]
    third = rollback_run(ports, "1", RUN)
    assert outcomes(third)["a"] is RollbackOutcome.RESTORED and ports.salla_catalog.price("1", "a") == D("100.00")
    assert writes(ports, "a") == 2
    with ports.uow_factory("1") as uow:
        second = uow.store.decisions.get(rollback_decision_id(run_decision(ports, "a").id, 3))
    assert second is not None and second.status is DecisionStatus.APPLIED
    assert marker(ports, "a").status is DecisionStatus.FAILED  # the first attempt keeps its record
    assert rollback_run(ports, "1", RUN).restored == 0


def test_a_returned_restore_the_merchant_rejected_can_be_rolled_back_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from pricing_core.usecases.decisions import reject_decision

    ports = swept()

    def dies(access_token: str, updates: Sequence[PriceUpdate]) -> ApplyReport:
        raise SallaUnavailable("connection reset before the request went out")

    monkeypatch.setattr(ports.salla_catalog, "apply_prices", dies)
    with pytest.raises(SallaUnavailable):
        rollback_run(ports, "1", RUN)
    monkeypatch.undo()
    ports.clock.advance(timedelta(minutes=11))
    recover_stuck_work(ports, RecordingQueue())
    first = marker(ports, "a")
    assert first is not None and first.status is DecisionStatus.PENDING  # shown among the approvals
    reject_decision(ports.uow_factory, ports.clock, store_id="1", decision_id=first.id)
    report = rollback_run(ports, "1", RUN)
    assert report.restored == 3 and all(writes(ports, p) == 2 for p in "abc")


def test_a_change_still_being_applied_is_left() -> None:
    ports = swept()
    record = run_decision(ports, "a")
    with ports.uow_factory("1") as uow:
        uow.store.decisions.add_many([DecisionRecord(
            id="in-flight", store_id="1", run_id=RUN, idempotency_key="in-flight", decision=record.decision,
            status=DecisionStatus.APPROVED, created_at=ports.clock.now(), updated_at=ports.clock.now())])
        uow.store.decisions.set_status(["in-flight"], DecisionStatus.APPLYING, at=ports.clock.now())
        uow.commit()
    report = rollback_run(ports, "1", RUN, dry_run=True)
    in_flight = next(i for i in report.items if i.decision_id == "in-flight")
    assert in_flight.outcome is RollbackOutcome.LEFT and "still being applied" in (in_flight.reason or "")


def test_the_cli_dry_run_json_table_and_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from adapters.config import Config
    from bootstrap import build_services
    from entrypoints.cli import main, rollback_commands

    ports = swept()
    ports.salla_catalog.set_price("1", "b", D("99.00"))
    monkeypatch.setenv("COLUMNS", "250")  # rich wraps tables to the terminal width
    monkeypatch.setattr(rollback_commands, "_services", lambda: build_services(
        Config(), uow_factory=ports.uow_factory, locks=ports.locks, clock=ports.clock, salla_auth=ports.salla_auth,
        salla_catalog=ports.salla_catalog, competitors=ports.competitors, advisor=None))
    assert main(["rollback", "1", RUN, "--dry-run", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["dry_run"] and body["would_restore"] == 2 and [i["product_id"] for i in body["left"]] == ["b"]
    assert prices(ports) == {"a": D("96.00"), "b": D("99.00"), "c": D("104.00")}

    assert main(["rollback", "1", RUN]) == 0
    out = capsys.readouterr().out
    assert "restored 2, left 1" in out and "changed since" in out and "Product a" in out
    assert prices(ports) == {"a": D("100.00"), "b": D("99.00"), "c": D("100.00")}
    assert main(["rollback", "1", RUN, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["restored"] == 0 and again["already_restored"] == 2

    assert main(["rollback", "1", "no-such-run"]) == 1
    assert "has no run no-such-run" in capsys.readouterr().err
    assert main(["rollback", "1", RUN, "--decision", "nope"]) == 1
    assert "has no decision nope" in capsys.readouterr().err
