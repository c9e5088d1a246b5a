"""How a sweep asks its advisor: per page by default, once per run for an advisor that ``wants_whole_run``.

Issue 7 wants one crew kickoff per store per sweep; the sweep streams the catalog page by page.
An advisor with a fixed cost per call sets ``wants_whole_run``: the sweep gathers every page,
asks once (or once per ``advice_cap`` products), then decides each page as it would have page by
page. These tests pin the call pattern and that the decisions do not change with it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

import pytest
from tests.support.usecase_support import FixedAdvisor, Ports, add_store, make_ports, product, run_of

from pricing_core.catalog import AdvisorProposal, CompetitorOffer, Product
from pricing_core.decision import Action, DecisionRecord, DecisionStatus
from pricing_core.errors import SallaUnavailable
from pricing_core.guards import margin_floor
from pricing_core.ports import StoreContext
from pricing_core.runs import OptimizationRun, RunStatus
from pricing_core.settings import AutomationMode
from pricing_core.usecases.optimize_store import optimize_store
from pricing_core.usecases.reprice import reprice_products

# 7 products over pages of 3 (the fake catalog's page size in usecase_support): 3 pages.
CATALOG = [product("a", "100"), product("b", "100"), product("c", "100"), product("d", "100", cost=None),
           product("e", "100"), product("f", "100", status="hidden"), product("g", "100")]
OFFERS = {"a": [("x", "97")], "b": [("x", "80")], "c": [("x", "100")], "d": [("x", "90")],
          "e": [("x", "104"), ("y", "103")], "g": [("x", "103"), ("y", "103.5")]}
# Proposals within range, one the guards clip (b), one out of range (g: rejected), for a
# product with unknown cost (d) and for the hidden one (f, skipped anyway).
TARGETS = {"a": "98", "b": "70", "c": "104", "d": "95", "e": "102", "f": "90", "g": "1000"}


class CountingAdvisor(FixedAdvisor):
    """``FixedAdvisor`` that records the product ids of every ``propose`` call."""

    def __init__(self, targets: Mapping[str, str] | None = None, *, whole_run: bool, fail: bool = False) -> None:
        super().__init__(targets, fail=fail)
        self.wants_whole_run = whole_run
        self.calls: list[list[str]] = []

    def propose(
        self, context: StoreContext, products: Sequence[Product], offers: Mapping[str, Sequence[CompetitorOffer]]
    ) -> dict[str, AdvisorProposal]:
        self.calls.append([p.id for p in products])
        # every product asked about arrives with its offers, and only those
        assert set(offers) <= {p.id for p in products}
        assert all(pid in offers for pid in OFFERS if pid in self.calls[-1])
        return super().propose(context, products, offers)


def sweep_ports(advisor: object, catalog: Sequence[Product] = CATALOG,
                mode: AutomationMode = AutomationMode.FULL_AUTO) -> Ports:
    ports = make_ports(advisor=advisor)  # type: ignore[arg-type]
    add_store(ports, "1", catalog, mode=mode)
    ports.competitors.prices = dict(OFFERS)
    return ports


def decisions(ports: Ports, run: OptimizationRun) -> dict[str, DecisionRecord]:
    with ports.uow_factory("1") as uow:
        assert uow.store is not None
        return {r.decision.product_id: r for r in uow.store.decisions.list(run_id=run.id, limit=1000)}


def outcome(ports: Ports, run: OptimizationRun) -> tuple[object, ...]:
    """Everything a sweep leaves behind that must not depend on how the advisor was called."""
    counters = (run.products_analyzed, run.products_updated, run.products_queued, run.products_skipped)
    return decisions(ports, run), counters, dict(ports.salla_catalog.applies)


def test_whole_run_advisor_is_asked_once_and_decides_like_the_per_page_path() -> None:
    per_page = CountingAdvisor(TARGETS, whole_run=False)
    whole = CountingAdvisor(TARGETS, whole_run=True)
    ports_page, ports_whole = sweep_ports(per_page), sweep_ports(whole)
    seen_page: list[tuple[int, int | None]] = []
    seen_whole: list[tuple[int, int | None]] = []

    by_page = optimize_store(ports_page, "1", run_key="k1", progress=lambda d, t: seen_page.append((d, t)))
    by_run = optimize_store(ports_whole, "1", run_key="k1", progress=lambda d, t: seen_whole.append((d, t)))

    assert by_page.ok and by_run.ok and by_page.run is not None and by_run.run is not None
    assert per_page.calls == [["a", "b", "c"], ["d", "e", "f"], ["g"]]
    assert whole.calls == [[p.id for p in CATALOG]]         # one call, the whole catalog, in order
    assert len(whole.contexts) == 1 and whole.contexts[0].store_id == "1"
    # same records (ids, statuses, prices, explanations), counters, Salla writes and progress
    assert outcome(ports_whole, by_run.run) == outcome(ports_page, by_page.run)
    assert seen_whole == seen_page == [(3, 7), (6, 7), (7, 7)]
    # competitors are still read page by page while the pages wait for advice
    assert [len(c) for c in ports_whole.competitors.calls] == [3, 3, 1]
    # and the proposals really were used: c follows the advisor up, g's 10x answer is rejected
    got = decisions(ports_whole, by_run.run)
    assert got["c"].decision.suggested_price == Decimal("104.00")
    assert got["c"].decision.strategy.startswith("advisor:")
    assert any("rejected" in line for line in got["g"].decision.explanation)
    assert got["g"].decision.suggested_price <= Decimal("110.00")


@pytest.mark.parametrize("cap", [1, 2, 3, 5, 7, 100])
def test_advice_cap_splits_the_run_into_ceil_n_over_cap_calls(cap: int) -> None:
    reference = sweep_ports(CountingAdvisor(TARGETS, whole_run=False))
    ref = optimize_store(reference, "1", run_key="k1").run
    advisor = CountingAdvisor(TARGETS, whole_run=True)
    ports = sweep_ports(advisor)

    result = optimize_store(ports, "1", run_key="k1", advice_cap=cap)

    assert result.ok and result.run is not None and ref is not None
    assert len(advisor.calls) == math.ceil(len(CATALOG) / cap)
    assert all(len(call) <= cap for call in advisor.calls)
    assert [pid for call in advisor.calls for pid in call] == [p.id for p in CATALOG]  # each once, in order
    assert outcome(ports, result.run) == outcome(reference, ref)


def test_a_crashing_whole_run_advisor_leaves_pricing_to_the_strategy() -> None:
    advisor = CountingAdvisor(TARGETS, whole_run=True, fail=True)
    ports = sweep_ports(advisor)
    without = sweep_ports(None)

    result = optimize_store(ports, "1", run_key="k1")
    plain = optimize_store(without, "1", run_key="k1")

    assert result.ok and result.run is not None and plain.run is not None
    assert len(advisor.calls) == 1
    assert result.run.products_analyzed == len(CATALOG)
    assert outcome(ports, result.run) == outcome(without, plain.run)
    assert not any(r.decision.strategy.startswith("advisor:") for r in decisions(ports, result.run).values())


def _failing_on_page(ports: Ports, number: int) -> None:
    original = ports.salla_catalog.iter_product_pages
    calls = {"n": 0}

    def flaky(token: str):  # type: ignore[no-untyped-def]
        for page in original(token):
            calls["n"] += 1
            if calls["n"] == number:
                ports.salla_catalog.iter_product_pages = original  # type: ignore[method-assign]
                raise SallaUnavailable(f"timeout reading page {number}")
            yield page

    ports.salla_catalog.iter_product_pages = flaky  # type: ignore[method-assign]


def test_failure_while_pages_wait_for_advice_decides_nothing_and_the_redelivery_finishes() -> None:
    advisor = CountingAdvisor(TARGETS, whole_run=True)
    ports = sweep_ports(advisor)
    reference = sweep_ports(CountingAdvisor(TARGETS, whole_run=False))
    ref = optimize_store(reference, "1", run_key="k1").run
    _failing_on_page(ports, 3)

    failed = optimize_store(ports, "1", run_key="k1")

    assert not failed.ok and failed.retryable and failed.run is not None
    assert failed.run.status is RunStatus.FAILED and failed.run.products_analyzed == 0
    assert advisor.calls == [] and not decisions(ports, failed.run)     # nothing decided unadvised
    assert not ports.salla_catalog.applies

    done = optimize_store(ports, "1", run_key="k1")                      # the redelivered message

    assert done.ok and done.resumed and done.run is not None and ref is not None
    assert advisor.calls == [[p.id for p in CATALOG]]
    assert outcome(ports, done.run) == outcome(reference, ref)
    assert ports.salla_catalog.applies == reference.salla_catalog.applies  # each price applied once


def test_redelivery_after_a_capped_chunk_was_decided_asks_only_about_the_rest() -> None:
    advisor = CountingAdvisor(TARGETS, whole_run=True)
    ports = sweep_ports(advisor)
    reference = sweep_ports(CountingAdvisor(TARGETS, whole_run=False))
    ref = optimize_store(reference, "1", run_key="k1", apply_batch=1).run
    _failing_on_page(ports, 3)

    failed = optimize_store(ports, "1", run_key="k1", advice_cap=6, apply_batch=1)
    assert failed.run is not None and failed.run.products_analyzed == 6  # the first chunk was decided
    first_chunk = {key: n for key, n in reference.salla_catalog.applies.items() if key[1] in "abcdef"}
    assert first_chunk and ports.salla_catalog.applies == first_chunk  # and its auto-apply ones sent

    done = optimize_store(ports, "1", run_key="k1", advice_cap=6, apply_batch=1)

    assert done.ok and done.run is not None and ref is not None
    assert advisor.calls == [["a", "b", "c", "d", "e", "f"], ["g"]]      # g only, on the redelivery
    assert outcome(ports, done.run) == outcome(reference, ref)
    assert ports.salla_catalog.applies == reference.salla_catalog.applies  # nothing sent twice
    assert set(ports.salla_catalog.applies.values()) == {1}


def test_event_repricing_asks_a_whole_run_advisor_once_across_its_fetch_chunks() -> None:
    catalog = [product(f"p{i:03d}", "100") for i in range(75)]        # fetched by id in chunks of 60
    advisor = CountingAdvisor({"p000": "101", "p074": "99"}, whole_run=True)
    ports = sweep_ports(advisor, catalog)

    result = reprice_products(ports, "1", [p.id for p in catalog], run_key="evt")

    assert result.ok and result.run is not None and result.run.products_analyzed == 75
    assert advisor.calls == [[p.id for p in catalog]]
    got = decisions(ports, result.run)
    assert got["p000"].decision.suggested_price == Decimal("101.00")
    assert got["p074"].decision.suggested_price == Decimal("99.00")


def test_per_page_default_for_advisors_without_the_attribute() -> None:
    advisor = FixedAdvisor(TARGETS)                     # no wants_whole_run at all
    ports = sweep_ports(advisor)
    result = optimize_store(ports, "1", run_key="k1")
    assert result.ok and len(advisor.contexts) == 3      # one call per page, as before


# ---------------------------------------------------------------------------------------------
# The real crew, through the sweep


@pytest.mark.agents
def test_real_crew_gets_one_kickoff_per_sweep_and_no_answer_passes_the_guards() -> None:
    pytest.importorskip("crewai")
    from adapters.agents.crew import CrewAIAdvisor
    from adapters.agents.fake_llm import FakeLLM

    def analyst(answers: Mapping[str, str]) -> str:
        items = ",".join(f'{{"product_id": "{pid}", "target_price": "{price}", "rationale": "x"}}'
                         for pid, price in answers.items())
        return 'Thought: done.\nFinal Answer: {"proposals": [' + items + "]}"

    scout = "Thought: nothing to add.\nFinal Answer: No further listings found."
    # Batches of 3 over the 6 priceable products (f is hidden): below cost, 10x, a fair raise;
    # then a good decrease, a far one, and a product that is not in the batch.
    llm = FakeLLM(script={
        "scout": [scout, scout],
        "analyst": [analyst({"a": "1.00", "b": "1000", "c": "104"}),
                    analyst({"d": "95", "e": "10", "zz": "50"})],
    })
    built: list[FakeLLM] = []

    def factory() -> FakeLLM:
        built.append(llm)
        return llm

    advisor = CrewAIAdvisor(factory, model_label="fake", batch_size=3)
    catalog = [*CATALOG, product("h", "200", cost="150"), product("i", "100"), product("j", "100")]
    ports = sweep_ports(advisor, catalog, mode=AutomationMode.FULL_AUTO)
    # pages of 3 over 10 products: 4 pages; 9 priceable -> 3 batches (the last one unanswered: "")
    result = optimize_store(ports, "1", run_key="k1")

    assert result.ok and result.run is not None
    report = advisor.reports["1"]
    assert len(built) == 1 and report.kickoffs == 1                  # one crew, one kickoff, one sweep
    assert report.products == len(catalog) and report.batches_sent == 3
    assert llm.call_count == report.llm_calls == 6                  # scout + analyst per batch

    with ports.uow_factory("1") as uow:
        assert uow.store is not None
        settings = uow.store.settings.get()
    got = decisions(ports, result.run)
    assert set(got) == {p.id for p in catalog}
    for item in catalog:
        decision = got[item.id].decision
        if decision.action is Action.SKIPPED or decision.suggested_price == item.price:
            continue
        change = abs(decision.suggested_price - item.price) / item.price * 100
        assert change <= settings.max_change_pct
        if item.cost_price is not None:
            floor = margin_floor(item.cost_price, settings.margin_fraction, settings.vat_fraction, True)
            assert decision.suggested_price >= floor
        elif decision.suggested_price < item.price:                # unknown cost: never lowered automatically
            assert decision.action is Action.NEEDS_APPROVAL and got[item.id].status is DecisionStatus.PENDING
    assert got["c"].decision.suggested_price == Decimal("104.00")  # the fair answer was used
    for pid in ("a", "b", "e"):                                    # below cost, 10x, a tenth: refused
        assert any("proposal rejected" in line for line in got[pid].decision.explanation), pid
    assert any("unknown product 'zz'" in reason for reason in report.dropped)
    assert run_of(ports, "1", "k1").products_analyzed == len(catalog)
