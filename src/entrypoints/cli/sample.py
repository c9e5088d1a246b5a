"""``salla-optimizer sample``: price the built-in sample catalog with the pure core and print the decisions."""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``sample`` command."""
    parser = subparsers.add_parser("sample", help="price the built-in sample catalog and print each decision")
    parser.add_argument("--mode", default="semi-auto", choices=["manual", "semi-auto", "full-auto"])
    parser.add_argument("--margin", default="15", help="minimum profit margin, percent")
    parser.add_argument("--max-change", default="10", help="maximum change per run, percent")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Price the sample catalog and print one block per decision."""
    from datetime import UTC, datetime

    from pydantic import ValidationError

    from entrypoints.cli import CommandError
    from pricing_core import TenantSettings, price_catalog
    from pricing_core.sample import sample_catalog
    from pricing_core.settings import describe_errors

    try:
        settings = TenantSettings(automation_mode=args.mode, min_profit_margin=Decimal(args.margin),
                                  max_change_pct=Decimal(args.max_change))
    except ValidationError as exc:
        problems = "; ".join(f"{field}: {message}" for field, message in describe_errors(exc).items())
        raise CommandError(f"invalid settings: {problems}") from exc
    except ArithmeticError as exc:  # decimal's own message is a list of signal classes: name the input
        raise CommandError(f"invalid number: --margin {args.margin!r} and --max-change {args.max_change!r} "
                           "must be numbers such as 15 or 12.5") from exc
    now = datetime.now(UTC)
    products, offers = sample_catalog(now)
    for d in price_catalog(products, offers, settings, now=now):
        print(f"{d.name}: {d.old_price} -> {d.suggested_price} {d.currency} [{d.action.value}, risk {d.risk.value}]")
        for step in d.explanation:
            print(f"    - {step}")
    return 0
