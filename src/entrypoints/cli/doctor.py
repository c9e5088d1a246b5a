"""``salla-optimizer doctor``: check a deployment's configuration and what it can reach, one line each.

Each check says ``ok``, ``warn`` or ``fail`` and what to do about it; the exit status is 1 when
any check fails. Nothing is changed: the database is not migrated, no token is refreshed.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from adapters.config import Config

OK, WARN, FAIL = "ok", "warn", "fail"


@attrs.frozen
class Finding:
    """One check's verdict."""

    status: str
    check: str
    message: str

    def line(self) -> str:
        """``ok   database: ...``"""
        return f"{self.status:<4} {self.check}: {self.message}"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``doctor``."""
    doctor = subparsers.add_parser("doctor", help="check the configuration and what it can reach")
    doctor.add_argument("--json", action="store_true", help="print JSON")
    doctor.add_argument("--timeout", type=float, default=3.0, help="seconds per network check (default 3)")
    doctor.set_defaults(handler=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    """Run every check and print the findings."""
    findings = diagnose(timeout=args.timeout)
    if args.json:
        print(json.dumps([attrs.asdict(f) for f in findings], indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            print(finding.line())
    return 1 if any(f.status == FAIL for f in findings) else 0


def diagnose(env: dict[str, str] | None = None, *, timeout: float = 3.0) -> list[Finding]:
    """The findings for the configuration in ``env`` (default: the process environment)."""
    from adapters.config import Config, ConfigError

    try:
        config = Config.from_env(env)
    except ConfigError as exc:
        return [Finding(FAIL, "config", str(exc))]
    findings = [Finding(OK, "config", "every variable is valid")]
    for check in (_database, _keys, _redis, _salla, _web):
        try:
            findings.extend(check(config, timeout))
        except Exception as exc:  # a check that breaks is a finding, never a traceback
            findings.append(Finding(FAIL, check.__name__.strip("_"), f"{type(exc).__name__}: {exc}"))
    return findings


def _database(config: Config, timeout: float) -> list[Finding]:
    from sqlalchemy import create_engine

    from adapters.config import mask_url
    from adapters.storage.engine import sqlite_path
    from adapters.storage.migrate import current_revision, head_revision

    url = config.effective_database_url
    shown = mask_url(config.database_url) or url
    path = sqlite_path(url)
    if path is not None and not path.exists():
        # Connecting would create it; ``serve`` creates and migrates the embedded database itself.
        return [Finding(OK, "database", f"{path} does not exist yet: `serve` creates and migrates it")]
    args = {"connect_timeout": int(max(1, timeout))} if url.startswith("postgresql") else {}
    engine = create_engine(url, connect_args=args)
    try:
        current = current_revision(engine)
    except Exception as exc:
        detail = " ".join(str(exc).split())[:160]  # one line, whatever the driver printed
        return [Finding(FAIL, "database", f"cannot connect to {shown}: {type(exc).__name__}: {detail}")]
    finally:
        engine.dispose()
    head = head_revision()
    if current != head:
        return [Finding(FAIL, "database", f"{shown} is at revision {current or 'none'}, the code needs {head}: "
                                          "run `salla-optimizer migrate`")]
    return [Finding(OK, "database", f"{shown} reachable, schema at {head}")]


def _keys(config: Config, timeout: float) -> list[Finding]:
    from adapters.storage.keys import KeysNotConfigured, resolve_keys

    if not config.database_url and not config.token_encryption_keys:
        return [Finding(OK, "keys", f"the embedded key file in {config.var_dir} (back it up with the database)")]
    from cryptography.fernet import Fernet

    try:
        keys = resolve_keys(config)
    except (KeysNotConfigured, ValueError) as exc:
        return [Finding(FAIL, "keys", str(exc))]
    for index, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            return [Finding(FAIL, "keys", f"TOKEN_ENCRYPTION_KEYS: key {index} is not a Fernet key "
                                          "(`salla-optimizer keys generate` makes one)")]
    return [Finding(OK, "keys", f"{len(keys)} Fernet key(s); the first encrypts")]


def _redis(config: Config, timeout: float) -> list[Finding]:
    from adapters.config import mask_url

    if not config.redis_url:
        return [Finding(OK, "redis", "not configured: `serve` runs the in-process worker and scheduler")]
    import redis

    client = redis.Redis.from_url(config.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    except Exception as exc:
        return [Finding(FAIL, "redis", f"{mask_url(config.redis_url)} does not answer: {type(exc).__name__}")]
    finally:
        client.close()
    return [Finding(OK, "redis", f"{mask_url(config.redis_url)} answers")]


def _salla(config: Config, timeout: float) -> list[Finding]:
    from adapters.config import SALLA_ACCOUNTS_URL

    if config.uses_sandbox:
        return [Finding(OK, "salla", "the built-in fake Salla sandbox (no SALLA_CLIENT_ID or SALLA_ACCOUNTS_URL)")]
    findings = []
    if not config.salla_client_id or not config.salla_client_secret:
        findings.append(Finding(FAIL, "salla", "SALLA_CLIENT_ID and SALLA_CLIENT_SECRET are needed (environment or "
                                               "`salla-optimizer settings import-env`)"))
    else:
        findings.append(Finding(OK, "salla", f"client id {config.salla_client_id}"))
    if not config.salla_webhook_secret:
        findings.append(Finding(FAIL, "webhooks", "SALLA_WEBHOOK_SECRET is not set: every delivery will be refused"))
    accounts = (config.salla_accounts_url or SALLA_ACCOUNTS_URL).rstrip("/")
    findings.append(_reachable("salla accounts", accounts, timeout))
    return findings


def _reachable(check: str, url: str, timeout: float) -> Finding:
    import httpx

    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        return Finding(FAIL, check, f"{url} is not reachable: {type(exc).__name__}")
    return Finding(OK, check, f"{url} answers (HTTP {response.status_code})")


def _web(config: Config, timeout: float) -> list[Finding]:
    findings = []
    multi = bool(config.redis_url)
    if not config.admin_api_token:
        level = FAIL if multi else WARN
        findings.append(Finding(level, "admin", "ADMIN_API_TOKEN is not set: the admin API and operator view "
                                                "are closed" + ("" if multi else " (serve prints a token per run)")))
    if not config.session_secret:
        level = FAIL if multi else WARN
        findings.append(Finding(level, "sessions", "SESSION_SECRET is not set: merchant sessions end with the "
                                                   "process" + (" and differ between web processes" if multi else "")))
    if not config.uses_sandbox and not config.public_url.startswith("https://"):
        findings.append(Finding(WARN, "public url", f"PUBLIC_URL {config.public_url} is not https: Salla's "
                                                    "redirects and webhooks should reach an https URL"))
    if not findings:
        findings.append(Finding(OK, "web", f"public URL {config.public_url}"))
    return findings


CHECKS: tuple[Callable[[Config, float], list[Finding]], ...] = (_database, _keys, _redis, _salla, _web)

__all__ = ["CHECKS", "FAIL", "OK", "WARN", "Finding", "diagnose", "register", "run_doctor"]
