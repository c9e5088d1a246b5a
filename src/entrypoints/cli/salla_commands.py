"""``salla-optimizer fake-salla``: run the fake Salla alone on a port."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``fake-salla`` command."""
    parser = subparsers.add_parser(
        "fake-salla",
        help="run the fake Salla (OAuth + Merchant API + webhooks) with uvicorn",
        description=(
            "Serve the fake Salla on one origin: accounts under /oauth2, the Merchant API under "
            "/admin/v2, inspection under /_fake. Point SALLA_ACCOUNTS_URL at http://HOST:PORT and "
            "SALLA_API_URL at http://HOST:PORT/admin/v2."
        ),
    )
    parser.add_argument("--port", type=int, required=True, help="TCP port to listen on")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--expose", action="store_true",
                        help="allow a non-loopback --host (the fake's /_fake control API hands out every "
                             "sandbox store's tokens: only on a network you trust)")
    parser.add_argument("--client-id", default=None, help="OAuth client id (sandbox default when absent)")
    parser.add_argument("--client-secret", default=None, help="OAuth client secret (sandbox default when absent)")
    parser.add_argument("--webhook-url", default=None, help="where to deliver app and product events")
    parser.add_argument("--webhook-secret", default=None, help="webhook signing secret (or token)")
    parser.add_argument(
        "--webhook-strategy", choices=("signature", "token", "none"), default="signature",
        help="how deliveries are authenticated (default: signature)",
    )
    parser.add_argument(
        "--portal-event", action="append", default=[], metavar="EVENT",
        help="a store event the app subscribed in the Partner Portal, sent to --webhook-url for every "
             "installed store (repeatable); other store events need POST /admin/v2/webhooks/subscribe",
    )
    parser.add_argument("--strict-webhook-urls", action="store_true",
                        help="refuse localhost/127.*/test. webhook URLs with 422, as Salla does")
    parser.add_argument("--seed", type=int, default=7, help="seed of the sandbox catalogs (default 7)")
    parser.add_argument("--time-scale", type=float, default=1.0, help="run the fake's clock N times faster")
    parser.set_defaults(handler=run_fake_salla)


def run_fake_salla(args: argparse.Namespace) -> int:
    """Build the fake from the arguments and serve it until interrupted."""
    import uvicorn

    from adapters.fake_salla import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, create_fake_salla
    from entrypoints.cli import CommandError
    from entrypoints.cli.web_commands import is_loopback

    if not args.expose and not is_loopback(args.host):
        raise CommandError(
            f"refusing to serve the fake Salla on {args.host or 'every interface'}: its control API hands out "
            "every sandbox store's tokens; use --host 127.0.0.1, or pass --expose on a network you trust"
        )
    if args.webhook_url and not args.webhook_secret and args.webhook_strategy != "none":
        raise CommandError("--webhook-url needs --webhook-secret (or --webhook-strategy none)")
    try:
        fake = create_fake_salla(
            seed=args.seed,
            client_id=args.client_id or SANDBOX_CLIENT_ID,
            client_secret=args.client_secret or SANDBOX_CLIENT_SECRET,
            webhook_url=args.webhook_url,
            webhook_secret=args.webhook_secret,
            webhook_strategy=args.webhook_strategy,
            time_scale=args.time_scale,
            portal_events=tuple(args.portal_event),
            strict_webhook_urls=args.strict_webhook_urls,
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    origin = f"http://{args.host}:{args.port}"
    print(f"fake Salla on {origin}  (SALLA_ACCOUNTS_URL={origin}  SALLA_API_URL={origin}/admin/v2)")
    print(f"client id {fake.client_id}")
    for store in fake.sandbox_stores():
        print(f"  merchant {store.merchant_id}  {store.plan:<8} {store.products:>5} products  {store.name}")
    try:
        uvicorn.run(fake.app, host=args.host, port=args.port, log_level="warning")
    finally:
        fake.close()
    return 0
