"""``salla-optimizer costs import|export``: a store's costs and per-product limits as a CSV sheet."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from entrypoints.cli import CommandError, load_runtime

if TYPE_CHECKING:
    from adapters.services import Services


def register(subparsers: Any) -> None:
    """Add the ``costs`` commands."""
    costs = subparsers.add_parser("costs", help="import or export a store's costs and per-product limits (CSV)")
    sub = costs.add_subparsers(dest="costs_command", metavar="ACTION", required=True)
    importing = sub.add_parser(
        "import", help="apply a CSV (product_id or sku; cost_price, min_price, max_price, map_price, excluded, "
                       "fixed_price): all lines or none; exit 1 when any line is rejected")
    importing.add_argument("store_id")
    importing.add_argument("file", type=Path)
    importing.add_argument("--dry-run", action="store_true", help="check and report, change nothing")
    importing.set_defaults(handler=_import)
    exporting = sub.add_parser("export", help="write every product with its override values as CSV")
    exporting.add_argument("store_id")
    exporting.add_argument("file", type=Path, nargs="?", default=None, help="default: standard output")
    exporting.add_argument("--separator", default=";", choices=[";", ",", "\t"])
    exporting.set_defaults(handler=_export)


def _services() -> Services:
    return load_runtime("cli").services


def _known_store(services: Services, store_id: str) -> None:
    with services.uow_factory() as uow:
        if uow.stores.get(store_id) is None:
            raise CommandError(f"store {store_id} does not exist")


def _import(args: argparse.Namespace) -> int:
    from adapters.cost_sheet import read_sheet
    from pricing_core.usecases.cost_import import SheetError, import_costs

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    services = _services()
    try:
        _known_store(services, args.store_id)
        columns, lines = read_sheet(data)
        result = import_costs(services.uow_factory, args.store_id, columns, lines, dry_run=args.dry_run)
    except SheetError as exc:
        raise CommandError(f"{args.file}: {exc}") from exc
    finally:
        services.close()
    changed = [c for c in result.changes if c.changes_anything]
    for change in changed:
        print(f"line {change.line}: product {change.product_id}: {_describe(change.before)} -> "
              f"{_describe(change.after)}")
    for error in result.errors:
        print(f"line {error.line}: rejected: {error.reason}", file=sys.stderr)
    if result.ignored_columns:
        print("ignored columns: " + ", ".join(result.ignored_columns), file=sys.stderr)
    verdict = ("applied" if result.applied else
               "nothing applied (dry run)" if args.dry_run and result.ok else
               "nothing applied: fix the rejected lines and import again")
    print(f"{len(result.changes) + len(result.errors)} line(s): {len(changed)} change(s), "
          f"{len(result.changes) - len(changed)} unchanged, {len(result.errors)} rejected; {verdict}")
    return 0 if result.ok else 1


def _describe(override: object) -> str:
    if override is None:
        return "(none)"
    fields = ("excluded", "fixed_price", "cost_price", "min_price", "max_price", "map_price")
    parts = [f"{f}={getattr(override, f)}" for f in fields if getattr(override, f) not in (None, False)]
    return ", ".join(parts) or "(empty)"


def _export(args: argparse.Namespace) -> int:
    from adapters.cost_sheet import write_sheet
    from pricing_core.usecases.cost_import import EXPORT_COLUMNS, export_costs

    services = _services()
    try:
        _known_store(services, args.store_id)
        rows = export_costs(services.uow_factory, args.store_id)
    finally:
        services.close()
    data = write_sheet(rows, EXPORT_COLUMNS, separator=args.separator)
    if args.file is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        try:
            args.file.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"cannot write {args.file}: {exc.strerror or exc}") from exc
        print(f"{len(rows)} product(s) written to {args.file}", file=sys.stderr)
    return 0
