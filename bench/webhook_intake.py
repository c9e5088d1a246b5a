"""Webhook intake under load: signed Salla deliveries from many concurrent clients against a real server.

Starts ``salla-optimizer serve`` (the embedded default: uvicorn, SQLite under a temp ``var``,
the in-process broker and worker) in a temporary directory, then:

1. installs ``--stores`` stores with ``app.installed`` deliveries (no tokens, so no sweeps run);
2. sends ``--deliveries`` unique signed ``app.settings.updated`` deliveries from ``--clients``
   concurrent keep-alive connections (closed loop: each client sends its next delivery when the
   previous one is acknowledged; ``--rate`` paces the total offered rate instead);
3. re-sends ``--duplicates`` of them, which must be acknowledged and dropped;
4. waits for the worker and counts the ``settings_updated`` activity entries in storage. Every
   delivery carries a distinct ``min_profit_margin``, so each one processed logs exactly one
   entry: the count equals the unique deliveries iff each was processed exactly once, none lost.

Prints the acknowledgement latency percentiles and throughput, and exits non-zero when the p99
target is missed, a delivery was not acknowledged with 200, or the processed count is off.

    python bench/webhook_intake.py                      # 5,000 deliveries, 200 clients
    python bench/webhook_intake.py --rate 1000          # paced at 1,000 deliveries/s
    python bench/webhook_intake.py --topology redis     # web + Redis + a separate worker process
    python bench/webhook_intake.py --topology redis --workers 2 --rate 1500   # two web processes
    python bench/webhook_intake.py --topology redis --workers 2 --rate 1500 --worker-elsewhere
    python bench/webhook_intake.py --topology redis --workers 2 --rate 1500 --worker-priority idle

``--topology embedded`` (default) is the one-process embedded default: the worker threads that
process the deliveries share the web process (and its GIL). ``--topology redis`` is the
scale-out shape: ``serve`` with ``REDIS_URL`` only acknowledges and enqueues, a separate
``salla-optimizer worker`` process consumes (SQLite is still shared through ``./var``); with
``--workers N`` the web side is ``serve --workers N``: N processes on one port, each built by the
bootstrap. A re-sent delivery that reaches another web process than the first is acknowledged as
accepted there (each process remembers its own recent ids) and dropped by the worker's inbox: the
processed count still proves exactly once. ``--worker-elsewhere`` stops the worker once the stores
are installed and starts it again after the last delivery is acknowledged: the intake then has the
machine's cores to itself and the load generator, as in a deployment whose workers run elsewhere,
and the drain still proves that every delivery is processed exactly once. ``--worker-priority low|idle`` keeps
the worker consuming on the same cores at a lower CPU priority (``worker --cpu-priority``: ``nice 10``
or ``SCHED_IDLE``), as a one-host deployment should (``compose.yaml`` runs its workers at ``idle``).

The client is a minimal HTTP/1.1 keep-alive client on asyncio streams (on uvloop when installed,
``--client-loop``), so the load generator (which shares the machine) costs as little CPU as possible.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import importlib.util
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Coroutine
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

SECRET = "bench-webhook-secret"
ADMIN_TOKEN = "bench-admin-token"
FIRST_MERCHANT = 3_000_000_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def envelope(event: str, merchant: int, data: dict[str, object]) -> bytes:
    body = {"event": event, "merchant": merchant, "created_at": "2026-03-01 12:00:00", "data": data}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def request_bytes(port: int, body: bytes) -> bytes:
    """One signed POST /webhooks/salla, as Salla sends it (Signature strategy)."""
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    head = (
        "POST /webhooks/salla HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\n"
        "User-Agent: Salla-Webhook/2.0 (bench)\r\n"
        "X-Salla-Security-Strategy: Signature\r\n"
        f"X-Salla-Signature: {signature}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("server closed the connection")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


async def client(port: int, jobs: list[bytes], latencies: list[float], statuses: dict[str, int],
                 start_at: list[float] | None) -> None:
    """One keep-alive connection sending its jobs in order (at ``start_at`` times when paced)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    loop = asyncio.get_running_loop()
    try:
        for index, job in enumerate(jobs):
            if start_at is not None:
                delay = start_at[index] - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            sent = time.perf_counter()
            writer.write(job)
            await writer.drain()
            status, body = await read_response(reader)
            latencies.append(time.perf_counter() - sent)
            outcome = json.loads(body).get("status", "?") if body else "?"
            key = f"{status} {outcome}"
            statuses[key] = statuses.get(key, 0) + 1
    finally:
        writer.close()


async def send_all(
    port: int, bodies: list[bytes], clients: int, rate: float | None
) -> tuple[list[float], dict[str, int], float]:
    jobs = [request_bytes(port, b) for b in bodies]
    shards = [jobs[i::clients] for i in range(clients)]
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.2
    # Paced, the first delivery is due at t0 (0.2 s after the connections open): the throughput is
    # counted from there, not from before the lead-in, which would shave ~6% off 1,500/s.
    began = t0 if rate else loop.time()
    tasks = []
    for i, shard in enumerate(shards):
        start_at = None
        if rate:
            # Delivery k of the whole run is due at t0 + k / rate; client i holds k = i, i+clients, ...
            start_at = [t0 + (i + n * clients) / rate for n in range(len(shard))]
        tasks.append(client(port, shard, latencies, statuses, start_at))
    await asyncio.gather(*tasks)
    return latencies, statuses, loop.time() - began


def run_client(coroutine: Coroutine[Any, Any, T], loop: str) -> T:
    """Run the load generator on ``loop``: uvloop's event loop costs it about half the CPU of asyncio's.

    The load generator shares the server's cores, so every microsecond it spends is taken from
    the server being measured (a real Salla sends from elsewhere).
    """
    if loop == "uvloop":
        import uvloop

        return uvloop.run(coroutine)
    return asyncio.run(coroutine)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def wait_healthy(base: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("server exited during start-up")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("server did not become healthy")


def count_processed(var_dir: Path, merchants: list[int]) -> int:
    """``settings_updated`` entries over the bench stores, read straight from the server's database."""
    from adapters.config import Config
    from adapters.storage import build_storage
    from pricing_core.activity import ActivityType
    from pricing_core.ports import scope_of

    uow_factory, _locks = build_storage(Config(var_dir=var_dir), migrate_schema=False)
    total = 0
    for merchant in merchants:
        with uow_factory(str(merchant)) as uow:
            entries = scope_of(uow).activity.list(activity_type=ActivityType.SETTINGS_UPDATED, limit=1_000_000)
            total += sum(1 for e in entries if e.metadata.get("applied") is True)
    engine = getattr(uow_factory, "engine", None)
    if engine is not None:
        engine.dispose()
    return total


def count_stores(var_dir: Path, merchants: list[int]) -> int:
    """How many of the bench stores the server's database knows (installed by ``app.installed``)."""
    from adapters.config import Config
    from adapters.storage import build_storage

    uow_factory, _locks = build_storage(Config(var_dir=var_dir), migrate_schema=False)
    try:
        with uow_factory() as uow:
            known = {s.store_id for s in uow.stores.list_all()}
    finally:
        engine = getattr(uow_factory, "engine", None)
        if engine is not None:
            engine.dispose()
    return len(known & {str(m) for m in merchants})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duplicates", type=int, default=500)
    parser.add_argument("--stores", type=int, default=10)
    parser.add_argument("--rate", type=float, default=None, help="pace the offered load (deliveries/s)")
    parser.add_argument("--p99-target-ms", type=float, default=50.0)
    parser.add_argument("--drain-timeout", type=float, default=240.0, help="seconds to wait for processing")
    parser.add_argument("--topology", choices=["embedded", "redis"], default="embedded")
    parser.add_argument("--workers", type=int, default=1, help="web processes (serve --workers; needs redis)")
    parser.add_argument("--worker-elsewhere", action="store_true",
                        help="redis topology: stop the worker while deliveries arrive and start it again to drain "
                             "them (a deployment's worker does not share the web processes' cores)")
    parser.add_argument("--worker-priority", choices=["normal", "low", "idle"], default="normal",
                        help="redis topology: the worker's `--cpu-priority` (low: nice 10; idle: SCHED_IDLE, "
                             "the cores only when the web processes and the load generator leave them idle)")
    parser.add_argument("--client-loop", dest="loop", choices=["uvloop", "asyncio"],
                        default="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
                        help="the load generator's event loop (default uvloop when installed)")
    args = parser.parse_args()
    if args.workers > 1 and args.topology != "redis":
        raise SystemExit("--workers > 1 needs --topology redis")
    if args.worker_elsewhere and args.topology != "redis":
        raise SystemExit("--worker-elsewhere needs --topology redis (the embedded worker is in the web process)")
    if args.deliveries > 7900:
        raise SystemExit("--deliveries must be at most 7900 (distinct margins 15.01..94.00)")

    workdir = Path(tempfile.mkdtemp(prefix="webhook-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PUBLIC_URL")}
    env.update({"SALLA_WEBHOOK_SECRET": SECRET, "ADMIN_API_TOKEN": ADMIN_TOKEN, "PYTHONUNBUFFERED": "1",
                "SESSION_SECRET": "bench-session-secret"})
    log = (workdir / "server.log").open("wb")
    helpers: list[subprocess.Popen[bytes]] = []
    if args.topology == "redis":
        redis_port = free_port()
        helpers.append(subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=log, stderr=subprocess.STDOUT,
        ))
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        time.sleep(0.5)

    def start_worker() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "worker", "--threads", "4",
             "--cpu-priority", args.worker_priority],
            cwd=workdir, env={**env, "LOG_LEVEL": "WARNING"}, stdout=log, stderr=subprocess.STDOUT,
        )

    if args.topology == "redis":
        helpers.append(start_worker())
    server = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port), "--log-level", "warning",
         "--workers", str(args.workers)],
        cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_healthy(base, server)
        merchants = [FIRST_MERCHANT + i for i in range(args.stores)]
        installs = [envelope("app.installed", m, {"id": 1, "app_name": "bench", "store_type": "demo"})
                    for m in merchants]
        run_client(send_all(port, installs, min(args.clients, len(installs)), None), args.loop)
        # Every store must exist before its first settings delivery is processed: one processed
        # first is ignored as for an unknown store (and counted as lost below).
        deadline = time.monotonic() + 60
        while count_stores(workdir / "var", merchants) < len(merchants):
            if time.monotonic() > deadline:
                print("MISSED: the stores were not installed within 60 s")
                return 1
            time.sleep(0.2)
        if args.worker_elsewhere:
            # The stores are installed; the worker leaves the machine's cores to the intake and
            # comes back to drain the queue once every delivery is acknowledged.
            helpers[-1].terminate()
            helpers[-1].wait(timeout=30)

        # Distinct margins 15.01, 15.02, ... (never the default 15), so every delivery really changes
        # its store's settings and logs exactly one entry.
        bodies = [
            envelope("app.settings.updated", merchants[i % args.stores],
                     {"id": 1, "app_name": "bench",
                      "settings": {"min_profit_margin": str(Decimal("15.01") + Decimal(i) / 100)}})
            for i in range(args.deliveries)
        ]
        latencies, statuses, elapsed = run_client(send_all(port, bodies, args.clients, args.rate), args.loop)
        _, dup_statuses, _ = run_client(send_all(port, bodies[: args.duplicates], min(args.clients, 50), None),
                                        args.loop)
        if args.worker_elsewhere:
            helpers.append(start_worker())

        drained_at = None
        processed = 0
        started = time.monotonic()
        while time.monotonic() - started < args.drain_timeout:
            processed = count_processed(workdir / "var", merchants)
            if processed >= args.deliveries:
                drained_at = time.monotonic() - started
                time.sleep(2.0)  # anything extra (a double processing) would show up now
                processed = count_processed(workdir / "var", merchants)
                break
            time.sleep(1.0)
    finally:
        for process in [server, *reversed(helpers)]:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()

    ms = [v * 1000 for v in latencies]
    p50, p95, p99, worst = percentile(ms, 50), percentile(ms, 95), percentile(ms, 99), max(ms)
    accepted = statuses.get("200 accepted", 0)
    duplicates_dropped = dup_statuses.get("200 duplicate", 0)
    acknowledged_again = dup_statuses.get("200 duplicate", 0) + dup_statuses.get("200 accepted", 0)
    if args.workers > 1 and acknowledged_again != args.duplicates:
        print(f"MISSED: re-sent deliveries not all acknowledged: {dup_statuses}")
        return 1
    mode = f"paced at {args.rate:g}/s" if args.rate else "closed loop"
    where = "; the worker stopped during the intake, draining after it" if args.worker_elsewhere else ""
    if args.worker_priority != "normal":
        where += f"; the worker at CPU priority {args.worker_priority}"
    print(f"webhook intake ({args.topology}, {args.workers} web process(es){where}): "
          f"{args.deliveries} signed deliveries, "
          f"{args.clients} concurrent clients, {mode}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}; "
          f"load generator on {args.loop}")
    print(f"acknowledged in {elapsed:.2f} s = {len(ms) / elapsed:.0f} deliveries/s")
    mean = statistics.mean(ms)
    print(f"ack latency ms: p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {worst:.1f}  mean {mean:.1f}")
    print(f"responses: {statuses}; re-sent duplicates: {dup_statuses}")
    drained = (f"{drained_at:.1f} s after the last acknowledgement" if drained_at is not None
               else "NOT drained")
    print(f"processed: {processed} of {args.deliveries} ({drained})")

    failures = []
    if p99 >= args.p99_target_ms:
        failures.append(f"p99 {p99:.1f} ms >= target {args.p99_target_ms:g} ms")
    if accepted != args.deliveries:
        failures.append(f"only {accepted} of {args.deliveries} acknowledged as accepted")
    if args.workers == 1 and duplicates_dropped != args.duplicates:
        failures.append(f"{duplicates_dropped} of {args.duplicates} re-sent deliveries reported as duplicates")
    if processed != args.deliveries:
        failures.append(f"processed {processed}, expected exactly {args.deliveries}")
    for failure in failures:
        print(f"MISSED: {failure}")
    if not failures:
        print("all targets met")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
