"""LLM cost of the CrewAI advisor per sweep, measured with the scripted FakeLLM (no network).

For several batch sizes, one store's catalog goes through ``CrewAIAdvisor.propose`` (a real
crewai crew, the fake model answering every batch). Reported: crew kickoffs per store per
sweep, model calls, and prompt tokens per 1,000 products priced (tokens: crewai's own
1-per-4-characters rule, counted by the fake on every prompt it receives).

Targets (issue 7): one kickoff per store per sweep, and prompt tokens per product falling as the
batch grows. Run: ``python bench/agents_cost.py [--products N] [--stores S]``; exits non-zero
when a target is missed.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")

from adapters.agents.crew import CrewAIAdvisor
from adapters.agents.fake_llm import FakeLLM, market_responder
from adapters.competitors.sandbox import SandboxCompetitorSource
from pricing_core import Product, TenantSettings
from pricing_core.ports import StoreContext

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
BATCH_SIZES = (5, 10, 25, 50, 100)


def catalog(store: int, n: int) -> list[Product]:
    """A deterministic catalog with realistic names and costs."""
    return [
        Product(id=f"{store}-{i}", sku=f"S{store}-SKU-{i:05d}", name=f"منتج تجريبي {i} - Demo product {i}",
                price=Decimal(50 + (i * 37) % 900) + Decimal("0.95"),
                cost_price=(Decimal(30 + (i * 37) % 900 * 6 // 10)))
        for i in range(n)
    ]


def _fixed(llm: FakeLLM) -> Callable[[], FakeLLM]:
    """A factory that hands the crew this very fake, so its counters can be read afterwards."""
    return lambda: llm


def run(batch_size: int, products_per_store: int, stores: int) -> dict[str, float]:
    """One sweep over ``stores`` stores; returns the figures."""
    market = SandboxCompetitorSource(seed=7)
    kickoffs, calls, prompt, completion, priced, proposals = 0, 0, 0, 0, 0, 0
    per_store_kickoffs = []
    start = time.perf_counter()
    for store in range(stores):
        products = catalog(store, products_per_store)
        offers = market.offers_for(str(store), products, NOW)
        context = StoreContext(store_id=str(store), store_name=f"Demo store {store}", settings=TenantSettings())
        llm = FakeLLM(responder=market_responder)
        advisor = CrewAIAdvisor(_fixed(llm), model_label="fake", batch_size=batch_size,
                                token_budget=10**9)
        proposals += len(advisor.propose(context, products, offers))
        report = advisor.reports[str(store)]
        if report.error or report.dropped:
            raise SystemExit(f"unexpected crew trouble: {report.error} {report.dropped[:3]}")
        per_store_kickoffs.append(report.kickoffs)
        kickoffs += report.kickoffs
        calls += llm.call_count
        prompt += llm.prompt_tokens
        completion += llm.completion_tokens
        priced += len(products)
    elapsed = time.perf_counter() - start
    per_k = 1000 / priced
    return {
        "batch": batch_size, "stores": stores, "products": priced, "kickoffs": kickoffs,
        "max_kickoffs_per_store": max(per_store_kickoffs), "calls_per_1k": calls * per_k,
        "prompt_per_1k": prompt * per_k, "completion_per_1k": completion * per_k,
        "proposals": proposals, "seconds": elapsed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="LLM cost per sweep with the fake LLM")
    parser.add_argument("--products", type=int, default=500, help="products per store")
    parser.add_argument("--stores", type=int, default=2)
    args = parser.parse_args(argv)

    rows = [run(size, args.products, args.stores) for size in BATCH_SIZES]
    print(f"{args.stores} stores x {args.products} products, fake LLM, crewai sequential crew; cpus={os.cpu_count()}")
    print("batch | kickoffs (per store) | model calls /1k | prompt tokens /1k | completion /1k | proposals | s")
    for r in rows:
        print(f"{r['batch']:>5} | {r['kickoffs']:>8} ({r['max_kickoffs_per_store']}) | {r['calls_per_1k']:>15.0f} | "
              f"{r['prompt_per_1k']:>17,.0f} | {r['completion_per_1k']:>14,.0f} | {r['proposals']:>9} | "
              f"{r['seconds']:.1f}")
    failures = []
    if any(r["max_kickoffs_per_store"] != 1 for r in rows):
        failures.append("more than one kickoff per store per sweep")
    tokens = [r["prompt_per_1k"] for r in rows]
    if any(later >= earlier for earlier, later in itertools.pairwise(tokens)):
        failures.append(f"prompt tokens per product do not fall as the batch grows: {tokens}")
    if any(r["proposals"] != r["products"] for r in rows):
        failures.append("the fake analyst's proposals did not all come back")
    for failure in failures:
        print(f"TARGET MISSED: {failure}", file=sys.stderr)
    if not failures:
        print("targets met: one kickoff per store per sweep; prompt tokens per product fall as the batch grows")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
