"""Configuration read from the environment, once, into a frozen value object.

Unset means the embedded default: SQLite under ``./var``, the in-process broker, and the
built-in fake Salla sandbox.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import attrs

SALLA_ACCOUNTS_URL = "https://accounts.salla.sa"
SALLA_API_URL = "https://api.salla.dev/admin/v2"


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{key} must be an integer, got {raw!r}") from exc


def _non_negative(env: Mapping[str, str], key: str, default: int) -> int:
    value = _int(env, key, default)
    if value < 0:
        raise ValueError(f"{key} must not be negative, got {value}")
    return value


def _secret_repr(value: object) -> str:
    """``repr`` of a secret: whether it is set, never its value (a repr can end up in a log)."""
    return "'***'" if value else repr(value)


def _url_repr(value: str | None) -> str:
    """``repr`` of a connection URL with its password masked."""
    if not value:
        return repr(value)
    parts = urlsplit(value)
    if parts.password is None:
        return repr(value)
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return repr(urlunsplit(parts._replace(netloc=netloc)))


@attrs.frozen(kw_only=True)
class Config:
    """Everything the composition root needs to build the service."""

    var_dir: Path = Path("var")
    database_url: str | None = attrs.field(default=None, repr=_url_repr)
    redis_url: str | None = attrs.field(default=None, repr=_url_repr)
    salla_client_id: str | None = None
    salla_client_secret: str | None = attrs.field(default=None, repr=_secret_repr)
    salla_accounts_url: str | None = None
    salla_api_url: str | None = None
    salla_webhook_secret: str | None = attrs.field(default=None, repr=_secret_repr)
    oauth_callback_url: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    admin_api_token: str | None = attrs.field(default=None, repr=_secret_repr)
    session_secret: str | None = attrs.field(default=None, repr=_secret_repr)
    token_encryption_keys: tuple[str, ...] = attrs.field(default=(), repr=_secret_repr)
    llm_model: str | None = None
    tavily_api_key: str | None = attrs.field(default=None, repr=_secret_repr)
    competitor_feed_url: str | None = None
    competitor_pages_file: str | None = None
    token_refresh_threshold_hours: int = 24
    sandbox_seed: int = 7
    # Recovery of work a stopped process left in flight (see pricing_core.usecases.recovery).
    recovery_applying_after_seconds: int = 600
    recovery_approved_after_seconds: int = 600
    recovery_running_after_seconds: int = 900
    recovery_max_resumes: int = 3

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """Read the configuration from ``env`` (default: ``os.environ``)."""
        env = os.environ if env is None else env
        keys = tuple(k.strip() for k in env.get("TOKEN_ENCRYPTION_KEYS", "").split(",") if k.strip())
        return cls(
            var_dir=Path(env.get("SALLA_OPTIMIZER_VAR_DIR", "var")),
            database_url=env.get("DATABASE_URL") or None,
            redis_url=env.get("REDIS_URL") or None,
            salla_client_id=env.get("SALLA_CLIENT_ID") or None,
            salla_client_secret=env.get("SALLA_CLIENT_SECRET") or None,
            salla_accounts_url=env.get("SALLA_ACCOUNTS_URL") or None,
            salla_api_url=env.get("SALLA_API_URL") or None,
            salla_webhook_secret=env.get("SALLA_WEBHOOK_SECRET") or None,
            oauth_callback_url=env.get("OAUTH_CALLBACK_URL") or None,
            public_url=env.get("PUBLIC_URL", "http://127.0.0.1:8000"),
            admin_api_token=env.get("ADMIN_API_TOKEN") or None,
            session_secret=env.get("SESSION_SECRET") or None,
            token_encryption_keys=keys,
            llm_model=env.get("LLM_MODEL") or None,
            tavily_api_key=env.get("TAVILY_API_KEY") or None,
            competitor_feed_url=env.get("COMPETITOR_FEED_URL") or None,
            competitor_pages_file=env.get("COMPETITOR_PAGES_FILE") or None,
            token_refresh_threshold_hours=_int(env, "TOKEN_REFRESH_THRESHOLD_HOURS", 24),
            sandbox_seed=_int(env, "SANDBOX_SEED", 7),
            recovery_applying_after_seconds=_non_negative(env, "RECOVERY_APPLYING_AFTER_SECONDS", 600),
            recovery_approved_after_seconds=_non_negative(env, "RECOVERY_APPROVED_AFTER_SECONDS", 600),
            recovery_running_after_seconds=_non_negative(env, "RECOVERY_RUNNING_AFTER_SECONDS", 900),
            recovery_max_resumes=_non_negative(env, "RECOVERY_MAX_RESUMES", 3),
        )

    @property
    def uses_sandbox(self) -> bool:
        """True when neither Salla credentials nor a Salla URL are configured: the built-in fake Salla serves."""
        return not self.salla_client_id and not self.salla_accounts_url

    @property
    def effective_database_url(self) -> str:
        """``DATABASE_URL`` normalized for SQLAlchemy + psycopg 3, or the embedded SQLite file."""
        url = self.database_url
        if not url:
            return f"sqlite:///{(self.var_dir / 'salla-optimizer.db').as_posix()}"
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
