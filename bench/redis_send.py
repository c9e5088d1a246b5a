"""CPU of sending one webhook's Dramatiq message to Redis from an event loop, by client.

A web process acknowledges a delivery once its message is in Redis, so this send is paid once per
delivery. Each way below sends ``--messages`` ``ProcessWebhook`` messages one at a time (as under
light load, where a batch is one delivery) from uvloop, to a ``redis-server`` this script starts,
and prints the process's CPU per message (Redis's own CPU is another process's) and the wall time:

- ``build only``: the message and its script call built, nothing sent (the floor under every way);
- ``blocking, thread``: ``DramatiqQueue.dispatch_many`` from a thread, redis-py's blocking client
  (how the web process sent before ``dispatch_many_async``);
- ``ours``: ``DramatiqQueue.dispatch_many_async`` (``runners.redis_async``: hiredis on an
  ``asyncio.Protocol``);
- ``redis.asyncio``: redis-py's asyncio client, the same EVALSHA in a pipeline;
- ``coredis`` and ``valkey-glide``: the same EVALSHA, when installed (``pip install coredis
  valkey-glide``; neither is a dependency).

The rounds alternate the ways, and the median of ``--rounds`` is printed. Every way must leave
exactly its messages in Redis's queue (checked), so none is fast by not sending.

    python bench/redis_send.py [--messages 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import redis
import uvloop

from adapters.config import Config
from pricing_core.commands import ProcessWebhook
from runners.broker import DramatiqQueue, build_broker
from runners.redis_enqueue import _evalsha, _prepare

Way = Callable[[list[ProcessWebhook]], Awaitable[None]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _webhook(n: int) -> ProcessWebhook:
    # The size of a real delivery: Salla's product.updated carries the product (about 1.5 kB of JSON).
    return ProcessWebhook(event="product.updated", merchant_id=1_305_146_709, created_at="2026-03-01T12:00:00+03:00",
                          data={"id": 1_000_000 + n, "name": "منتج " * 20, "price": {"amount": 100, "currency": "SAR"},
                                "description": "x" * 1200}, delivery_id=uuid.uuid4().hex)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = _free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                redis.Redis(port=port).ping()
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        return uvloop.run(_run(port, args.messages, args.rounds))
    finally:
        server.terminate()
        server.wait(10)


async def _run(port: int, messages: int, rounds: int) -> int:
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=2.0)
    config = Config(dramatiq_namespace="bench-send")
    broker = build_broker(config, client)
    queue = DramatiqQueue(broker)
    queue.dispatch(_webhook(0))  # declares the queue and loads the script
    sha = broker.scripts["dispatch"].sha  # type: ignore[attr-defined]
    queue_key = "bench-send:webhooks"

    def build(commands: list[ProcessWebhook]) -> list[tuple[Any, ...]]:
        _, calls = _prepare(broker, [queue._message(c) for c in commands])
        return [_evalsha(sha, call) for call in calls]

    async def build_only(commands: list[ProcessWebhook]) -> None:
        build(commands)

    async def blocking(commands: list[ProcessWebhook]) -> None:
        await asyncio.to_thread(queue.dispatch_many, commands)

    async def ours(commands: list[ProcessWebhook]) -> None:
        await queue.dispatch_many_async(commands)

    import redis.asyncio as aredis

    aclient = aredis.Redis.from_url(url)

    async def redis_asyncio(commands: list[ProcessWebhook]) -> None:
        async with aclient.pipeline(transaction=False) as pipe:
            for call in build(commands):
                pipe.execute_command(*call)
            await pipe.execute()

    ways: dict[str, Way] = {"build only": build_only, "blocking, thread": blocking, "ours": ours,
                            "redis.asyncio": redis_asyncio}
    closers: list[Callable[[], Awaitable[Any]]] = [aclient.aclose]
    try:
        import coredis

        cclient = coredis.Redis(host="127.0.0.1", port=port)
        await cclient.__aenter__()
        closers.append(lambda: cclient.__aexit__(None, None, None))

        async def with_coredis(commands: list[ProcessWebhook]) -> None:
            for call in build(commands):
                await cclient.evalsha(call[1], keys=[call[3]], args=list(call[4:]))

        ways["coredis"] = with_coredis
    except ImportError:
        print("coredis: not installed, skipped")
    try:
        from glide import GlideClient, GlideClientConfiguration, NodeAddress

        gclient = await GlideClient.create(GlideClientConfiguration([NodeAddress("127.0.0.1", port)]))
        closers.append(gclient.close)

        async def with_glide(commands: list[ProcessWebhook]) -> None:
            for call in build(commands):
                await gclient.custom_command([x if isinstance(x, (bytes, str)) else str(int(x)) for x in call])

        ways["valkey-glide"] = with_glide
    except ImportError:
        print("valkey-glide: not installed, skipped")

    cpu: dict[str, list[float]] = {name: [] for name in ways}
    wall: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, way in ways.items():
            client.delete(queue_key, f"{queue_key}.msgs")
            commands = [_webhook(n) for n in range(messages)]
            c0, t0 = time.process_time(), time.perf_counter()
            for command in commands:
                await way([command])
            c1, t1 = time.process_time(), time.perf_counter()
            queued = int(client.llen(queue_key))
            expected = 0 if name == "build only" else messages
            if queued != expected:
                print(f"FAIL: {name} left {queued} messages in Redis, not {expected}")
                return 1
            cpu[name].append((c1 - c0) / messages * 1e6)
            wall[name].append((t1 - t0) / messages * 1e6)
    for close in closers:
        await close()
    print(f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"redis-py {redis.__version__}; load {os.getloadavg()[0]:.1f}")
    print(f"{messages} messages sent one at a time, median of {rounds} rounds (µs per message):")
    floor = statistics.median(cpu["build only"])
    for name in ways:
        c, w = statistics.median(cpu[name]), statistics.median(wall[name])
        above = "" if name == "build only" else f", {c - floor:5.0f} above building"
        print(f"  {name:17} CPU {c:5.0f}{above}, wall {w:5.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
