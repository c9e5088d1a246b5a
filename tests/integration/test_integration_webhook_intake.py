"""Webhook intake in the scale-out shape: ``serve`` with Redis acknowledges, a ``worker`` process consumes.

Many signed deliveries arrive at once from concurrent connections, so the web process sends them to
Redis in batches (``DispatchBatcher`` and the pipelined enqueue); each must be acknowledged and
processed exactly once, and a repeat answered as a duplicate and not processed again. Processing is
counted from the database the worker wrote: each delivery carries a distinct margin and logs one
``settings_updated`` entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from adapters.config import Config
from adapters.storage import build_storage
from pricing_core.activity import ActivityType
from pricing_core.ports import scope_of
from support.runners import ServeProcess, WorkerProcess, wait_until
from support.servers import RedisServer, free_port

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.timeout(240)]

SECRET = "intake-webhook-secret"
MERCHANTS = [4_100_000_001, 4_100_000_002, 4_100_000_003]
DELIVERIES = 300
CLIENTS = 60


def _signed(event: str, merchant: int, data: dict[str, object]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"event": event, "merchant": merchant, "created_at": "2026-03-01 12:00:00",
                       "data": data}).encode()
    return body, {"Content-Type": "application/json", "X-Salla-Security-Strategy": "Signature",
                  "X-Salla-Signature": hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()}


async def _send_all(base: str, deliveries: list[tuple[bytes, dict[str, str]]]) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    queue: asyncio.Queue[tuple[bytes, dict[str, str]]] = asyncio.Queue()
    for delivery in deliveries:
        queue.put_nowait(delivery)

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            body, headers = queue.get_nowait()
            response = await http.post(f"{base}/webhooks/salla", content=body, headers=headers)
            outcomes[f"{response.status_code} {response.json()['status']}"] += 1

    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=CLIENTS)) as http:
        await asyncio.gather(*(client(http) for _ in range(CLIENTS)))
    return outcomes


def _processed(var_dir: Path) -> int:
    uow_factory, _ = build_storage(Config(var_dir=var_dir), migrate_schema=False)
    try:
        total = 0
        for merchant in MERCHANTS:
            with uow_factory(str(merchant)) as uow:
                entries = scope_of(uow).activity.list(activity_type=ActivityType.SETTINGS_UPDATED, limit=10_000)
                total += sum(1 for e in entries if e.metadata.get("applied") is True)
        return total
    finally:
        uow_factory.engine.dispose()


@pytest.fixture(params=["normal", "idle"])
def scale_out(request: pytest.FixtureRequest, tmp_path: Path, redis_url: str) -> Iterator[tuple[ServeProcess, Path]]:
    """The scale-out shape, its worker at each ``--cpu-priority`` a deployment uses (``idle``: one host)."""
    with _scale_out(tmp_path, redis_url, worker_priority=request.param) as started:
        yield started


@contextlib.contextmanager
def _scale_out(tmp_path: Path, redis_url: str, *, worker_priority: str = "normal") -> Iterator[
        tuple[ServeProcess, Path]]:
    """``serve`` and a ``worker`` on ``redis_url``, sharing SQLite under ``tmp_path/var``.

    With ``worker_priority="idle"`` every thread of the worker is checked to run under ``SCHED_IDLE``
    once it serves (the policy is per thread on Linux: one started before it was set would not be).
    """
    port = free_port()
    env: dict[str, str | None] = {
        "REDIS_URL": redis_url, "DRAMATIQ_NAMESPACE": f"intake-{uuid.uuid4().hex}",
        "SALLA_WEBHOOK_SECRET": SECRET, "SALLA_OPTIMIZER_VAR_DIR": str(tmp_path / "var"),
        "PUBLIC_URL": f"http://127.0.0.1:{port}", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
        **dict.fromkeys(("DATABASE_URL", "SALLA_CLIENT_ID", "SALLA_CLIENT_SECRET", "SALLA_API_URL")),
    }
    server = ServeProcess(tmp_path, env, port, log_path=tmp_path / "serve.log").start()
    worker = WorkerProcess({k: v for k, v in server.env.items()}, threads=4, cpu_priority=worker_priority,
                           log_path=tmp_path / "worker.log").start()
    try:
        if worker_priority == "idle":
            # Its 4 worker threads and the consumers' have started (the main thread is one more).
            wait_until(lambda: len(_policies(worker.pid)) > 5, timeout=60, what="the worker's threads")
            assert set(_policies(worker.pid)) == {os.SCHED_IDLE}
        yield server, tmp_path / "var"
    finally:
        server.stop()
        worker.stop()


def test_a_burst_of_deliveries_is_acknowledged_and_processed_exactly_once(
    scale_out: tuple[ServeProcess, Path],
) -> None:
    server, var_dir = scale_out
    installs = [_signed("app.installed", m, {"id": 1, "app_name": "intake", "store_type": "demo"})
                for m in MERCHANTS]
    assert asyncio.run(_send_all(server.base, installs)) == Counter({"200 accepted": len(MERCHANTS)})
    wait_until(lambda: _processed(var_dir) == 0 and _stores_known(var_dir), timeout=60, what="the installs")

    deliveries = [
        _signed("app.settings.updated", MERCHANTS[i % len(MERCHANTS)],
                {"id": 1, "app_name": "intake",
                 "settings": {"min_profit_margin": str(Decimal("15.01") + Decimal(i) / 100)}})
        for i in range(DELIVERIES)
    ]
    assert asyncio.run(_send_all(server.base, deliveries)) == Counter({"200 accepted": DELIVERIES})
    # Sent in batches: fewer queue round trips than deliveries (``DispatchBatcher``).
    metrics = httpx.get(f"{server.base}/metrics", timeout=10).text
    sent, batches = _metric(metrics, "salla_optimizer_webhook_send_batch_size_sum"), _metric(
        metrics, "salla_optimizer_webhook_send_batch_size_count")
    assert sent == DELIVERIES + len(MERCHANTS) and batches < sent
    assert asyncio.run(_send_all(server.base, deliveries[:30])) == Counter({"200 duplicate": 30})

    wait_until(lambda: _processed(var_dir) >= DELIVERIES, timeout=120, what="every delivery processed")
    asyncio.run(asyncio.sleep(2))  # a delivery processed twice would show up now
    assert _processed(var_dir) == DELIVERIES


def _policies(pid: int) -> list[int]:
    """The scheduling policy of each of a process's threads (Linux: ``/proc/PID/task``)."""
    policies = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(ProcessLookupError):  # a thread that just ended
            policies.append(os.sched_getscheduler(int(tid)))
    return policies


def _settings_deliveries(count: int) -> list[tuple[bytes, dict[str, str]]]:
    """``count`` deliveries, each a distinct margin for one of the stores (each logs one entry)."""
    return [
        _signed("app.settings.updated", MERCHANTS[i % len(MERCHANTS)],
                {"id": 1, "app_name": "intake",
                 "settings": {"min_profit_margin": str(Decimal("15.01") + Decimal(i) / 100)}})
        for i in range(count)
    ]


def test_while_redis_is_down_deliveries_get_503_and_are_taken_once_it_is_back(tmp_path: Path) -> None:
    """The web process's own Redis connection breaks with Redis; nothing is acknowledged that is not
    queued, and the next send after the restart (a new connection, the scripts loaded again) works."""
    redis_server = RedisServer().start()
    try:
        with _scale_out(tmp_path, redis_server.url) as (server, var_dir):
            installs = [_signed("app.installed", m, {"id": 1, "app_name": "intake", "store_type": "demo"})
                        for m in MERCHANTS]
            assert asyncio.run(_send_all(server.base, installs)) == Counter({"200 accepted": len(MERCHANTS)})
            wait_until(lambda: _stores_known(var_dir), timeout=60, what="the installs")
            deliveries = _settings_deliveries(25)
            assert asyncio.run(_send_all(server.base, deliveries[:20])) == Counter({"200 accepted": 20})
            wait_until(lambda: _processed(var_dir) >= 20, timeout=60, what="the first 20 processed")

            redis_server.stop()
            assert asyncio.run(_send_all(server.base, deliveries[20:])) == Counter({"503 unavailable": 5})
            redis_server.start()  # empty: no persistence, the dispatch script is gone too
            # Salla delivers the refused ones again: they were never acknowledged, so not "duplicate".
            assert asyncio.run(_send_all(server.base, deliveries[20:])) == Counter({"200 accepted": 5})
            wait_until(lambda: _processed(var_dir) >= 25, timeout=90, what="the 5 processed after the restart")
            asyncio.run(asyncio.sleep(2))
            assert _processed(var_dir) == 25
    finally:
        redis_server.stop()


def _metric(text: str, name: str) -> float:
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))


def _stores_known(var_dir: Path) -> bool:
    uow_factory, _ = build_storage(Config(var_dir=var_dir), migrate_schema=False)
    try:
        with uow_factory() as uow:
            return {s.store_id for s in uow.stores.list_all()} >= {str(m) for m in MERCHANTS}
    finally:
        uow_factory.engine.dispose()
