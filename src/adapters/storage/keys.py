"""Which encryption keys a deployment uses, and re-encrypting everything under the first one."""

from __future__ import annotations

from sqlalchemy import select, text, update
from sqlalchemy.engine import Engine

from adapters.config import Config
from adapters.storage import models
from adapters.storage.crypto import KEY_FILE_NAME, SecretBox, load_or_create_key_file
from adapters.storage.engine import sqlite_path
from adapters.storage.rls import ALL_STORES, SETTING


class KeysNotConfigured(RuntimeError):
    """PostgreSQL needs ``TOKEN_ENCRYPTION_KEYS``: a generated key would differ between machines."""


def resolve_keys(config: Config) -> tuple[str, ...]:
    """``TOKEN_ENCRYPTION_KEYS``, or for an SQLite file the key kept beside it (created on first use)."""
    if config.token_encryption_keys:
        return config.token_encryption_keys
    path = sqlite_path(config.effective_database_url)
    if path is None:
        raise KeysNotConfigured(
            "TOKEN_ENCRYPTION_KEYS is not set; it is required with DATABASE_URL (comma-separated Fernet keys, "
            "the first encrypts)"
        )
    return (load_or_create_key_file(path.parent / KEY_FILE_NAME),)


def rotate_all(engine: Engine, secrets: SecretBox, *, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every token, secret setting and store alert target list under the first key, in one transaction.

    Rows are read and rewritten in batches so memory stays bounded. Returns counts by table.
    Raises ``DecryptionFailed`` (and changes nothing) if some value opens with none of the keys.
    """
    tokens, settings = models.store_tokens, models.system_settings
    alerts = models.store_alert_settings
    counts = {"store_tokens": 0, "system_settings": 0, "store_alert_settings": 0}
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT set_config(:name, :value, true)"), {"name": SETTING, "value": ALL_STORES})
        last = ""
        while True:
            batch = conn.execute(
                select(tokens.c.store_id, tokens.c.access_token_encrypted, tokens.c.refresh_token_encrypted)
                .where(tokens.c.store_id > last)
                .order_by(tokens.c.store_id)
                .limit(batch_size)
            ).all()
            for store_id, access, refresh in batch:
                conn.execute(
                    update(tokens)
                    .where(tokens.c.store_id == store_id)
                    .values(
                        access_token_encrypted=secrets.rotate(access),
                        refresh_token_encrypted=None if refresh is None else secrets.rotate(refresh),
                    )
                )
                counts["store_tokens"] += 1
            if len(batch) < batch_size:
                break
            last = batch[-1][0]
        for key, value in conn.execute(
            select(settings.c.setting_key, settings.c.setting_value).where(settings.c.is_secret)
        ).all():
            conn.execute(
                update(settings).where(settings.c.setting_key == key).values(setting_value=secrets.rotate(value))
            )
            counts["system_settings"] += 1
        # A handful of rows per store at most (one each): read at once.
        for store_id, value in conn.execute(select(alerts.c.store_id, alerts.c.targets_encrypted)).all():
            conn.execute(
                update(alerts).where(alerts.c.store_id == store_id).values(targets_encrypted=secrets.rotate(value))
            )
            counts["store_alert_settings"] += 1
    return counts


__all__ = ["KeysNotConfigured", "resolve_keys", "rotate_all"]
