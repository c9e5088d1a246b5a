"""``rollback``: put back the prices a run replaced, where Salla still shows the run's (or list them: ``--dry-run``)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from entrypoints.cli import CommandError, load_runtime

if TYPE_CHECKING:
    from adapters.services import Services
    from pricing_core.rollback import RollbackReport


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``rollback``."""
    rollback = subparsers.add_parser(
        "rollback", help="restore the prices a run replaced (only where Salla still shows the run's price)")
    rollback.add_argument("store_id")
    rollback.add_argument("run_id")
    rollback.add_argument("--dry-run", action="store_true", help="list what would change; write nothing")
    rollback.add_argument("--json", action="store_true", help="print JSON")
    rollback.add_argument("--confirm-guard-breaks", action="store_true",
                          help="also restore previous prices that break a guard of today's settings")
    rollback.add_argument("--decision", action="append", default=None, metavar="DECISION_ID",
                          help="only this applied decision of the run (repeatable)")
    rollback.set_defaults(handler=_rollback)


def _services() -> Services:
    return load_runtime("cli").services


def _rollback(args: argparse.Namespace) -> int:
    from pricing_core.errors import DecisionNotFound, RunNotFound, SallaError, StoreBusy, StoreNotFound
    from pricing_core.usecases.rollback import rollback_run

    services = _services()
    try:
        report = rollback_run(services, args.store_id, args.run_id, decision_ids=args.decision,
                              dry_run=args.dry_run, confirm_guard_breaks=args.confirm_guard_breaks, by="cli",
                              threshold_hours=services.config.token_refresh_threshold_hours)
    except (StoreNotFound, RunNotFound, DecisionNotFound, StoreBusy) as exc:
        raise CommandError(str(exc)) from exc
    except SallaError as exc:
        raise CommandError(f"Salla: {exc}; nothing is lost, run the rollback again") from exc
    finally:
        services.close()
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        _print_table(report)
    return 0


def _print_table(report: RollbackReport) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    verb = "Dry run of the rollback" if report.dry_run else "Rollback"
    table = Table(title=f"{verb} of run {report.run_id} (store {report.store_id})")
    for column in ("product", "name", "in Salla", "run set", "before run", "outcome", "reason"):
        table.add_column(column, justify="right" if column in ("in Salla", "run set", "before run") else "left",
                         no_wrap=column == "product")
    for item in report.items:
        reason = "; ".join(item.guard_breaks) if item.guard_breaks else (item.reason or "")
        table.add_row(item.product_id, item.name, "" if item.current_price is None else str(item.current_price),
                      str(item.run_price), str(item.previous_price), item.outcome.value.replace("_", " "), reason)
    console.print(table)
    confirm = len(report.needs_confirmation)
    done = f"would restore {report.would_restore}" if report.dry_run else f"restored {report.restored}"
    console.print(f"{done}, left {len(report.left)}"
                  + (f" ({confirm} need --confirm-guard-breaks)" if confirm else "")
                  + f", restored before {report.already_restored}")
