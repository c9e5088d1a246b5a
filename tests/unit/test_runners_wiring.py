"""The composition root: what build_services builds for a configuration, and overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.config import Config
from adapters.fake_salla import SANDBOX_CLIENT_ID, FakeSalla
from adapters.memory.storage import InMemoryUnitOfWorkFactory
from adapters.wiring import Services, build_services, salla_credentials


def test_embedded_default_builds_sqlite_and_one_in_process_sandbox(tmp_path: Path) -> None:
    services = build_services(Config(var_dir=tmp_path))
    try:
        assert isinstance(services, Services) and isinstance(services.fake_salla, FakeSalla)
        assert (tmp_path / "salla-optimizer.db").exists()
        merchant = services.fake_salla.sandbox_stores()[0].merchant_id
        issued = services.fake_salla.issue_tokens(merchant)
        # the Salla clients talk to that very fake, in process
        info = services.salla_catalog.store_info(issued["access_token"])
        assert info.merchant_id == str(merchant)
        assert services.salla_auth.refresh(issued["refresh_token"]).access_token != issued["access_token"]
        with services.locks.hold(str(merchant), "sweep", timeout=0) as held:
            assert held
    finally:
        services.close()


def test_overrides_are_used_as_given_and_unknown_ones_refused(tmp_path: Path) -> None:
    uow = InMemoryUnitOfWorkFactory()
    services = build_services(Config(var_dir=tmp_path), uow_factory=uow, locks=object(), advisor=None)
    assert services.uow_factory is uow and services.advisor is None
    assert not (tmp_path / "salla-optimizer.db").exists()   # storage was not built
    with pytest.raises(TypeError, match="queue"):
        build_services(Config(var_dir=tmp_path), queue=object())


def test_credentials_come_from_system_settings_then_env_then_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    uow = InMemoryUnitOfWorkFactory()
    monkeypatch.delenv("SALLA_CLIENT_ID", raising=False)
    monkeypatch.delenv("SALLA_CLIENT_SECRET", raising=False)
    assert salla_credentials(Config(), uow, env={})[0] == SANDBOX_CLIENT_ID
    real = Config(salla_client_id="env-id", salla_client_secret="env-secret")
    assert salla_credentials(real, uow, env={"SALLA_CLIENT_ID": "env-id", "SALLA_CLIENT_SECRET": "env-secret"}) == (
        "env-id", "env-secret")
    with uow() as u:
        u.system_settings.set("SALLA_CLIENT_ID", "db-id")
        u.system_settings.set("SALLA_CLIENT_SECRET", "db-secret", secret=True)
        u.commit()
    assert salla_credentials(real, uow, env={}) == ("db-id", "db-secret")
    with pytest.raises(ValueError, match="SALLA_CLIENT_ID"):
        salla_credentials(Config(salla_accounts_url="https://accounts.example"), InMemoryUnitOfWorkFactory(), env={})
