"""End-to-end sweep throughput: N stores x M products on loopback, two worker processes.

Everything real but Salla: PostgreSQL and redis-server started for the run, the fake Salla served
over HTTP by uvicorn (in this process), ``salla-optimizer worker`` subprocesses consuming from
Redis. One ``optimize_all_stores`` message fans out a sweep per store; the clock runs from that
message until every store's run has logged ``optimization_completed``.

Reports: products priced per second, Salla requests per store (total and by route), and each
store's peak request rate in any 60-second window against its plan's limit (plus 429 answers).
Targets: >= 1,000 products/s, every store under its plan's limit.

Run: ``.venv/bin/python bench/e2e_throughput.py`` (defaults: 200 stores x 500 products, 2 workers
x 16 threads); ``--stores 20 --products 100`` for a quick look. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _runner_harness import loopback, peak_rate, plan_limit

from pricing_core.commands import SweepAllStores
from pricing_core.usecases.context import run_id_for
from pricing_core.usecases.sweeps import sweep_run_key


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=200)
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)

    with loopback(stores=args.stores, products=args.products) as world:
        fake = world.fake.fake
        world.start_workers(args.workers, args.threads)
        fake.reset_stats()
        batch = f"bench-{int(time.time())}"
        run_ids = {run_id_for(s, sweep_run_key(batch)): s for s in world.store_ids}
        cpu0 = os.times()
        workers_cpu0 = sum(process_cpu(w.pid) for w in world.workers)
        started = time.monotonic()
        world.send(SweepAllStores(batch_key=batch))
        done: dict[str, dict[str, object]] = {}
        while len(done) < len(run_ids):
            if time.monotonic() - started > args.timeout:
                print(f"timeout: {len(done)}/{len(run_ids)} stores swept", file=sys.stderr)
                return 1
            time.sleep(1.0)
            done = world.completed_runs(set(run_ids))
        elapsed = time.monotonic() - started
        cpu1 = os.times()

        analyzed = sum(int(m["products_analyzed"]) for m in done.values())  # type: ignore[call-overload]
        updated = sum(int(m["products_updated"]) for m in done.values())  # type: ignore[call-overload]
        queued = sum(int(m["products_queued"]) for m in done.values())  # type: ignore[call-overload]
        plans = {str(s.merchant_id): s.plan for s in fake.sandbox_stores()}
        requests, over, limited, routes = [], [], 0, Counter()  # type: ignore[var-annotated]
        worst_share = 0.0
        for store_id in world.store_ids:
            stats = fake.stats(store_id)
            requests.append(stats.requests)
            limited += stats.rate_limited
            routes.update(stats.by_route)
            peak = peak_rate(fake.request_times(store_id))
            share = peak / plan_limit(plans[store_id])
            worst_share = max(worst_share, share)
            if peak > plan_limit(plans[store_id]):
                over.append(store_id)
        figures = {
            "stores": args.stores, "products_per_store": args.products, "workers": args.workers,
            "threads": args.threads, "elapsed_s": round(elapsed, 1),
            "products_analyzed": analyzed, "products_updated": updated, "products_queued": queued,
            "products_per_s": round(analyzed / elapsed, 1),
            "salla_requests_per_store_avg": round(sum(requests) / len(requests), 1),
            "salla_requests_per_store_max": max(requests),
            "requests_by_route_per_store": {k: round(v / len(requests), 1) for k, v in sorted(routes.items())},
            "stores_over_plan_limit": len(over), "answers_429": limited,
            "worst_peak_share_of_plan_limit": round(worst_share, 2),
            "driver_cpu_s": round((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), 1),
            "workers_cpu_s": round(sum(process_cpu(w.pid) for w in world.workers) - workers_cpu0, 1),
        }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    ok = figures["products_per_s"] >= 1000 and not over
    print("targets:", "met" if ok else "MISSED", "(>= 1,000 products/s; every store under its plan limit)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
