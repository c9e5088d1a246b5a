"""The service's configuration: the one reader of the environment, on pydantic-settings.

Every knob of every process kind (web, worker, scheduler, CLI) is a field here, named after its
environment variable. ``Config(...)`` is a plain value (tests build it with keyword arguments and
it reads nothing); ``Config.from_env()`` reads the environment once, at start, and fails with
one line naming the variable when a value is wrong (``ConfigError``).

Unset means the embedded default: SQLite under ``./var``, the in-process broker, and the
built-in fake Salla sandbox.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from adapters.llm_keys import provider_key_names

SALLA_ACCOUNTS_URL = "https://accounts.salla.sa"
SALLA_API_URL = "https://api.salla.dev/admin/v2"

# Fields whose values are secrets: never in a repr, masked in ``doctor``.
SECRET_FIELDS = frozenset({
    "salla_client_secret", "salla_webhook_secret", "admin_api_token", "session_secret",
    "token_encryption_keys", "tavily_api_key", "llm_api_key", "alert_urls",
})
# Fields that are URLs with a password to mask in reprs.
URL_FIELDS = frozenset({"database_url", "redis_url"})


class ConfigError(ValueError):
    """The configuration is unusable; the message is one line naming the variable."""


def mask_url(value: str | None) -> str | None:
    """A connection URL with its password replaced by ``***``."""
    if not value:
        return value
    parts = urlsplit(value)
    if parts.password is None:
        return value
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


def _env(name: str, *, default: Any, **kwargs: Any) -> Any:
    """A field read from the environment variable ``name`` (and settable by its field name)."""
    return Field(default=default, validation_alias=AliasChoices(name), **kwargs)


_Keys = Annotated[tuple[str, ...], NoDecode]
# Where one apprise URL ends and the next begins in ALERT_URLS: a comma or a space before a new
# ``scheme://`` (a comma inside a URL, as in ``mailto://...?to=a@x.sa,b@y.sa``, stays in it).
_NEXT_URL = re.compile(r"[\s,]+(?=[A-Za-z][A-Za-z0-9+.-]*://)")
_URL_START = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")


class Config(BaseSettings):
    """Everything the composition root (``bootstrap``) needs to build any process kind.

    Each field's environment variable is its upper-case name unless noted; README's configuration
    table and ``.env.example`` document every one (a test keeps the three in step).
    """

    model_config = SettingsConfigDict(
        frozen=True, populate_by_name=True, extra="ignore", env_ignore_empty=True, validate_default=True,
    )

    # -- storage and broker
    var_dir: Path = _env("SALLA_OPTIMIZER_VAR_DIR", default=Path("var"))
    database_url: str | None = _env("DATABASE_URL", default=None)
    redis_url: str | None = _env("REDIS_URL", default=None)
    token_encryption_keys: _Keys = _env("TOKEN_ENCRYPTION_KEYS", default=())

    # -- Salla
    salla_client_id: str | None = _env("SALLA_CLIENT_ID", default=None)
    salla_client_secret: str | None = _env("SALLA_CLIENT_SECRET", default=None)
    salla_accounts_url: str | None = _env("SALLA_ACCOUNTS_URL", default=None)
    salla_api_url: str | None = _env("SALLA_API_URL", default=None)
    salla_webhook_secret: str | None = _env("SALLA_WEBHOOK_SECRET", default=None)
    oauth_callback_url: str | None = _env("OAUTH_CALLBACK_URL", default=None)
    public_url: str = _env("PUBLIC_URL", default="http://127.0.0.1:8000")
    token_refresh_threshold_hours: int = _env("TOKEN_REFRESH_THRESHOLD_HOURS", default=24, ge=1, le=24 * 30)
    sandbox_seed: int = _env("SANDBOX_SEED", default=7)
    price_echo_ttl_seconds: float = _env("PRICE_ECHO_TTL_SECONDS", default=15 * 60.0, gt=0)

    # -- web
    admin_api_token: str | None = _env("ADMIN_API_TOKEN", default=None)
    session_secret: str | None = _env("SESSION_SECRET", default=None)
    host: str = _env("HOST", default="127.0.0.1")
    port: int = _env("PORT", default=8000, ge=1, le=65535)
    log_level: str = _env("LOG_LEVEL", default="info")
    gil_switch_interval: float = _env("GIL_SWITCH_INTERVAL", default=0.001, gt=0, le=1)

    # -- competitors and advisors
    llm_model: str | None = _env("LLM_MODEL", default=None)
    llm_api_key: str | None = _env("LLM_API_KEY", default=None)
    tavily_api_key: str | None = _env("TAVILY_API_KEY", default=None)
    competitor_feed_url: str | None = _env("COMPETITOR_FEED_URL", default=None)
    competitor_pages_file: str | None = _env("COMPETITOR_PAGES_FILE", default=None)
    # Competitor pages found by Tavily search (with TAVILY_API_KEY), on these comma-separated domains.
    competitor_search_domains: str | None = _env("COMPETITOR_SEARCH_DOMAINS", default=None)
    competitor_search_per_sweep: int = _env("COMPETITOR_SEARCH_PER_SWEEP", default=50, ge=0, le=10_000)
    competitor_source: str = _env("COMPETITOR_SOURCE", default="auto", pattern="^(auto|sandbox)$")

    # -- alerts (apprise URLs: mailto://, tgram://, slack://, json://...; none set: nothing is sent)
    alert_urls: _Keys = _env("ALERT_URLS", default=())
    alert_language: str = _env("ALERT_LANGUAGE", default="", pattern="^(|en|ar)$")
    alert_timeout_seconds: float = _env("ALERT_TIMEOUT_SECONDS", default=10.0, gt=0, le=120)
    alert_digest_hours: float = _env("ALERT_DIGEST_HOURS", default=24.0, ge=0, le=24 * 30)
    # A merchant's own alert targets may point at private or local addresses (self-hosted, tests);
    # off: such targets are refused (adapters/alerts/targets.py).
    alert_allow_private_targets: bool = _env("ALERT_ALLOW_PRIVATE_TARGETS", default=False)
    # Watching each applied change (pricing_core/change_impact/): days on each side, the drop that alerts.
    impact_window_days: int = _env("IMPACT_WINDOW_DAYS", default=7, ge=1, le=90)
    impact_profit_drop_pct: float = _env("IMPACT_PROFIT_DROP_PCT", default=20.0, gt=0, lt=100)
    impact_min_units: int = _env("IMPACT_MIN_UNITS", default=5, ge=1)

    # -- runners: schedules (crontab, UTC; "off" disables a job), retention, Dramatiq
    schedule_optimize_all_stores: str = _env("SCHEDULE_OPTIMIZE_ALL_STORES", default="0 */6 * * *")
    schedule_check_and_optimize_stores: str = _env("SCHEDULE_CHECK_AND_OPTIMIZE_STORES", default="0 * * * *")
    schedule_refresh_expiring_tokens: str = _env("SCHEDULE_REFRESH_EXPIRING_TOKENS", default="0 */12 * * *")
    # Day names because APScheduler 3 numbers days from Monday, unlike cron.
    schedule_cleanup_old_data: str = _env("SCHEDULE_CLEANUP_OLD_DATA", default="30 3 * * sun")
    # Reprices the products whose competitor offers changed since the last run (issue 12).
    schedule_watch_competitors: str = _env("SCHEDULE_WATCH_COMPETITORS", default="*/30 * * * *")
    # Every 5 minutes: the alerts the activity log holds since the last pass (pricing_core.usecases.alerts).
    schedule_send_alerts: str = _env("SCHEDULE_SEND_ALERTS", default="*/5 * * * *")
    # Daily, 05:30 UTC (08:30 in Riyadh): what each applied change did to sales (usecases/change_watch.py).
    schedule_watch_price_changes: str = _env("SCHEDULE_WATCH_PRICE_CHANGES", default="30 5 * * *")
    # Reads new orders into the sales history (demand pricing, change watching): before the watch.
    schedule_sync_orders: str = _env("SCHEDULE_SYNC_ORDERS", default="15 */6 * * *")
    # Every 5 minutes: work a stopped process left in flight (pricing_core.usecases.recovery).
    schedule_recover_stuck_work: str = _env("SCHEDULE_RECOVER_STUCK_WORK", default="*/5 * * * *")
    recovery_applying_after_seconds: int = _env("RECOVERY_APPLYING_AFTER_SECONDS", default=600, ge=0)
    recovery_approved_after_seconds: int = _env("RECOVERY_APPROVED_AFTER_SECONDS", default=600, ge=0)
    recovery_running_after_seconds: int = _env("RECOVERY_RUNNING_AFTER_SECONDS", default=900, ge=0)
    # Recorded work (intents) no worker took for this long is sent again (pricing_core.intents).
    recovery_queued_after_seconds: int = _env("RECOVERY_QUEUED_AFTER_SECONDS", default=900, ge=0)
    recovery_max_resumes: int = _env("RECOVERY_MAX_RESUMES", default=3, ge=0)
    retention_runs_days: int = _env("RETENTION_RUNS_DAYS", default=90, ge=1)
    retention_activity_days: int = _env("RETENTION_ACTIVITY_DAYS", default=180, ge=1)
    retention_offers_days: int = _env("RETENTION_OFFERS_DAYS", default=30, ge=1)
    # The webhook inbox must outlive Salla's redeliveries (3 retries ~5 minutes apart) and the
    # scheduler's fire claims (2 days), which share its table.
    retention_webhooks_days: int = _env("RETENTION_WEBHOOKS_DAYS", default=7, ge=2)
    embedded_worker_threads: int = _env("EMBEDDED_WORKER_THREADS", default=2, ge=1, le=64)
    dramatiq_namespace: str = _env("DRAMATIQ_NAMESPACE", default="salla-optimizer")
    dramatiq_max_retries: int = _env("DRAMATIQ_MAX_RETRIES", default=5, ge=0)
    # A failed message is retried at least DRAMATIQ_MAX_RETRIES times and, backing off, for at least
    # this long: a database or Redis outage of a few minutes does not dead-letter work.
    dramatiq_retry_window_seconds: int = _env("DRAMATIQ_RETRY_WINDOW_SECONDS", default=15 * 60, ge=0)
    # Messages a worker process reserves per queue beyond the ones its threads run (0: one per
    # thread), so a survivor does not hoard a dead worker's requeued messages.
    dramatiq_prefetch: int = _env("DRAMATIQ_PREFETCH", default=0, ge=0)
    dramatiq_time_limit_ms: int = _env("DRAMATIQ_TIME_LIMIT_MS", default=30 * 60 * 1000, ge=1000)
    dramatiq_min_backoff_ms: int = _env("DRAMATIQ_MIN_BACKOFF_MS", default=1000, ge=1)
    dramatiq_max_backoff_ms: int = _env("DRAMATIQ_MAX_BACKOFF_MS", default=5 * 60 * 1000, ge=1)
    dramatiq_heartbeat_timeout_ms: int = _env("DRAMATIQ_HEARTBEAT_TIMEOUT_MS", default=60_000, ge=1000)
    # Per million broker commands, the chance that one runs Redis maintenance (which gives a dead
    # worker's messages back): workers poll every second per queue, so 50,000 (5 %) requeues them
    # within seconds of the heartbeat timeout instead of minutes.
    dramatiq_maintenance_chance: int = _env("DRAMATIQ_MAINTENANCE_CHANCE", default=50_000, ge=1, le=1_000_000)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # ``Config(...)`` is a plain value; only ``from_env`` reads the environment (explicitly).
        return (init_settings,)

    @field_validator("token_encryption_keys", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("alert_urls", mode="before")
    @classmethod
    def _apprise_urls(cls, value: object) -> object:
        if isinstance(value, str):
            value = tuple(part.strip() for part in _NEXT_URL.split(value.strip()) if part.strip())
        if isinstance(value, tuple | list):
            for url in value:
                if not _URL_START.match(str(url)):
                    # Never echo the value: it may hold a bot token or a password.
                    raise ValueError("must be apprise URLs (scheme://...), separated by commas")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_level(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value not in ("critical", "error", "warning", "info", "debug"):
            raise ValueError("must be one of critical, error, warning, info, debug")
        return value

    @field_validator("public_url", "salla_accounts_url", "salla_api_url", "oauth_callback_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("postgres://", "postgresql", "sqlite")):
            raise ValueError("must be a postgresql:// (or sqlite:///) URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis:// URL")
        return value

    @model_validator(mode="after")
    def _backoff_order(self) -> Config:
        if self.dramatiq_min_backoff_ms > self.dramatiq_max_backoff_ms:
            raise ValueError("DRAMATIQ_MIN_BACKOFF_MS must not exceed DRAMATIQ_MAX_BACKOFF_MS")
        return self

    # ------------------------------------------------------------------------------------------

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """Read the configuration from ``env`` (default: ``os.environ``); ``ConfigError`` names a bad variable.

        The LLM provider's key is read from the provider's own variable (``OPENAI_API_KEY``, ...)
        when ``LLM_API_KEY`` is not set.
        """
        env = dict(os.environ if env is None else env)
        values = _MappingEnvSource(cls, env)()
        model = env.get("LLM_MODEL", "").strip()
        if model and not env.get("LLM_API_KEY"):
            key = next((env[name] for name in provider_key_names(model) if env.get(name)), None)
            if key:
                values["llm_api_key"] = key
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigError(describe_config_error(exc)) from exc

    def evolve(self, **changes: Any) -> Config:
        """A validated copy with ``changes`` applied (``model_copy(update=...)`` would skip validation)."""
        try:
            return type(self)(**{**self.model_dump(), **changes})
        except ValidationError as exc:
            raise ConfigError(describe_config_error(exc)) from exc

    def with_stored_credentials(self, lookup: Callable[[str], str | None]) -> Config:
        """The Salla credentials from ``system_settings`` (``lookup(key)``) where stored; the environment's otherwise.

        ``salla-optimizer settings import-env`` stores them encrypted; a stored value wins, so an
        operator can rotate the secret without redeploying every process.
        """
        client_id = lookup("SALLA_CLIENT_ID")
        secret = lookup("SALLA_CLIENT_SECRET")
        if client_id is None and secret is None:
            return self
        return self.evolve(salla_client_id=client_id or self.salla_client_id,
                           salla_client_secret=secret or self.salla_client_secret)

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

    @property
    def schedules(self) -> dict[str, str]:
        """Crontab expression per periodic job; an empty or ``off`` value disables that job."""
        result = {}
        for job in ("optimize_all_stores", "check_and_optimize_stores", "refresh_expiring_tokens",
                    "cleanup_old_data", "recover_stuck_work", "watch_competitors", "send_alerts",
                    "watch_price_changes", "sync_orders"):
            value = str(getattr(self, f"schedule_{job}")).strip()
            if value and value.lower() not in ("off", "none", "disabled"):
                result[job] = value
        return result

    def __repr_args__(self) -> Any:
        # A repr can end up in a log: say whether a secret is set, never its value.
        for name, value in super().__repr_args__():
            if name in SECRET_FIELDS:
                yield name, ("***" if value else value)
            elif name in URL_FIELDS:
                yield name, mask_url(value)
            else:
                yield name, value


def env_name(field: str) -> str:
    """The environment variable of a ``Config`` field."""
    info: FieldInfo = Config.model_fields[field]
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return field.upper()


def env_names() -> dict[str, str]:
    """Every ``Config`` field's environment variable, by field name."""
    return {field: env_name(field) for field in Config.model_fields}


def describe_config_error(error: ValidationError) -> str:
    """One line naming the first bad variable and what is wrong with it."""
    item = error.errors()[0]
    loc = item.get("loc", ())
    field = str(loc[0]) if loc else ""
    # pydantic names the field by its alias (the variable) when the value came from the environment.
    field = {variable: name for name, variable in env_names().items()}.get(field, field)
    name = env_name(field) if field in Config.model_fields else (field or "configuration")
    message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
    value = item.get("input")
    shown = "" if field in SECRET_FIELDS or isinstance(value, dict) else f" (got {value!r})"
    return f"{name}: {message}{shown}"


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' environment source over an explicit mapping (``from_env(env)``), not ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._mapping = env
        super().__init__(settings_cls, case_sensitive=True, env_ignore_empty=True)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {key: value for key, value in self._mapping.items() if value != ""}


__all__ = [
    "SALLA_ACCOUNTS_URL",
    "SALLA_API_URL",
    "SECRET_FIELDS",
    "Config",
    "ConfigError",
    "describe_config_error",
    "env_name",
    "env_names",
    "mask_url",
]
