"""Tokens, secret settings and store alert targets are encrypted at rest; key rotation re-encrypts them
under the first key."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.config import Config
from adapters.storage import KeysNotConfigured, build_storage, rotate_keys
from adapters.storage.crypto import DecryptionFailed, generate_key
from pricing_core.alert_settings import AlertLanguage, StoreAlertSettings
from pricing_core.ports import scope_of
from pricing_core.stores import Store
from pricing_core.tokens import TokenSet

ACCESS = "plain-access-token-7f3a"
REFRESH = "plain-refresh-token-91bc"
SECRET = "plain-client-secret-55de"
BOT_TOKEN = "123456789:plain-bot-token-c0ffee"
TARGETS = (f"tgram://{BOT_TOKEN}/1234", "mailto://merchant:plain-mail-password-77@example.com")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """None: the embedded default (SQLite under a tmp var dir)."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("fresh_postgres_url")
    with_clean_tables(url)
    return url


def with_clean_tables(url: str) -> None:
    factory, _ = build_storage(Config(database_url=url, token_encryption_keys=(generate_key(),)), migrate_schema=True)
    with factory.engine.begin() as conn:
        conn.execute(text("TRUNCATE stores, store_tokens, system_settings CASCADE"))
    factory.engine.dispose()


def config(url: str | None, tmp_path: Path, *keys: str) -> Config:
    return Config(var_dir=tmp_path / "var", database_url=url, token_encryption_keys=tuple(keys))


def save_secrets(cfg: Config) -> None:
    factory, _ = build_storage(cfg, migrate_schema=True)
    try:
        with factory() as uow:
            uow.stores.upsert(Store(store_id="42"))
            uow.system_settings.set("SALLA_CLIENT_SECRET", SECRET, secret=True)
            uow.system_settings.set("SALLA_CLIENT_ID", "visible-client-id")
            uow.commit()
        with factory("42") as uow:
            scope_of(uow).tokens.save(
                TokenSet(access_token=ACCESS, refresh_token=REFRESH, expires_at=datetime(2026, 6, 1, tzinfo=UTC))
            )
            scope_of(uow).alerts.save(StoreAlertSettings(targets=TARGETS, language=AlertLanguage.AR))
            uow.commit()
    finally:
        factory.engine.dispose()


def read_back(cfg: Config) -> tuple[str, str | None, str | None]:
    factory, _ = build_storage(cfg, migrate_schema=False)
    try:
        with factory("42") as uow:
            tokens = scope_of(uow).tokens.get()
            alerts = scope_of(uow).alerts.get()
        with factory() as uow:
            secret = uow.system_settings.get("SALLA_CLIENT_SECRET")
        assert tokens is not None
        assert alerts.targets == TARGETS and alerts.language is AlertLanguage.AR
        return tokens.access_token, tokens.refresh_token, secret
    finally:
        factory.engine.dispose()


def raw_values(cfg: Config) -> list[str]:
    factory, _ = build_storage(cfg, migrate_schema=False)
    try:
        with factory.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT set_config('app.store_id', '*', true)"))
            tokens = conn.execute(text("SELECT * FROM store_tokens")).all()
            settings = conn.execute(text("SELECT * FROM system_settings")).all()
            alerts = conn.execute(text("SELECT * FROM store_alert_settings")).all()
        return [str(v) for row in [*tokens, *settings, *alerts] for v in row]
    finally:
        factory.engine.dispose()


def test_storage_raw_columns_hold_no_plaintext_secret(database_url: str | None, tmp_path: Path) -> None:
    cfg = config(database_url, tmp_path, generate_key())
    save_secrets(cfg)
    values = raw_values(cfg)
    assert "visible-client-id" in values  # the raw read does see the rows
    for plaintext in (ACCESS, REFRESH, SECRET, BOT_TOKEN, "plain-mail-password-77"):
        assert not any(plaintext in v for v in values)
    assert read_back(cfg) == (ACCESS, REFRESH, SECRET)


def test_storage_key_rotation_reencrypts_under_the_first_key(database_url: str | None, tmp_path: Path) -> None:
    old, new = generate_key(), generate_key()
    save_secrets(config(database_url, tmp_path, old))
    before = raw_values(config(database_url, tmp_path, old))

    with pytest.raises(DecryptionFailed):
        read_back(config(database_url, tmp_path, new))  # the new key alone cannot open old rows
    counts = rotate_keys(config(database_url, tmp_path, new, old))
    assert counts == {"store_tokens": 1, "system_settings": 1, "store_alert_settings": 1}

    after = raw_values(config(database_url, tmp_path, new))
    assert after != before
    assert read_back(config(database_url, tmp_path, new)) == (ACCESS, REFRESH, SECRET)  # old key retired
    with pytest.raises(DecryptionFailed):
        read_back(config(database_url, tmp_path, old))


def test_storage_embedded_default_keeps_a_generated_key_beside_the_database(tmp_path: Path) -> None:
    cfg = Config(var_dir=tmp_path / "var")
    save_secrets(cfg)
    key_file = tmp_path / "var" / "encryption.key"
    assert (tmp_path / "var" / "salla-optimizer.db").exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text()
    assert read_back(cfg) == (ACCESS, REFRESH, SECRET)  # a second start reuses the key
    assert key_file.read_text() == key


def test_storage_postgres_without_keys_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeysNotConfigured, match="TOKEN_ENCRYPTION_KEYS"):
        build_storage(Config(var_dir=tmp_path, database_url="postgresql://u@127.0.0.1:1/db"))


def test_storage_bad_key_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Fernet keys"):
        build_storage(Config(var_dir=tmp_path, token_encryption_keys=("not-a-key",)))


def test_storage_embedded_database_and_its_wal_and_shm_are_private(tmp_path: Path) -> None:
    """Created 0600 like the key file, whatever the umask (022 would make them world-readable)."""
    var = tmp_path / "var"
    previous = os.umask(0o022)
    try:
        factory, _ = build_storage(Config(var_dir=var), migrate_schema=True)
        with factory() as uow:
            uow.stores.upsert(Store(store_id="1", store_name="Oud"))
            uow.commit()
        db = var / "salla-optimizer.db"
        files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
        assert all(f.exists() for f in files)  # the engine still holds a connection: WAL and SHM are there
        assert {f.name: oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {f.name: "0o600" for f in files}
        factory.engine.dispose()

        db.chmod(0o644)  # left readable by an earlier version: tightened at the next start
        factory, _ = build_storage(Config(var_dir=var), migrate_schema=True)
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
        factory.engine.dispose()
    finally:
        os.umask(previous)
