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
import ipaddress
import logging
import os
import secrets
import sys
from typing import TYPE_CHECKING

from entrypoints.cli import CommandError

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from adapters.config import Config


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` command."""
    serve = subparsers.add_parser(
        "serve", help="run the web app (with no configuration: everything in one process, Salla sandbox included)"
    )
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"), help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")), help="port (default 8000)")
    serve.add_argument("--expose-sandbox", action="store_true",
                       help="allow the Salla sandbox on a non-loopback --host (its control API hands out "
                            "every sandbox store's tokens: only on a network you trust)")
    serve.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "info").lower(),
                       choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(handler=_serve)


def effective_config(env: dict[str, str], host: str, port: int) -> tuple[Config, list[str]]:
    """The configuration to serve with, and notes for the operator about generated values."""
    import attrs

    from adapters.config import Config

    config = Config.from_env(env)
    notes: list[str] = []
    if "PUBLIC_URL" not in env:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        config = attrs.evolve(config, public_url=f"http://{shown}:{port}")
    if config.admin_api_token is None:
        token = secrets.token_urlsafe(24)
        config = attrs.evolve(config, admin_api_token=token)
        notes.append(f"ADMIN_API_TOKEN not set; this run's admin token: {token}")
    if config.salla_webhook_secret is None and config.uses_sandbox:
        # The sandbox signs its webhooks with the same secret the endpoint verifies.
        config = attrs.evolve(config, salla_webhook_secret=secrets.token_urlsafe(24))
        notes.append("SALLA_WEBHOOK_SECRET not set; the sandbox and the endpoint share a generated one")
    if config.session_secret is None:
        config = attrs.evolve(config, session_secret=secrets.token_urlsafe(32))
        notes.append("SESSION_SECRET not set; sessions end when this process stops")
    return config, notes


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
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpx2", "apscheduler"):  # one line per Salla request drowns the rest
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    if not 0 < args.port < 65536:
        raise CommandError(f"--port must be 1..65535, got {args.port}")
    config, notes = effective_config(dict(os.environ), args.host, args.port)
    if config.uses_sandbox and not args.expose_sandbox and not is_loopback(args.host):
        raise CommandError(
            f"refusing to serve the Salla sandbox on {args.host or 'every interface'}: its control API hands out "
            "every sandbox store's tokens; use --host 127.0.0.1, configure real Salla credentials, "
            "or pass --expose-sandbox on a network you trust"
        )
    try:
        app = build_embedded_app(config)
    except CommandError:
        raise
    except Exception as exc:
        raise CommandError(f"cannot start: {type(exc).__name__}: {exc}") from exc

    import uvicorn

    # The in-process worker threads run CPU-heavy sweeps beside the event loop; a short GIL
    # switch interval lets the loop take the GIL back within a millisecond instead of five, which
    # is what keeps webhook acknowledgements fast while a sweep or a backlog is being processed.
    sys.setswitchinterval(float(os.environ.get("GIL_SWITCH_INTERVAL", "0.001")))
    for note in notes:
        print(note, file=sys.stderr)
    mode = "embedded default (sandbox)" if config.uses_sandbox else "Salla"
    print(f"Salla Price Optimizer on {config.public_url} — {mode}", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0


def build_embedded_app(config: Config) -> Starlette:
    """The app with its services, queue and background work built from ``config``."""
    from adapters.wiring import build_sandbox, build_services
    from entrypoints.web.app import create_app
    from entrypoints.web.runtime import build_runtime

    overrides: dict[str, object] = {}
    if config.uses_sandbox:
        config.var_dir.mkdir(parents=True, exist_ok=True)
        # The sandbox calls our webhook like Salla does (product.price.updated after a bulk price
        # update), signed with the secret the endpoint verifies.
        overrides["fake_salla"] = build_sandbox(
            config,
            webhook_url=config.public_url.rstrip("/") + "/webhooks/salla",
            webhook_secret=config.salla_webhook_secret,
        )
    services = build_services(config, **overrides)
    queue, background = build_runtime(services)
    return create_app(config, services=services, queue=queue, background=background)


__all__ = ["build_embedded_app", "effective_config", "is_loopback", "register"]
