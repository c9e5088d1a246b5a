"""Trust commands: ``backtest`` (price stored runs again under other settings) and ``sync-orders``."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from entrypoints.cli import CommandError, load_runtime

if TYPE_CHECKING:
    from adapters.services import Services


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``backtest`` and ``sync-orders``."""
    backtest = subparsers.add_parser(
        "backtest", help="price a store's stored runs again under other settings (touches nothing)")
    backtest.add_argument("store_id")
    backtest.add_argument("--settings", required=True, type=Path, metavar="FILE.json",
                          help="a JSON object of settings applied over the store's current ones")
    backtest.add_argument("--rules", type=Path, default=None, metavar="FILE.json",
                          help='pricing rules used instead of the store\'s: {"rules": [...]} as PUT /stores/{id}/rules '
                               "takes, or the list itself")
    which = backtest.add_mutually_exclusive_group()
    which.add_argument("--since", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                       help="only runs started on this day or later")
    which.add_argument("--runs", type=int, default=None, metavar="N", help="only the latest N runs")
    backtest.add_argument("--json", action="store_true", help="print JSON")
    backtest.set_defaults(handler=_backtest)

    sync = subparsers.add_parser("sync-orders", help="read a store's new orders into its daily sales now")
    sync.add_argument("store_id")
    sync.set_defaults(handler=_sync_orders)


def _services() -> Services:
    return load_runtime("cli").services


def _json_file(path: Path, option: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"{option}: cannot read {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise CommandError(f"{option}: {path} is not JSON: {exc}") from exc


def _overrides(path: Path) -> dict[str, Any]:
    data = _json_file(path, "--settings")
    if not isinstance(data, dict):
        raise CommandError(f"--settings: {path} must hold a JSON object of settings")
    return data


def _rules(path: Path) -> list[Any]:
    """The rules of ``--rules`` (checked against the store's settings by ``backtest``)."""
    from entrypoints.web.rule_views import rule_from_json
    from pricing_core.rules import InvalidRule

    data = _json_file(path, "--rules")
    items = data.get("rules") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise CommandError(f'--rules: {path} must hold {{"rules": [...]}} or a JSON list of rules')
    try:
        return [rule_from_json(item, f"rules[{i}]") for i, item in enumerate(items)]
    except InvalidRule as exc:
        raise CommandError(f"--rules: {exc}") from exc


def _backtest(args: argparse.Namespace) -> int:
    import pydantic
    from rich.console import Console
    from rich.table import Table

    from pricing_core.errors import StoreNotFound
    from pricing_core.rules import InvalidRule
    from pricing_core.usecases.backtest import backtest

    overrides = _overrides(args.settings)
    rules = _rules(args.rules) if args.rules is not None else None
    services = _services()
    try:
        report = backtest(services.uow_factory, args.store_id, overrides, since=args.since, runs=args.runs,
                          rules=rules)
    except StoreNotFound as exc:
        raise CommandError(str(exc)) from exc
    except InvalidRule as exc:  # before ValueError: a rule saving would refuse
        raise CommandError(f"--rules: {exc}") from exc
    except pydantic.ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise CommandError(f"--settings: {problems}") from exc
    except ValueError as exc:
        raise CommandError(f"--settings: {exc}") from exc
    finally:
        services.close()
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
        return 0
    console = Console()
    table = Table(title=f"Backtest of store {report.store_id}: {len(report.per_run)} run(s)")
    for column in ("", "decisions", "changes", "auto-apply", "approval", "avg change %", "at floor",
                   "margin change (points)"):
        table.add_column(column, justify="right" if column else "left")
    for label, figures in (("replayed", report.replayed), ("happened", report.actual)):
        table.add_row(label, str(figures.decisions), str(figures.changes), str(figures.auto_apply),
                      str(figures.needs_approval), str(figures.avg_change_pct), str(figures.at_floor),
                      str(figures.margin_change_pct))
    console.print(table)
    console.print(f"{report.identical} of {report.replayed.decisions} decisions identical to the stored ones")
    return 0


def _sync_orders(args: argparse.Namespace) -> int:
    from pricing_core.errors import SallaError, StoreNotFound
    from pricing_core.usecases.sales_sync import sync_sales

    services = _services()
    try:
        result = sync_sales(services, args.store_id, threshold_hours=services.config.token_refresh_threshold_hours)
    except (StoreNotFound, SallaError) as exc:
        raise CommandError(str(exc)) from exc
    finally:
        services.close()
    print(f"store {result.store_id}: {result.lines} order lines since {result.since}, {result.days} product-days"
          + (f", {len(result.unmatched_skus)} SKU(s) not in the catalog" if result.unmatched_skus else ""))
    return 0
