"""Reaction time of event-driven repricing under sweep load.

Set-up as ``e2e_throughput.py`` (PostgreSQL, Redis, the fake Salla on loopback, two worker
processes) plus the web app (``salla-optimizer serve``) receiving the fake's signed webhooks.
A few "event stores" (full-auto) are swept once beforehand. Then the other stores' sweeps are
enqueued as load, and while they run a merchant price change is simulated every ``--interval``
seconds on an event store: the fake's price is raised 5% and a ``product.price.updated`` delivery,
built and signed exactly as the fake builds its own, is POSTed to ``/webhooks/salla``. Measured:
from the POST to the moment the fake shows the optimizer's new price (the path: web route ->
``process_webhook`` -> ``reprice_products`` -> bulkPrice -> the fake applies it). The delivery is
POSTed by this script rather than queued on the fake's sender because that sender is one thread:
with ``--echo-events`` its backlog of echoes would be measured instead of the optimizer.

Only events whose repricing applied a price are timed; the others (the core decided no change,
or asked for approval) are counted separately.

Run: ``.venv/bin/python bench/event_reaction.py`` (defaults: 200 stores x 500 products, 10 of them
event stores, 40 events). ``--echo-events`` also lets the fake send ``product.price.updated`` for
every price the load sweeps apply (about 40,000 deliveries through its single sender thread).
Target: p95 < 5 s. Exit status 1 when missed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _runner_harness import loopback, percentile

from pricing_core.commands import SweepStore
from pricing_core.decision import DecisionStatus
from pricing_core.ports import scope_of
from pricing_core.runs import RunType
from pricing_core.usecases.context import run_id_for
from support.servers import free_port


def start_web(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """``salla-optimizer serve`` on ``port``; returns once ``/health`` answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port), "--log-level", "warning"],
        env={**os.environ, **env}, stdout=open(log, "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code < 500:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"web app exited; see {log}")
        time.sleep(0.3)
    process.kill()
    raise TimeoutError("web app did not answer /health within 60 s")


def deliver(fake: object, store_id: str, product_id: str, url: str, secret: str, http: httpx.Client) -> float:
    """POST a signed ``product.price.updated`` for the product's current price; returns the send time."""
    from adapters.fake_salla.webhooks import delivery_headers, encode_event

    with fake.lock:  # type: ignore[attr-defined]
        product = fake.store(store_id).products[int(product_id)]  # type: ignore[attr-defined]
        payload = fake._envelope("product.price.updated", int(store_id),  # type: ignore[attr-defined]
                                 fake.price_event_data(product))  # type: ignore[attr-defined]
    body = encode_event(payload)
    sent = time.monotonic()
    response = http.post(url, content=body, headers=delivery_headers(body, strategy="signature", secret=secret))
    response.raise_for_status()
    return sent


def intake_outcomes(metrics_url: str, http: httpx.Client) -> dict[str, int]:
    """The web app's intake counters by outcome (``accepted``, ``echo``, ...) at the end of the measurement."""
    prefix = 'salla_optimizer_webhook_deliveries_total{outcome="'
    outcomes: dict[str, int] = {}
    for line in http.get(metrics_url).text.splitlines():
        if line.startswith(prefix):
            label, _, value = line[len(prefix):].partition('"} ')
            outcomes[label] = int(float(value))
    return outcomes


def sender_state(fake: object) -> dict[str, int]:
    """What the fake's (single-threaded) webhook sender had queued and delivered at the end of the measurement."""
    deliveries = list(fake.webhook_deliveries)  # type: ignore[attr-defined]
    return {"queued": len(deliveries), "delivered": sum(d.delivered for d in deliveries),
            "still_pending": sum(not d.finished for d in deliveries)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=200)
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--event-stores", type=int, default=10)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--echo-events", action="store_true")
    parser.add_argument("--event-worker-threads", type=int, default=0,
                        help="also run one worker reserved for the events and webhooks queues, with N threads")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    web_port = free_port()
    secret = secrets.token_urlsafe(24)
    with loopback(stores=args.stores, products=args.products, webhook_port=web_port, webhook_secret=secret,
                  extra_env={"SALLA_WEBHOOK_SECRET": secret, "ADMIN_API_TOKEN": secrets.token_urlsafe(16),
                             "SESSION_SECRET": secrets.token_urlsafe(32)}) as world:
        fake = world.fake.fake
        fake.price_events = False   # no echoes while warming up
        web = start_web(world.env, web_port, world.tmp / "web.log")
        try:
            if args.event_worker_threads:
                world.start_workers(args.workers, args.threads, queues=["sweeps", "default"])
                world.start_workers(1, args.event_worker_threads, queues=["events", "webhooks"])
            else:
                world.start_workers(args.workers, args.threads)
            event_stores = world.store_ids[:args.event_stores:]
            load_stores = world.store_ids[args.event_stores:]
            # the harness alternates full-auto and semi-auto stores
            warm = {run_id_for(s, "scheduled:warm"): s for s in event_stores}
            for store_id in event_stores:
                world.send(SweepStore(store_id=store_id, run_type="scheduled", run_key="scheduled:warm"))
            while len(world.completed_runs(set(warm))) < len(warm):
                time.sleep(0.5)
            candidates = []
            for run_id, store_id in warm.items():
                with world.services.uow_factory(store_id) as uow:
                    for d in scope_of(uow).decisions.list(run_id=run_id, limit=1000):
                        if d.status in (DecisionStatus.APPLIED, DecisionStatus.RECORDED) and d.decision.cost_price:
                            candidates.append((store_id, d.decision.product_id))
            rng = random.Random(3)
            chosen = rng.sample(candidates, min(args.events, len(candidates)))

            fake.price_events = args.echo_events
            load = {run_id_for(s, "scheduled:load"): s for s in load_stores}
            load_started = time.monotonic()
            for store_id in load_stores:
                world.send(SweepStore(store_id=store_id, run_type="scheduled", run_key="scheduled:load"))
            time.sleep(3.0)   # the load is under way

            hook_url = f"http://127.0.0.1:{web_port}/webhooks/salla"
            http = httpx.Client(timeout=10)
            pending: dict[int, tuple[str, str, Decimal, float]] = {}
            latencies: dict[int, float] = {}
            next_fire = time.monotonic()
            fired = 0
            deadline = None
            while fired < len(chosen) or (pending and time.monotonic() < (deadline or 0)):
                now = time.monotonic()
                if fired < len(chosen) and now >= next_fire:
                    store_id, product_id = chosen[fired]
                    bumped = (fake.prices(store_id)[product_id] * Decimal("1.05")).quantize(Decimal("0.01"))
                    fake.set_price(store_id, product_id, bumped)
                    sent = deliver(fake, store_id, product_id, hook_url, secret, http)
                    pending[fired] = (store_id, product_id, bumped, sent)
                    fired += 1
                    next_fire = now + args.interval
                    deadline = time.monotonic() + 30
                for index, (store_id, product_id, bumped, t0) in list(pending.items()):
                    if fake.prices(store_id)[product_id] != bumped:
                        latencies[index] = time.monotonic() - t0
                        del pending[index]
                time.sleep(0.02)
            load_done = len(world.completed_runs(set(load)))
            load_elapsed = time.monotonic() - load_started
            intake = intake_outcomes(f"http://127.0.0.1:{web_port}/metrics", http)
            echo_sender = sender_state(fake)

            outcomes: dict[str, int] = {}
            for index, (store_id, product_id) in enumerate(chosen):
                if index in latencies:
                    continue
                with world.services.uow_factory(store_id) as uow:
                    runs = [r for r in scope_of(uow).runs.recent(100) if r.run_type is RunType.EVENT]
                    statuses = [d.status.value for r in runs
                                for d in scope_of(uow).decisions.list(run_id=r.id, product_id=product_id)]
                key = statuses[0] if statuses else "no event run"
                outcomes[key] = outcomes.get(key, 0) + 1
        finally:
            web.send_signal(signal.SIGTERM)
            try:
                web.wait(15)
            except subprocess.TimeoutExpired:
                web.kill()

    values = sorted(latencies.values())
    figures = {
        "stores": args.stores, "products_per_store": args.products, "event_stores": args.event_stores,
        "events_fired": len(chosen), "events_applied": len(values),
        "events_not_applied_by_decision": outcomes, "echo_events": args.echo_events,
        "workers": f"{args.workers} x {args.threads} threads"
        + (f" (sweeps, default) + 1 x {args.event_worker_threads} (events, webhooks)"
           if args.event_worker_threads else " (all queues)"),
        "median_s": round(percentile(values, 0.5), 3) if values else None,
        "p95_s": round(percentile(values, 0.95), 3) if values else None,
        "max_s": round(values[-1], 3) if values else None,
        "load_stores_completed_during_measurement": f"{load_done}/{len(load_stores)}",
        "load_elapsed_s": round(load_elapsed, 1),
        "webhook_intake_outcomes": intake,
        "fake_echo_sender": echo_sender,
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    ok = bool(values) and figures["p95_s"] is not None and figures["p95_s"] < 5
    print("target:", "met" if ok else "MISSED", "(p95 < 5 s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
