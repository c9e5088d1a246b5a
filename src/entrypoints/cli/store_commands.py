"""Store commands: ``tokens status|refresh`` and ``stores list``."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from entrypoints.cli import CommandError, load_runtime

if TYPE_CHECKING:
    from adapters.services import Services


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the token and store commands."""
    tokens = subparsers.add_parser("tokens", help="token status and refresh")
    tokens_sub = tokens.add_subparsers(dest="tokens_command", metavar="ACTION")
    status = tokens_sub.add_parser("status", help="system-wide token summary and per-store health")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.add_argument("--threshold-hours", type=float, default=None,
                        help="'expires soon' window (default TOKEN_REFRESH_THRESHOLD_HOURS, 24)")
    status.set_defaults(handler=_tokens_status)
    refresh = tokens_sub.add_parser("refresh", help="refresh tokens expiring soon (or one store's)")
    refresh.add_argument("--store", default=None, help="only this store")
    refresh.add_argument("--force", action="store_true", help="refresh even if not expiring soon (with --store)")
    refresh.add_argument("--threshold-hours", type=float, default=None)
    refresh.set_defaults(handler=_tokens_refresh)
    tokens.set_defaults(handler=_help(tokens))

    stores = subparsers.add_parser("stores", help="list installed stores")
    stores_sub = stores.add_subparsers(dest="stores_command", metavar="ACTION")
    listing = stores_sub.add_parser("list", help="every store with its mode, state and last run")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_stores_list)
    stores.set_defaults(handler=_help(stores))


# ---------------------------------------------------------------------------------------------
# helpers


def _help(parser: argparse.ArgumentParser) -> Any:
    """A handler that prints ``parser``'s help (a command group called without its action)."""
    def handler(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2
    return handler


def _services() -> Services:
    return load_runtime("cli").services


def _threshold(args: argparse.Namespace, services: Services) -> float:
    value = getattr(args, "threshold_hours", None)
    return float(value if value is not None else services.config.token_refresh_threshold_hours)


# ---------------------------------------------------------------------------------------------
# tokens and stores


def _tokens_status(args: argparse.Namespace) -> int:
    from datetime import UTC

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from pricing_core.store_events import STORE_EVENTS
    from pricing_core.usecases.token_status import summarize_token_status

    services = _services()
    try:
        report = summarize_token_status(services.uow_factory, services.clock.now(),
                                        threshold_hours=_threshold(args, services))
    finally:
        services.close()
    missing_events = [r.store.store_id for r in report.missing_store_events]
    if args.json:
        print(json.dumps({"summary": report.summary.as_dict(), "stores": [r.as_dict() for r in report.stores],
                          "stores_missing_store_events": missing_events},
                         indent=2, ensure_ascii=False))
        return 0
    console = Console()
    summary = Table(title="Token status", show_header=False)
    for key, value in report.summary.as_dict().items():
        summary.add_row(key.replace("_", " "), str(value))
    console.print(summary)
    table = Table(title="Per-store token health")
    # Eight columns fit 80 characters only if short: "active" lives in the reason ("inactive: ...").
    for column in ("store", "name", "ok", "reason", "h left", "expires at", "store events"):
        # Ids and times are read whole (they are typed into other commands): never cut to "…".
        table.add_column(column + (" (UTC)" if column == "expires at" else ""),
                         no_wrap=column in ("store", "expires at"))
    for row in report.stores:
        health = row.health
        gap = row.store_events_gap
        if gap is not None:
            events = f"[red]{escape(gap)}[/]"
        elif row.store.is_active and row.subscription is not None:
            subscribed = row.subscription.subscribed
            # Every event we need: say so briefly (the list is long since the order events joined it).
            shown = f"all {len(subscribed)}" if set(subscribed) >= set(STORE_EVENTS) else ", ".join(subscribed)
            events = f"[green]{escape(shown)}[/]"
        else:
            events = "-"
        table.add_row(
            row.store.store_id, row.store.store_name,
            "[green]yes[/]" if health.healthy else "[red]no[/]",
            health.reason if row.store.is_active else f"inactive: {row.store.deactivation_reason or '-'}",
            "-" if health.hours_until_expiry is None else f"{health.hours_until_expiry:.1f}",
            row.expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if row.expires_at else "-",
            events,
        )
    console.print(table)
    if missing_events:
        console.print(f"[red]Stores without a store-event subscription:[/] {', '.join(missing_events)} "
                      "(product.price.updated never reaches them; see docs/salla-integration.md)")
    return 0


def _tokens_refresh(args: argparse.Namespace) -> int:
    from pricing_core.errors import StoreNotFound
    from pricing_core.tokens import RefreshOutcome
    from pricing_core.usecases.refresh_tokens import refresh_expiring_tokens, refresh_store_tokens

    services = _services()
    threshold = _threshold(args, services)
    try:
        if args.store:
            try:
                results = [refresh_store_tokens(services, args.store, force=args.force, threshold_hours=threshold,
                                                trigger="manual")]
            except StoreNotFound as exc:
                raise CommandError(str(exc)) from exc
        else:
            results = list(refresh_expiring_tokens(services, threshold_hours=threshold).results)
    finally:
        services.close()
    for result in results:
        line = f"store {result.store_id}: {result.outcome.value}"
        print(line + (f" ({result.error})" if result.error else ""))
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome.value] = counts.get(result.outcome.value, 0) + 1
    print(f"{len(results)} store(s): " + (", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "none due"))
    return 1 if any(r.outcome is RefreshOutcome.TRANSIENT for r in results) else 0


def _stores_list(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from pricing_core.ports import scope_of

    services = _services()
    rows: list[dict[str, Any]] = []
    try:
        with services.uow_factory() as uow:
            stores = uow.stores.list_all()
        for store in stores:
            with services.uow_factory(store.store_id) as uow:
                scope = scope_of(uow)
                settings = scope.settings.get()
                recent = scope.runs.recent(1)
            last = recent[0] if recent else None
            rows.append({
                "store_id": store.store_id, "store_name": store.store_name, "plan": store.plan,
                "is_active": store.is_active, "automation_mode": settings.automation_mode.value,
                "update_frequency_hours": settings.update_frequency_hours,
                "last_run_at": last.started_at.isoformat() if last else None,
                "last_run_status": last.status.value if last else None,
                "deactivation_reason": store.deactivation_reason,
            })
    finally:
        services.close()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    table = Table(title=f"{len(rows)} store(s)")
    for column in ("store", "name", "plan", "active", "mode", "every", "last run", "status"):
        table.add_column(column, no_wrap=column in ("store", "mode"))
    for row in rows:
        table.add_row(row["store_id"], row["store_name"], row["plan"],
                      "yes" if row["is_active"] else f"no ({row['deactivation_reason'] or '-'})",
                      row["automation_mode"], f"{row['update_frequency_hours']}h",
                      (row["last_run_at"] or "-")[:16], row["last_run_status"] or "-")
    Console().print(table)
    return 0


__all__ = ["register"]
