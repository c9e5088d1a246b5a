"""The web server's own floor: CPU per webhook-sized request with next to no application behind it.

``bench/webhook_intake.py`` measures the real intake; this measures what uvicorn (and Starlette)
cost before any of our code runs, so the two together say how much of a web process's CPU per
delivery is ours. Two apps on the same uvicorn (uvloop and httptools, as ``serve`` runs), each sent
5,000 signed-size deliveries paced at ``--rate`` from 200 keep-alive connections by the intake
bench's own load generator:

- ``raw``: a bare ASGI callable that reads the body and answers a fixed JSON body;
- ``starlette``: a Starlette route doing the same through ``Request`` and ``JSONResponse``.

Prints the server process's CPU per request (from ``/proc``, Linux) and the p99 latency.

    python bench/http_floor.py [--rate 1000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

sys.path.insert(0, str(Path(__file__).resolve().parent))
import webhook_intake  # the load generator and the request format

ANSWER = b'{"status":"accepted","message":"queued"}'


async def raw(scope: Scope, receive: Receive, send: Send) -> None:
    """Read the body, answer 200 with a fixed JSON body."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(ANSWER)).encode())]})
    await send({"type": "http.response.body", "body": ANSWER})


async def _handler(request: Request) -> Response:
    await request.body()
    return JSONResponse({"status": "accepted", "message": "queued"})


starlette = Starlette(routes=[Route("/webhooks/salla", _handler, methods=["POST"])])


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--deliveries", type=int, default=5000)
    args = parser.parse_args()
    bodies = [webhook_intake.envelope("app.settings.updated", 1, {"settings": {"min_profit_margin": str(i)}})
              for i in range(args.deliveries)]
    for app in ("raw", "starlette", "raw", "starlette"):
        port = webhook_intake.free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", f"http_floor:{app}", "--port", str(port), "--log-level", "warning",
             "--no-access-log", "--loop", "uvloop", "--http", "httptools"],
            cwd=Path(__file__).resolve().parent,
        )
        try:
            time.sleep(2.0)
            before = _cpu_seconds(server.pid)
            latencies, statuses, _ = webhook_intake.run_client(
                webhook_intake.send_all(port, bodies, 200, args.rate), "uvloop")
            used = _cpu_seconds(server.pid) - before
        finally:
            server.terminate()
            server.wait(timeout=30)
        ms = [v * 1000 for v in latencies]
        print(f"{app:<9} {used / len(bodies) * 1e6:5.0f} us CPU per request, "
              f"p99 {webhook_intake.percentile(ms, 99):.1f} ms, {statuses}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
