"""The ``salla-optimizer`` command line.

Each command group lives in its own module with a ``register(subparsers)`` function; heavy
imports happen inside the command functions so ``--help`` stays fast. Errors are one clear
line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.config import Config
    from bootstrap import ProcessKind, Runtime

# Modules that contribute commands; each has ``register(subparsers) -> None``.
COMMAND_MODULES = (
    "entrypoints.cli.sample",
    "entrypoints.cli.storage_commands",
    "entrypoints.cli.salla_commands",
    "entrypoints.cli.runner_commands",
    "entrypoints.cli.store_commands",
    "entrypoints.cli.trust_commands",
    "entrypoints.cli.rollback_commands",
    "entrypoints.cli.cost_commands",
    "entrypoints.cli.web_commands",
    "entrypoints.cli.doctor",
)


class CommandError(Exception):
    """A command failed in a way the user can act on; printed as one line, exit status 1."""


def load_config() -> Config:
    """The configuration from the environment; a bad variable is a one-line ``CommandError``."""
    from adapters.config import Config, ConfigError

    try:
        return Config.from_env()
    except ConfigError as exc:
        raise CommandError(f"configuration: {exc}") from exc


def load_runtime(kind: ProcessKind | str = "cli") -> Runtime:
    """This command's runtime (``bootstrap``); configuration and start-up failures are one line."""
    from adapters.config import ConfigError
    from bootstrap import ProcessKind, bootstrap

    config = load_config()
    try:
        return bootstrap(config, ProcessKind(kind))
    except ConfigError as exc:
        raise CommandError(f"configuration: {exc}") from exc
    except Exception as exc:
        raise CommandError(f"cannot start: {type(exc).__name__}: {exc}") from exc


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every available command registered."""
    parser = argparse.ArgumentParser(prog="salla-optimizer", description="Salla Price Optimizer")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # that command group is not built (yet); the others still work
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        result = handler(args)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into head & co.: not an error
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
