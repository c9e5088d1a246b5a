"""``salla-optimizer migrate``, ``keys rotate|generate`` and ``settings import-env``: storage operations."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the storage commands."""
    migrate = subparsers.add_parser("migrate", help="apply the database migrations (DATABASE_URL or ./var SQLite)")
    migrate.add_argument("--revision", default="head", help="target revision (default: head)")
    migrate.set_defaults(handler=run_migrate)

    keys = subparsers.add_parser("keys", help="encryption keys of tokens and secret settings")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    rotate = keys_sub.add_parser(
        "rotate", help="re-encrypt every stored token and secret under the first of TOKEN_ENCRYPTION_KEYS"
    )
    rotate.set_defaults(handler=run_rotate)
    generate = keys_sub.add_parser("generate", help="print a new key for TOKEN_ENCRYPTION_KEYS")
    generate.set_defaults(handler=run_generate)

    settings = subparsers.add_parser("settings", help="system settings (Salla client id and secret)")
    settings_sub = settings.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    import_env = settings_sub.add_parser(
        "import-env", help="copy SALLA_CLIENT_ID and SALLA_CLIENT_SECRET from the environment into the database"
    )
    import_env.add_argument("--overwrite", action="store_true", help="replace values already stored")
    import_env.set_defaults(handler=run_import_env)


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def run_migrate(args: argparse.Namespace) -> int:
    """Apply migrations up to ``--revision``."""
    from sqlalchemy.exc import SQLAlchemyError

    from adapters.storage import migrate
    from entrypoints.cli import CommandError, load_config

    config = load_config()
    url = config.effective_database_url
    try:
        revision = migrate(config, args.revision)
    except SQLAlchemyError as exc:
        raise CommandError(f"migration failed on {_redacted(url)}: {exc.__class__.__name__}: {exc}") from exc
    print(f"{_redacted(url)} is at revision {revision}")
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    """Re-encrypt every stored secret under the first key."""
    from sqlalchemy.exc import SQLAlchemyError

    from adapters.storage import KeysNotConfigured, rotate_keys
    from adapters.storage.crypto import DecryptionFailed
    from entrypoints.cli import CommandError, load_config

    config = load_config()
    try:
        counts = rotate_keys(config)
    except (KeysNotConfigured, DecryptionFailed, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    except SQLAlchemyError as exc:
        raise CommandError(f"key rotation failed (run `salla-optimizer migrate` first?): {exc}") from exc
    print(f"re-encrypted {counts['store_tokens']} token set(s) and {counts['system_settings']} secret setting(s)")
    return 0


def run_generate(args: argparse.Namespace) -> int:
    """Print a fresh Fernet key."""
    from adapters.storage.crypto import generate_key

    print(generate_key())
    return 0


def run_import_env(args: argparse.Namespace) -> int:
    """Copy the Salla credentials from the environment into ``system_settings``."""
    from sqlalchemy.exc import SQLAlchemyError

    from adapters.storage import KeysNotConfigured, import_env_settings
    from entrypoints.cli import CommandError, load_config

    try:
        outcome = import_env_settings(load_config(), overwrite=args.overwrite)
    except (KeysNotConfigured, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    except SQLAlchemyError as exc:
        raise CommandError(f"could not write system_settings (run `salla-optimizer migrate` first?): {exc}") from exc
    for key, state in outcome.items():
        print(f"{key}: {state}")
    if all(state == "missing" for state in outcome.values()):
        raise CommandError("neither SALLA_CLIENT_ID nor SALLA_CLIENT_SECRET is set in the environment")
    return 0
