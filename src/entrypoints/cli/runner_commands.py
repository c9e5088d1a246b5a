"""Runner commands: ``worker``, ``scheduler`` and ``sweep`` (tokens and stores: ``store_commands``)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from typing import TYPE_CHECKING

from entrypoints.cli import CommandError, load_config, load_runtime
from runners.cpu_priority import CPU_PRIORITIES, set_cpu_priority

if TYPE_CHECKING:
    from adapters.services import Services


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the runner commands."""
    worker = subparsers.add_parser("worker", help="run Dramatiq workers (needs REDIS_URL)")
    worker.add_argument("--processes", type=int, default=1, help="worker processes (default 1)")
    worker.add_argument("--threads", type=int, default=8, help="worker threads per process (default 8)")
    worker.add_argument("--queues", nargs="*", default=None,
                        help="only these queues (default: sweeps, events, default)")
    worker.add_argument("--metrics-port", type=int, default=None,
                        help="serve this process's Prometheus metrics on this port")
    worker.add_argument("--cpu-priority", choices=CPU_PRIORITIES, default="normal",
                        help="normal (default); low: nice 10; idle: SCHED_IDLE, only cores nothing else wants "
                             "(a host shared with the web processes: intake first, work after)")
    worker.set_defaults(handler=_worker)

    scheduler = subparsers.add_parser("scheduler", help="enqueue the periodic jobs on their cron schedules")
    scheduler.add_argument("--once", metavar="JOB", default=None,
                           help="enqueue one periodic job now and exit (an operator's request: no dedupe)")
    scheduler.set_defaults(handler=_scheduler)

    sweep = subparsers.add_parser("sweep", help="run one sweep of one store in the foreground")
    sweep.add_argument("store_id")
    sweep.add_argument("--run-type", default="manual", choices=["manual", "scheduled", "smart"])
    sweep.add_argument("--run-key", default=None, help="resume or repeat the run with this key")
    sweep.set_defaults(handler=_sweep)


# ---------------------------------------------------------------------------------------------
# helpers


def _services() -> Services:
    return load_runtime("cli").services


def _logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")


# ---------------------------------------------------------------------------------------------
# worker and scheduler


def _worker(args: argparse.Namespace) -> int:
    config = load_config()
    if not config.redis_url:
        raise CommandError("worker needs REDIS_URL (without it, `serve` runs an in-process worker)")
    if args.processes < 1 or args.threads < 1:
        raise CommandError("--processes and --threads must be at least 1")
    if args.processes > 1:
        return _worker_processes(args)
    _logging(config.log_level)
    import dramatiq

    # Before any thread starts: on Linux the scheduling policy is per thread and inherited.
    priority = set_cpu_priority(args.cpu_priority)

    from runners.recovery import recover_in_background

    runtime = load_runtime("worker")  # fails fast on a bad configuration, not on the first message
    broker = runtime.broker
    if args.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(args.metrics_port, addr="127.0.0.1")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    from runners.broker import worker_prefetch

    # Prefetch bounded: a survivor must not reserve a dead worker's requeued messages all at once.
    # (Delayed retries keep Dramatiq's default: each waits out its own backoff wherever it is held.)
    worker = dramatiq.Worker(broker, queues=set(args.queues) if args.queues else None,
                             worker_threads=args.threads, worker_timeout=1000)
    # Dramatiq 2 reads it from its environment only (default: two per thread); set before start().
    worker.queue_prefetch = worker_prefetch(runtime.config, args.threads)
    worker.start()
    logging.getLogger("salla_optimizer.worker").info("worker %d started with %d threads, CPU priority %s",
                                                     os.getpid(), args.threads, priority)
    # Work a stopped process left in flight (its messages may be gone): see docs/operations.md.
    recover_in_background(runtime.services)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        worker.stop(timeout=30_000)
        runtime.close()
    return 0


def _worker_processes(args: argparse.Namespace) -> int:
    """Run ``--processes`` single-process workers as children and wait for them (signals are forwarded)."""
    command = [sys.executable, "-m", "entrypoints.cli", "worker", "--processes", "1", "--threads", str(args.threads),
               "--cpu-priority", args.cpu_priority]
    if args.queues:
        command += ["--queues", *args.queues]
    children = []
    for index in range(args.processes):
        extra = ["--metrics-port", str(args.metrics_port + index)] if args.metrics_port else []
        children.append(subprocess.Popen(command + extra))

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, forward)
    return max(child.wait() for child in children)


def _scheduler(args: argparse.Namespace) -> int:
    config = load_config()
    if not config.redis_url:
        raise CommandError("scheduler needs REDIS_URL: its messages must reach worker processes")
    _logging(config.log_level)
    from runners.scheduler import command_for

    runtime = load_runtime("scheduler")
    services = runtime.services
    periodic = runtime.scheduler()
    if args.once:
        if args.once not in periodic.triggers:
            raise CommandError(f"unknown job {args.once!r}; one of {sorted(periodic.triggers)}")
        services.queue.dispatch(command_for(args.once))
        print(f"enqueued {args.once}")
        return 0
    from runners.recovery import recover_in_background

    recover_in_background(services)
    scheduler = periodic.build()
    for job in scheduler.get_jobs():
        logging.getLogger("salla_optimizer.scheduler").info("job %s: %s", job.id, job.trigger)
    # SIGTERM (a deployment stopping us) ends the loop like Ctrl-C; nothing is half-enqueued.
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
    runtime.close()
    return 0


# ---------------------------------------------------------------------------------------------
# sweep


def _sweep(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from pricing_core.errors import StoreNotFound
    from pricing_core.runs import RunType
    from pricing_core.usecases.optimize_store import optimize_store

    services = _services()
    console = Console()
    try:
        with Progress(TextColumn("[bold]store {task.fields[store]}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console) as progress:
            task = progress.add_task("sweep", total=None, store=args.store_id)

            def advance(done: int, total: int | None) -> None:
                progress.update(task, completed=done, total=total)

            result = optimize_store(services, args.store_id, run_type=RunType(args.run_type), run_key=args.run_key,
                                    threshold_hours=services.config.token_refresh_threshold_hours, progress=advance)
    except StoreNotFound as exc:
        raise CommandError(str(exc)) from exc
    finally:
        services.close()
    run = result.run
    if run is None:
        raise CommandError(f"sweep skipped: {result.skipped_reason}")
    console.print(
        f"run {run.id} {run.status.value}: {run.products_analyzed} analyzed, {run.products_updated} updated, "
        f"{run.products_queued} queued for approval, {run.products_skipped} skipped"
        + (f" in {run.duration_seconds:.1f}s" if run.duration_seconds is not None else "")
    )
    if not result.ok:
        raise CommandError(f"sweep failed: {run.error}")
    return 0


__all__ = ["register"]
