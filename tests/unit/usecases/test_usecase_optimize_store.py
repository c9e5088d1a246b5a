"""optimize_store: one sweep of one store, idempotent under redelivery."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from tests.support.usecase_support import FixedAdvisor, StaticCompetitors, add_store, make_ports, product, run_of

from adapters.memory.salla import FakeSallaCatalog
from pricing_core.activity import ActivityType
from pricing_core.decision import Action, DecisionStatus
from pricing_core.errors import SallaUnavailable, TokenRevoked
from pricing_core.ports import PriceUpdate
from pricing_core.runs import RunStatus, RunType
from pricing_core.settings import AutomationMode
from pricing_core.usecases.optimize_store import optimize_store

CATALOG = [product("a", "100"), product("b", "100"), product("c", "100"), product("d", "100", cost=None),
           product("e", "100"), product("f", "100", status="hidden"), product("g", "100")]
OFFERS = {"a": [("x", "97")], "b": [("x", "80")], "c": [("x", "100")], "d": [("x", "90")],
          "e": [("x", "104"), ("y", "103")], "g": [("x", "103"), ("y", "103.5")]}


def decisions(ports, store_id="1", **filters):  # type: ignore[no-untyped-def]
    with ports.uow_factory(store_id) as uow:
        return {r.decision.product_id: r for r in uow.store.decisions.list(limit=1000, **filters)}


def activity(ports, store_id="1"):  # type: ignore[no-untyped-def]
    with ports.uow_factory(store_id) as uow:
        return uow.store.activity.list(limit=1000)


@pytest.fixture
def ports():  # type: ignore[no-untyped-def]
    p = make_ports()
    add_store(p, "1", CATALOG)
    p.competitors.prices = OFFERS
    return p


def test_sweep_records_every_decision_applies_auto_ones_and_logs_counts(ports) -> None:  # type: ignore[no-untyped-def]
    result = optimize_store(ports, "1", run_type=RunType.SCHEDULED, run_key="k1")

    run = result.run
    assert result.ok and run is not None and run.run_type is RunType.SCHEDULED
    by_product = decisions(ports, run_id=run.id)
    assert set(by_product) == {p.id for p in CATALOG}
    applied = {pid for pid, r in by_product.items() if r.status is DecisionStatus.APPLIED}
    pending = {pid for pid, r in by_product.items() if r.status is DecisionStatus.PENDING}
    recorded = {pid for pid, r in by_product.items() if r.status is DecisionStatus.RECORDED}
    assert applied == {"e", "g"}          # corroborated (two competitors agree), low risk, full-auto
    assert pending == {"a", "b", "d"}     # single uncorroborated offer / unknown cost
    assert recorded == {"c", "f"}         # no change, hidden product skipped
    assert by_product["f"].decision.action is Action.SKIPPED
    assert all(r.decision.explanation for r in by_product.values())
    # Salla has the applied prices, each applied once
    assert ports.salla_catalog.price("1", "e") == Decimal("103.00")
    assert ports.salla_catalog.applies == {("1", "e"): 1, ("1", "g"): 1}
    # the run's counters agree with the decisions
    assert (run.products_analyzed, run.products_updated, run.products_queued, run.products_skipped) == (7, 2, 3, 1)
    assert run.status is RunStatus.COMPLETED and run.duration_seconds is not None
    completed = [e for e in activity(ports) if e.activity_type is ActivityType.OPTIMIZATION_COMPLETED]
    assert len(completed) == 1
    assert completed[0].metadata["products_updated"] == 2 and completed[0].metadata["products_queued"] == 3
    with ports.uow_factory("1") as uow:
        assert uow.store.products.count() == len(CATALOG)
        assert {p.product_id for p in uow.store.price_history.for_product("e")} == {"e"}


def test_catalog_is_streamed_page_by_page(ports) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[int, int | None]] = []
    optimize_store(ports, "1", run_key="k1", progress=lambda done, total: seen.append((done, total)))
    # page size 3 over 7 products: 3 pages, competitors asked per page
    assert seen == [(3, 7), (6, 7), (7, 7)]
    assert [len(call) for call in ports.competitors.calls] == [3, 3, 1]


def test_second_sweep_fills_previous_price_and_supersedes_older_pending(ports) -> None:  # type: ignore[no-untyped-def]
    first = optimize_store(ports, "1", run_key="k1").run
    second = optimize_store(ports, "1", run_key="k2").run
    assert first is not None and second is not None

    old = decisions(ports, run_id=first.id)
    new = decisions(ports, run_id=second.id)
    # "a": same competitor price seen twice corroborates the decrease, so it is applied now
    assert new["a"].status is DecisionStatus.APPLIED
    # the older pending decisions of changed products are superseded, by applied and by newer pending ones
    assert old["a"].status is DecisionStatus.SUPERSEDED
    assert old["b"].status is DecisionStatus.SUPERSEDED and new["b"].status is DecisionStatus.PENDING
    assert old["d"].status is DecisionStatus.SUPERSEDED and new["d"].status is DecisionStatus.PENDING
    with ports.uow_factory("1") as uow:
        latest = uow.store.offers.latest(["a"])["a"]
    assert latest[0].previous_price == Decimal("97")


def test_redelivered_completed_run_does_nothing(ports) -> None:  # type: ignore[no-untyped-def]
    first = optimize_store(ports, "1", run_key="k1")
    requests = sum(ports.salla_catalog.requests.values())
    again = optimize_store(ports, "1", run_key="k1")
    assert again.resumed and again.run == first.run
    assert sum(ports.salla_catalog.requests.values()) == requests
    assert ports.salla_catalog.applies == {("1", "e"): 1, ("1", "g"): 1}


def test_crash_after_send_is_reconciled_without_resending(ports) -> None:  # type: ignore[no-untyped-def]
    # Salla applies the prices, then the worker dies (KeyboardInterrupt: not an Exception) before recording it.
    with ports.uow_factory("1") as uow:
        token = uow.store.tokens.get().access_token

    def die_after_apply(merchant_id: str, updates: list[PriceUpdate]) -> None:
        ports.salla_catalog.on_apply = None
        FakeSallaCatalog.apply_prices(ports.salla_catalog, token, updates)
        raise KeyboardInterrupt("worker killed")

    ports.salla_catalog.on_apply = die_after_apply
    with pytest.raises(KeyboardInterrupt):
        optimize_store(ports, "1", run_key="k1")
    applying = decisions(ports, status=DecisionStatus.APPLYING)
    assert set(applying) == {"e", "g"}                  # the end-of-sweep bulk
    assert run_of(ports, "1", "k1").status is RunStatus.RUNNING
    sent: list[str] = []
    ports.salla_catalog.on_apply = lambda merchant, updates: sent.extend(u.product_id for u in updates)

    result = optimize_store(ports, "1", run_key="k1")  # the redelivered message
    assert result.ok and result.resumed
    assert sent == []                                   # both were found applied in Salla, not re-sent
    assert ports.salla_catalog.applies == {("1", "e"): 1, ("1", "g"): 1}
    final = decisions(ports, run_id=result.run.id)
    assert final["e"].status is DecisionStatus.APPLIED and final["g"].status is DecisionStatus.APPLIED
    assert result.run.products_updated == 2 and result.run.products_analyzed == 7


def test_crash_before_send_resends_on_redelivery(ports) -> None:  # type: ignore[no-untyped-def]
    def die_before_apply(merchant_id: str, updates: object) -> None:
        ports.salla_catalog.on_apply = None
        raise KeyboardInterrupt("worker killed before the request left")

    ports.salla_catalog.on_apply = die_before_apply
    with pytest.raises(KeyboardInterrupt):
        optimize_store(ports, "1", run_key="k1")
    result = optimize_store(ports, "1", run_key="k1")
    assert result.ok
    assert ports.salla_catalog.applies == {("1", "e"): 1, ("1", "g"): 1}
    assert decisions(ports, run_id=result.run.id)["e"].status is DecisionStatus.APPLIED


def test_failure_marks_run_failed_and_redelivery_finishes_it(ports) -> None:  # type: ignore[no-untyped-def]
    # The second page read fails: the first page's decisions stay, the run is failed and retryable.
    calls = {"n": 0}
    original = ports.salla_catalog.iter_product_pages

    def flaky(token: str):  # type: ignore[no-untyped-def]
        for page in original(token):
            calls["n"] += 1
            if calls["n"] == 2:
                raise SallaUnavailable("timeout reading page 2")
            yield page

    ports.salla_catalog.iter_product_pages = flaky  # type: ignore[method-assign]
    failed = optimize_store(ports, "1", run_key="k1")
    assert not failed.ok and failed.retryable
    assert failed.run is not None and failed.run.status is RunStatus.FAILED
    assert "timeout reading page 2" in (failed.run.error or "")
    assert failed.run.products_analyzed == 3
    kinds = [e.activity_type for e in activity(ports)]
    assert ActivityType.OPTIMIZATION_FAILED in kinds

    ports.salla_catalog.iter_product_pages = original  # type: ignore[method-assign]
    done = optimize_store(ports, "1", run_key="k1")
    assert done.ok and done.run.id == failed.run.id
    assert done.run.products_analyzed == 7      # the first page was not priced twice
    assert len(decisions(ports, run_id=done.run.id)) == 7
    assert ports.salla_catalog.applies == {("1", "e"): 1, ("1", "g"): 1}


def test_revoked_token_fails_run_permanently(ports) -> None:  # type: ignore[no-untyped-def]
    ports.salla_catalog.fail_next(TokenRevoked("The access token is invalid", status=401))
    result = optimize_store(ports, "1", run_key="k1")
    assert result.run is not None and result.run.status is RunStatus.FAILED
    assert not result.retryable


def test_busy_store_is_skipped_politely(ports) -> None:  # type: ignore[no-untyped-def]
    with ports.locks.hold("1", "sweep"):
        result = optimize_store(ports, "1", run_key="k1")
    assert result.run is None and result.skipped_reason and not result.retryable
    assert run_of(ports, "1", "k1") is None


def test_inactive_store_is_skipped_without_a_run() -> None:
    ports = make_ports()
    add_store(ports, "1", CATALOG, active=False)
    result = optimize_store(ports, "1", run_key="k1")
    assert result.run is None and result.skipped_reason == "store is inactive"


def test_expiring_token_is_refreshed_before_the_sweep() -> None:
    from datetime import timedelta

    ports = make_ports()
    add_store(ports, "1", CATALOG, expires_in=timedelta(hours=2))
    ports.competitors.prices = OFFERS
    result = optimize_store(ports, "1", run_key="k1")
    assert result.ok
    assert ports.salla_auth.refresh_calls == 1
    kinds = [e.activity_type for e in activity(ports)]
    assert ActivityType.SYSTEM_TOKEN_REFRESH in kinds


def test_advisor_gets_store_context_and_its_failure_does_not_stop_the_sweep() -> None:
    advisor = FixedAdvisor({"c": "104"})
    ports = make_ports(advisor=advisor)
    add_store(ports, "1", CATALOG, mode=AutomationMode.MANUAL)
    ports.competitors.prices = OFFERS
    result = optimize_store(ports, "1", run_key="k1")
    assert result.ok
    assert advisor.contexts[0].store_id == "1" and advisor.contexts[0].store_name == "Store 1"
    assert advisor.contexts[0].settings.automation_mode is AutomationMode.MANUAL
    # manual mode: the advisor's raise waits for approval, nothing is applied
    assert decisions(ports)["c"].status is DecisionStatus.PENDING
    assert decisions(ports)["c"].decision.suggested_price == Decimal("104.00")
    assert not ports.salla_catalog.applies

    advisor.fail = True
    again = optimize_store(ports, "1", run_key="k2")
    assert again.ok and again.run.products_analyzed == 7


def test_refused_prices_are_marked_failed_with_reason(ports) -> None:  # type: ignore[no-untyped-def]
    ports.salla_catalog.refuse["e"] = "price below allowed minimum"
    result = optimize_store(ports, "1", run_key="k1")
    got = decisions(ports, run_id=result.run.id)
    assert got["e"].status is DecisionStatus.FAILED and got["e"].error == "price below allowed minimum"
    assert got["g"].status is DecisionStatus.APPLIED
    assert result.run.products_updated == 1
    assert ActivityType.PRICE_APPLY_FAILED in [e.activity_type for e in activity(ports)]


def test_auto_apply_decisions_are_sent_in_bulk(ports) -> None:  # type: ignore[no-untyped-def]
    sent: list[list[PriceUpdate]] = []
    ports.salla_catalog.on_apply = lambda merchant, updates: sent.append(list(updates))
    optimize_store(ports, "1", run_key="k1")
    # e is on page 2, g on page 3: one bulk request at the end, nothing per product
    assert [[u.product_id for u in batch] for batch in sent] == [["e", "g"]]
    assert [u.price for batch in sent for u in batch] == [Decimal("103.00"), Decimal("103.00")]
    # with a batch of one, each is sent as soon as its page is priced
    sent.clear()
    optimize_store(ports, "1", run_key="k2", apply_batch=1)
    assert all(len(batch) == 1 for batch in sent)


def test_crash_between_pages_leaves_approved_ones_for_the_redelivery(ports) -> None:  # type: ignore[no-untyped-def]
    calls = {"n": 0}
    original = ports.salla_catalog.iter_product_pages

    def dies_on_page_3(token: str):  # type: ignore[no-untyped-def]
        for page in original(token):
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt("worker killed")
            yield page

    ports.salla_catalog.iter_product_pages = dies_on_page_3  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        optimize_store(ports, "1", run_key="k1")
    assert set(decisions(ports, status=DecisionStatus.APPROVED)) == {"e"}   # decided, not yet sent
    ports.salla_catalog.iter_product_pages = original  # type: ignore[method-assign]
    result = optimize_store(ports, "1", run_key="k1")
    assert result.ok and result.run.products_updated == 2
    assert ports.salla_catalog.applies == {("1", "e"): 1, ("1", "g"): 1}


class RaisingTheMarginOnPage2(StaticCompetitors):
    """Competitor offers as usual; while page 2 is read, the merchant raises the margin to 60%."""

    def __init__(self, ports, prices) -> None:  # type: ignore[no-untyped-def]
        super().__init__(prices)
        self.ports = ports

    def offers_for(self, store_id, products, now):  # type: ignore[no-untyped-def]
        if len(self.calls) == 1:
            with self.ports.uow_factory("1") as uow:
                uow.store.settings.save(uow.store.settings.get().with_changes(min_profit_margin="60"))
                uow.commit()
        return super().offers_for(store_id, products, now)


def test_auto_apply_is_rechecked_against_settings_changed_during_the_sweep(ports) -> None:  # type: ignore[no-untyped-def]
    """The sweep priced under 15%; its auto decisions are written at the end, after the merchant raised it to 60%."""
    ports.competitors = RaisingTheMarginOnPage2(ports, OFFERS)
    before = ports.salla_catalog.requests["1"]
    result = optimize_store(ports, "1", run_key="k1")
    by_product = decisions(ports, run_id=result.run.id)
    # "e" and "g" are auto-applied under 15%; cost 50 at a 60% margin puts the floor at 143.75
    for pid in ("e", "g"):
        assert by_product[pid].status is DecisionStatus.FAILED
        assert "below the margin floor 143.75 (cost 50, minimum margin 60%" in by_product[pid].error
    assert ports.salla_catalog.applies == {}
    # The re-check used the products the sweep had just read: no request beyond its 3 pages.
    assert ports.salla_catalog.requests["1"] - before == 3


@pytest.mark.parametrize("whole_run", [False, True])
def test_the_run_keeps_its_key_and_moves_its_heartbeat_page_by_page(ports, whole_run) -> None:  # type: ignore[no-untyped-def]
    # The recovery loop tells a dead sweep from a long one by this heartbeat, not by the start time;
    # with an advisor that wants the whole run, pages wait undecided and the gather half beats instead.
    if whole_run:
        advisor = FixedAdvisor()
        advisor.wants_whole_run = True  # type: ignore[attr-defined]
        ports.advisor = advisor
    beats = []
    original = ports.competitors.offers_for

    def slow(store_id, products, now):  # type: ignore[no-untyped-def]
        beats.append(run_of(ports, "1", "k1").updated_at)
        ports.clock.advance(minutes=1)   # one page takes a minute
        return original(store_id, products, now)

    ports.competitors.offers_for = slow
    result = optimize_store(ports, "1", run_key="k1")
    assert result.ok and result.run.run_key == "k1"
    assert len(beats) == 3 and beats == sorted(beats) and len(set(beats)) == 3
    assert result.run.updated_at == result.run.finished_at and result.run.recoveries == 0


def test_a_profit_store_is_priced_from_its_own_sales_history() -> None:
    """The sweep reads the stored sales and price changes and the profit strategy prices on the estimate."""
    from datetime import datetime, time, timedelta

    from pricing_core.catalog import PricePoint
    from pricing_core.event_time import SALLA_TZ
    from pricing_core.sales import DailySales
    from pricing_core.settings import TenantSettings

    ports = make_ports()
    settings = TenantSettings(automation_mode=AutomationMode.SEMI_AUTO, strategy="profit", max_change_pct=Decimal("10"))
    # "hot" follows an elasticity of -3 between 80 and 100 (the optimum is far lower: cost 40 x 1.5 plus
    # VAT); "flat" never changed price, so its data says nothing about price.
    add_store(ports, "1", [product("hot", "100", cost="40"), product("flat", "100", cost="40")], settings=settings)
    ports.competitors.prices = {"hot": [("x", "100")], "flat": [("x", "100")]}
    today = ports.clock.now().astimezone(SALLA_TZ).date()
    with ports.uow_factory("1") as uow:
        points, sales = [], []
        for d in range(56, 0, -1):
            day = today - timedelta(days=d)
            cheap = d % 2 == 0
            points.append(PricePoint(product_id="hot", price=Decimal("80" if cheap else "100"),
                                     changed_at=datetime.combine(day, time(6), tzinfo=SALLA_TZ)))
            sales.append(DailySales(product_id="hot", day=day, units=78 if cheap else 40, revenue=Decimal("4000")))
            sales.append(DailySales(product_id="flat", day=day, units=5, revenue=Decimal("500")))
        uow.store.price_history.add_many(points)
        uow.store.sales.replace_from(today - timedelta(days=56), sales)
        uow.commit()

    result = optimize_store(ports, "1", run_type=RunType.MANUAL, run_key="profit-1")
    assert result.ok
    by_product = decisions(ports)
    hot = by_product["hot"].decision
    assert hot.strategy == "profit" and hot.suggested_price == Decimal("90.00")  # toward 69, by at most 10%
    assert any(re.search(r"elasticity -(2\.9|3\.0)\d", line) and "56 days" in line for line in hot.explanation)
    flat = by_product["flat"].decision  # one price all along: the estimate is the prior, the fallback decides
    assert flat.strategy != "profit" and any("too uncertain" in line or "no demand" in line
                                             for line in flat.explanation)
    # The estimates it priced on are kept with the run's inputs: a backtest reproduces the run.
    from pricing_core.usecases.backtest import backtest

    report = backtest(ports.uow_factory, "1", {})
    assert report.replayed.decisions == report.identical == 2


def test_competitors_below_the_floor_are_recorded_with_the_run_and_become_an_alert() -> None:
    from pricing_core.alerts import AlertKind, alerts_of

    ports = make_ports()
    # cost 80: the floor (15% margin, VAT included) is about 108; the competitor sells at 90.
    add_store(ports, "1", [product("low", "120", cost="80"), product("ok", "100", cost="40")])
    ports.competitors.prices = {"low": [("x", "90")], "ok": [("x", "97")]}
    result = optimize_store(ports, "1", run_type=RunType.MANUAL, run_key="floor-1")
    assert result.ok
    [entry] = [e for e in activity(ports) if e.activity_type is ActivityType.OPTIMIZATION_COMPLETED]
    assert entry.metadata["below_floor"] == 1
    [listed] = entry.metadata["below_floor_products"]
    assert listed["product_id"] == "low" and listed["competitor_price"] == "90.00"
    [alert] = [a for a in alerts_of(entry) if a.kind is AlertKind.BELOW_FLOOR]
    assert alert.facts["count"] == 1 and alert.facts["products"][0]["name"] == "Product low"
