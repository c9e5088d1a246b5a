"""The storage commands (migrate, keys, settings import-env) and the system-settings lookup, on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.config import Config
from adapters.storage import build_storage, import_env_settings, lookup_setting
from adapters.storage.crypto import generate_key
from adapters.storage.migrate import head_revision
from entrypoints.cli import main


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DATABASE_URL", "TOKEN_ENCRYPTION_KEYS", "SALLA_CLIENT_ID", "SALLA_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SALLA_OPTIMIZER_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def test_storage_cli_migrate_import_env_and_rotate(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert f"is at revision {head_revision()}" in capsys.readouterr().out
    assert (var_dir / "salla-optimizer.db").exists()

    monkeypatch.setenv("SALLA_CLIENT_ID", "client-from-env")
    monkeypatch.setenv("SALLA_CLIENT_SECRET", "secret-from-env")
    assert main(["settings", "import-env"]) == 0
    assert capsys.readouterr().out.splitlines() == ["SALLA_CLIENT_ID: imported", "SALLA_CLIENT_SECRET: imported"]
    monkeypatch.setenv("SALLA_CLIENT_ID", "changed")
    assert main(["settings", "import-env"]) == 0
    assert "SALLA_CLIENT_ID: kept" in capsys.readouterr().out

    old_key = (var_dir / "encryption.key").read_text().strip()
    new_key = generate_key()
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEYS", f"{new_key},{old_key}")
    assert main(["keys", "rotate"]) == 0
    assert "1 secret setting(s)" in capsys.readouterr().out
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEYS", new_key)
    factory, _ = build_storage(Config.from_env())
    try:
        with factory() as uow:
            assert uow.system_settings.get("SALLA_CLIENT_SECRET") == "secret-from-env"
            assert uow.system_settings.get("SALLA_CLIENT_ID") == "client-from-env"
    finally:
        factory.engine.dispose()


def test_storage_cli_errors_are_one_line(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["settings", "import-env"]) == 1
    assert (
        capsys.readouterr().err.strip()
        == "error: neither SALLA_CLIENT_ID nor SALLA_CLIENT_SECRET is set in the environment"
    )
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert main(["keys", "rotate"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: TOKEN_ENCRYPTION_KEYS is not set") and "\n" not in err


def test_storage_cli_keys_generate_prints_a_usable_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "generate"]) == 0
    key = capsys.readouterr().out.strip()
    build_storage(Config(database_url="sqlite://", token_encryption_keys=(key,)), migrate_schema=False)


def test_storage_setting_lookup_reads_the_database_and_import_takes_the_configured_values(tmp_path: Path) -> None:
    factory, _ = build_storage(Config(var_dir=tmp_path))
    config = Config(salla_client_id="env-id", salla_client_secret="env-secret")
    try:
        assert lookup_setting(factory, "SALLA_CLIENT_ID") is None  # the environment is Config's to read
        assert import_env_settings(config, uow_factory=factory) == {"SALLA_CLIENT_ID": "imported",
                                                                    "SALLA_CLIENT_SECRET": "imported"}
        assert lookup_setting(factory, "SALLA_CLIENT_SECRET") == "env-secret"
        assert import_env_settings(config.evolve(salla_client_id="other"), uow_factory=factory) == {
            "SALLA_CLIENT_ID": "kept", "SALLA_CLIENT_SECRET": "kept"}
        assert import_env_settings(Config(salla_client_id="new-id"), uow_factory=factory, overwrite=True) == {
            "SALLA_CLIENT_ID": "imported",
            "SALLA_CLIENT_SECRET": "missing",
        }
        assert lookup_setting(factory, "SALLA_CLIENT_ID") == "new-id"
        assert config.with_stored_credentials(lambda key: lookup_setting(factory, key)).salla_client_id == "new-id"
    finally:
        factory.engine.dispose()
