"""``salla-optimizer serve``: the web app under uvicorn, and the whole embedded default in one process.

With no configuration: SQLite under ``./var`` (migrated at start), the in-process broker,
worker and scheduler, and the fake Salla sandbox mounted at ``/sandbox`` with its demo stores.
``ADMIN_API_TOKEN``, ``SALLA_WEBHOOK_SECRET``, ``SESSION_SECRET`` and ``PUBLIC_URL`` are
honoured; when the first two are unset, one-off random values are generated and printed so the
admin API, the operator view and the webhook endpoint can still be exercised. The sandbox is
served on loopback only unless ``--expose-sandbox`` says otherwise: its control API hands out any
sandbox store's tokens.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import logging
import os
import secrets
import signal
import socket
import sys
from typing import TYPE_CHECKING

from entrypoints.cli import CommandError, load_config

if TYPE_CHECKING:
    from adapters.config import Config


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` command."""
    serve = subparsers.add_parser(
        "serve", help="run the web app (with no configuration: everything in one process, Salla sandbox included)"
    )
    serve.add_argument("--host", default=None, help="bind address (default HOST, else 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default PORT, else 8000)")
    serve.add_argument("--log-level", default=None, choices=["critical", "error", "warning", "info", "debug"],
                       help="default LOG_LEVEL, else info")
    serve.add_argument("--workers", type=int, default=1,
                       help="web processes sharing the port (needs REDIS_URL and SESSION_SECRET; default 1)")
    serve.add_argument("--expose-sandbox", action="store_true",
                       help="allow the Salla sandbox on a non-loopback --host (its control API hands out "
                            "every sandbox store's tokens: only on a network you trust)")
    serve.set_defaults(handler=_serve)


def effective_config(config: Config, host: str, port: int) -> tuple[Config, list[str]]:
    """The configuration to serve with, and notes for the operator about generated values."""
    notes: list[str] = []
    changes: dict[str, object] = {"host": host, "port": port}
    if "public_url" not in config.model_fields_set:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        changes["public_url"] = f"http://{shown}:{port}"
    if config.admin_api_token is None:
        token = secrets.token_urlsafe(24)
        changes["admin_api_token"] = token
        notes.append(f"ADMIN_API_TOKEN not set; this run's admin token: {token}")
    if config.salla_webhook_secret is None and config.uses_sandbox:
        # The sandbox signs its webhooks with the same secret the endpoint verifies.
        changes["salla_webhook_secret"] = secrets.token_urlsafe(24)
        notes.append("SALLA_WEBHOOK_SECRET not set; the sandbox and the endpoint share a generated one")
    if config.session_secret is None:
        changes["session_secret"] = secrets.token_urlsafe(32)
        notes.append("SESSION_SECRET not set; sessions end when this process stops")
    return config.evolve(**changes), notes


def is_loopback(host: str) -> bool:
    """True when ``host`` binds to this machine only: ``localhost`` or a loopback address (127.0.0.0/8, ::1).

    Any other name counts as reachable from outside: it may resolve to a public address.
    """
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _serve(args: argparse.Namespace) -> int:
    config = load_config()
    host = args.host if args.host is not None else config.host
    port = args.port if args.port is not None else config.port
    log_level = args.log_level or config.log_level
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpx2", "apscheduler"):  # one line per Salla request drowns the rest
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    if not 0 < port < 65536:
        raise CommandError(f"--port must be 1..65535, got {port}")
    if args.workers < 1:
        raise CommandError("--workers must be at least 1")
    if args.workers > 1:
        # Every web process must reach the same queue and honour the same sessions.
        if not config.redis_url:
            raise CommandError("--workers > 1 needs REDIS_URL (the in-process broker lives in one process)")
        if not config.session_secret:
            raise CommandError("--workers > 1 needs SESSION_SECRET (every web process must sign sessions alike)")
    config, notes = effective_config(config, host, port)
    if config.uses_sandbox and not args.expose_sandbox and not is_loopback(host):
        raise CommandError(
            f"refusing to serve the Salla sandbox on {host or 'every interface'}: its control API hands out "
            "every sandbox store's tokens; use --host 127.0.0.1, configure real Salla credentials, "
            "or pass --expose-sandbox on a network you trust"
        )
    for note in notes:
        print(note, file=sys.stderr)
    mode = "embedded default (sandbox)" if config.uses_sandbox else "Salla"
    print(f"Salla Price Optimizer on {config.public_url} — {mode}"
          + (f", {args.workers} web processes" if args.workers > 1 else ""), file=sys.stderr)
    if args.workers == 1:
        return _serve_one(config, log_level)
    return _serve_many(config, log_level, args.workers)


def _serve_one(config: Config, log_level: str, sockets: list[socket.socket] | None = None) -> int:
    """One web process: bootstrap, the app, uvicorn (on ``sockets`` when a parent bound them)."""
    # Imported here, not at the top: ``salla-optimizer --help`` must not pay for the whole service.
    import uvicorn

    from bootstrap import ProcessKind, bootstrap
    from entrypoints.web.app import create_app

    try:
        runtime = bootstrap(config, ProcessKind.SERVE)
        app = create_app(runtime.services, background=runtime.background)
    except Exception as exc:
        raise CommandError(f"cannot start: {type(exc).__name__}: {exc}") from exc
    # The in-process worker threads run CPU-heavy sweeps beside the event loop; a short GIL
    # switch interval lets the loop take the GIL back within a millisecond instead of five, which
    # is what keeps webhook acknowledgements fast while a sweep or a backlog is being processed.
    sys.setswitchinterval(config.gil_switch_interval)
    server = uvicorn.Server(uvicorn.Config(app, host=config.host, port=config.port, log_level=log_level,
                                           access_log=False))
    try:
        server.run(sockets=sockets)
    finally:
        runtime.close()
    return 0


def _serve_many(config: Config, log_level: str, workers: int) -> int:
    """``workers`` web processes forked from this one, sharing one listening socket.

    Forked before anything is built (no threads, no connections yet), so each child builds its
    own runtime through the bootstrap from the very same effective ``Config`` (generated secrets
    included). The parent only waits and forwards SIGTERM/SIGINT; a child that dies is reported.
    """
    listener = socket.socket(socket.AF_INET6 if ":" in config.host else socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((config.host, config.port))
    listener.listen(2048)
    listener.set_inheritable(True)
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # the child: serve until told to stop, never return into the parent's code
            code = 1
            try:
                code = _serve_one(config, log_level, sockets=[listener])
            finally:
                os._exit(code)
        children.append(pid)

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, forward)
    status = 0
    for child in children:
        _, code = os.waitpid(child, 0)
        status = max(status, os.waitstatus_to_exitcode(code) if code else 0)
    listener.close()
    return status


__all__ = ["effective_config", "is_loopback", "register"]
