"""LLM cost of the CrewAI advisor per store per sweep, measured through the real sweep (no network).

Each store's catalog is swept by ``optimize_store`` (the use case the workers run) over the
in-memory ports: the in-memory fake Salla (pages of 60, as Salla), in-memory storage, the
deterministic sandbox competitor market, and a ``CrewAIAdvisor`` whose real crewai crew talks to
the scripted ``FakeLLM``. Reported per store size and batch size: crew kickoffs per store per
sweep (counted at the advisor's model factory: a kickoff builds exactly one model), model calls,
prompt and completion tokens per 1,000 products priced (crewai's 1-per-4-characters rule, counted
by the fake on every prompt), proposals the core accepted, and decisions past the guards (must
be 0).

``--per-page`` adds, for contrast, the same sweep with the advisor asked page by page (its
``wants_whole_run`` switched off): the behaviour before the sweep honoured that capability.

Targets (issue 7): one kickoff per store per sweep, and prompt tokens per product falling as the
batch grows. Run: ``python bench/agents_cost.py [--sizes 300 1000] [--stores 2] [--per-page]``;
exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")

import attrs

from adapters.agents.crew import CrewAIAdvisor
from adapters.agents.fake_llm import FakeLLM, market_responder
from adapters.competitors import CompositeCompetitorSource, SandboxCompetitorSource
from adapters.memory.clock import FakeClock
from adapters.memory.locks import ThreadStoreLocks
from adapters.memory.salla import FakeSallaAuth, FakeSallaCatalog
from adapters.memory.storage import InMemoryUnitOfWorkFactory
from pricing_core import Product, TenantSettings
from pricing_core.decision import Action, PricingDecision
from pricing_core.guards import margin_floor
from pricing_core.ports import CompetitorSource, PricingAdvisor
from pricing_core.settings import AutomationMode
from pricing_core.stores import Store
from pricing_core.usecases.optimize_store import optimize_store

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
BATCH_SIZES = (5, 10, 25, 50, 100)
SIZES = (300, 1000)
SETTINGS = TenantSettings(automation_mode=AutomationMode.SEMI_AUTO)


@attrs.define
class BenchPorts:
    """The sweep's ports, in memory (the attribute names of ``adapters.services.Services``)."""

    uow_factory: InMemoryUnitOfWorkFactory
    locks: ThreadStoreLocks
    clock: FakeClock
    salla_auth: FakeSallaAuth
    salla_catalog: FakeSallaCatalog
    competitors: CompetitorSource
    advisor: PricingAdvisor | None


class CountingFactory:
    """The advisor's model factory: one ``FakeLLM`` per kickoff, all kept so they can be counted."""

    def __init__(self) -> None:
        self.built: list[FakeLLM] = []

    def __call__(self) -> FakeLLM:
        llm = FakeLLM(responder=market_responder)
        self.built.append(llm)
        return llm


def catalog(store: int, n: int) -> list[Product]:
    """A deterministic catalog with realistic names and costs."""
    return [
        Product(id=f"{store}-{i}", sku=f"S{store}-SKU-{i:05d}", name=f"منتج تجريبي {i} - Demo product {i}",
                price=Decimal(50 + (i * 37) % 900) + Decimal("0.95"),
                cost_price=(Decimal(30 + (i * 37) % 900 * 6 // 10)))
        for i in range(n)
    ]


def past_guards(product: Product, decision: PricingDecision, settings: TenantSettings) -> bool:
    """True when a decision breaks the margin floor or the maximum change (must never happen)."""
    price = decision.suggested_price
    if decision.action is Action.SKIPPED or price == product.price:
        return False
    change = abs(price - product.price) / product.price * 100
    floor = (margin_floor(product.cost_price, settings.margin_fraction, settings.vat_fraction, True)
             if product.cost_price is not None else Decimal(0))
    return bool(change > settings.max_change_pct or price < floor)


def run(size: int, batch_size: int, stores: int, *, whole_run: bool = True) -> dict[str, float]:
    """One sweep of each of ``stores`` stores of ``size`` products; returns the figures."""
    clock = FakeClock(NOW)
    auth = FakeSallaAuth(clock.now)
    factory = CountingFactory()
    advisor = CrewAIAdvisor(factory, model_label="fake", batch_size=batch_size, token_budget=10**9)
    if not whole_run:
        advisor.wants_whole_run = False  # type: ignore[misc]  # the per-page contrast
    ports = BenchPorts(uow_factory=InMemoryUnitOfWorkFactory(), locks=ThreadStoreLocks(), clock=clock,
                       salla_auth=auth, salla_catalog=FakeSallaCatalog(auth, page_size=60),
                       competitors=CompositeCompetitorSource([SandboxCompetitorSource(seed=7)]), advisor=advisor)
    kickoffs: list[int] = []
    priced = proposals = broken = 0
    start = time.perf_counter()
    for number in range(stores):
        store_id = str(number)
        products = catalog(number, size)
        with ports.uow_factory(store_id) as uow:
            uow.stores.upsert(Store(store_id=store_id, store_name=f"Demo store {number}", installed_at=NOW))
            assert uow.store is not None
            uow.store.tokens.save(auth.issue(store_id))
            uow.store.settings.save(SETTINGS)
            uow.commit()
        ports.salla_catalog.add_store(store_id, products)
        before = len(factory.built)
        result = optimize_store(ports, store_id, run_key="bench")
        if not result.ok or result.run is None:
            raise SystemExit(f"sweep of store {store_id} failed: {result}")
        kickoffs.append(len(factory.built) - before)
        report = advisor.reports[store_id]
        if report.error or report.dropped or report.products_not_advised:
            raise SystemExit(f"unexpected crew trouble: {report.error} {report.dropped[:3]}")
        with ports.uow_factory(store_id) as uow:
            assert uow.store is not None
            records = uow.store.decisions.list(run_id=result.run.id, limit=size + 1)
        by_id = {p.id: p for p in products}
        priced += result.run.products_analyzed
        proposals += sum(r.decision.strategy.startswith("advisor:") for r in records)
        broken += sum(past_guards(by_id[r.decision.product_id], r.decision, SETTINGS) for r in records)
    elapsed = time.perf_counter() - start
    per_k = 1000 / priced
    return {
        "size": size, "batch": batch_size, "stores": stores, "products": priced,
        "kickoffs": sum(kickoffs), "max_kickoffs": max(kickoffs), "min_kickoffs": min(kickoffs),
        "calls_per_1k": sum(llm.call_count for llm in factory.built) * per_k,
        "prompt_per_1k": sum(llm.prompt_tokens for llm in factory.built) * per_k,
        "completion_per_1k": sum(llm.completion_tokens for llm in factory.built) * per_k,
        "proposals": proposals, "past_guards": broken, "seconds": elapsed,
    }


def show(rows: Sequence[dict[str, float]]) -> None:
    print("products/store | batch | kickoffs per store per sweep | model calls /1k | prompt tokens /1k | "
          "completion /1k | advisor prices used | past guards | s")
    for r in rows:
        per_store = (f"{r['min_kickoffs']}" if r["min_kickoffs"] == r["max_kickoffs"]
                     else f"{r['min_kickoffs']}-{r['max_kickoffs']}")
        print(f"{r['size']:>14} | {r['batch']:>5} | {per_store:>28} | {r['calls_per_1k']:>15.0f} | "
              f"{r['prompt_per_1k']:>17,.0f} | {r['completion_per_1k']:>14,.0f} | "
              f"{str(r['proposals']) + '/' + str(r['products']):>19} | {r['past_guards']:>11} | {r['seconds']:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="LLM cost per store per sweep, through optimize_store, fake LLM")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="products per store")
    parser.add_argument("--batches", type=int, nargs="+", default=list(BATCH_SIZES), help="advisor batch sizes")
    parser.add_argument("--stores", type=int, default=2, help="stores swept per row")
    parser.add_argument("--per-page", action="store_true", help="also run batch 25 with the per-page advisor calls")
    args = parser.parse_args(argv)

    rows = [run(size, batch, args.stores) for size in args.sizes for batch in args.batches]
    print(f"{args.stores} stores per row, optimize_store over in-memory ports (pages of 60), sandbox market, "
          f"CrewAIAdvisor + FakeLLM (crewai sequential crew); cpus={os.cpu_count()}")
    show(rows)
    if args.per_page:
        print("\nfor contrast, the advisor asked page by page (wants_whole_run off):")
        show([run(size, 25, args.stores, whole_run=False) for size in args.sizes])

    failures = []
    if any(r["max_kickoffs"] != 1 or r["min_kickoffs"] != 1 for r in rows):
        failures.append("not exactly one kickoff per store per sweep")
    for size in args.sizes:
        tokens = [r["prompt_per_1k"] for r in rows if r["size"] == size]
        if any(later >= earlier for earlier, later in itertools.pairwise(tokens)):
            failures.append(f"{size} products: prompt tokens per product do not fall as the batch grows: {tokens}")
    if any(r["past_guards"] for r in rows):
        failures.append("a decision got past the guards")
    if any(r["products"] != r["size"] * r["stores"] for r in rows):
        failures.append("not every product was priced")
    for failure in failures:
        print(f"TARGET MISSED: {failure}", file=sys.stderr)
    if not failures:
        print("targets met: one kickoff per store per sweep; prompt tokens per product fall as the batch grows; "
              "no decision past the guards")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
