"""The composition root: what ``bootstrap`` builds for each process kind and configuration, and overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.config import Config, ConfigError
from adapters.fake_salla import FakeSalla
from adapters.memory.storage import InMemoryUnitOfWorkFactory
from adapters.services import Services
from bootstrap import ProcessKind, bootstrap, build_services
from runners.background import EmbeddedBackground
from runners.broker import DramatiqQueue, is_in_process


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
    assert isinstance(services.queue, DramatiqQueue)
    assert not (tmp_path / "salla-optimizer.db").exists()   # storage was not built
    with pytest.raises(TypeError, match="nonsense"):
        build_services(Config(var_dir=tmp_path), nonsense=object())


def test_serve_without_redis_runs_the_worker_and_scheduler_in_process(tmp_path: Path) -> None:
    runtime = bootstrap(Config(var_dir=tmp_path), ProcessKind.SERVE, uow_factory=InMemoryUnitOfWorkFactory(),
                        locks=object())
    try:
        assert is_in_process(runtime.broker) and isinstance(runtime.background, EmbeddedBackground)
        # the sandbox mounted by ``serve`` sends its webhooks to this very server
        assert runtime.services.fake_salla is not None
        assert runtime.services.fake_salla.webhooks.url == "http://127.0.0.1:8000/webhooks/salla"
        # the actors of this process are declared on its broker, bound to these services
        assert set(runtime.broker.get_declared_actors()) >= {"optimize_store", "apply_decisions", "process_webhook"}
    finally:
        runtime.close()


@pytest.mark.parametrize("kind", [ProcessKind.WORKER, ProcessKind.SCHEDULER])
def test_worker_and_scheduler_refuse_to_start_without_redis(kind: ProcessKind, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^REDIS_URL"):
        bootstrap(Config(var_dir=tmp_path), kind)


@pytest.mark.redis
def test_with_redis_every_user_shares_one_redis_client(redis_url: str, tmp_path: Path) -> None:
    runtime = bootstrap(Config(var_dir=tmp_path, redis_url=redis_url), ProcessKind.SERVE,
                        uow_factory=InMemoryUnitOfWorkFactory(), locks=object())
    try:
        assert runtime.background is None and not is_in_process(runtime.broker)   # web only dispatches
        client = runtime.redis
        assert runtime.broker.client is client
        assert runtime.services.echoes._client is client  # type: ignore[union-attr]
        assert runtime.scheduler().claims.client is client  # type: ignore[attr-defined]
    finally:
        runtime.close()


def test_credentials_come_from_system_settings_then_the_environment(tmp_path: Path) -> None:
    uow = InMemoryUnitOfWorkFactory()
    real = Config(salla_client_id="env-id", salla_client_secret="env-secret", var_dir=tmp_path)
    services = build_services(real, uow_factory=uow, locks=object(), advisor=None)
    assert (services.config.salla_client_id, services.config.salla_client_secret) == ("env-id", "env-secret")
    with uow() as u:
        u.system_settings.set("SALLA_CLIENT_ID", "db-id")
        u.system_settings.set("SALLA_CLIENT_SECRET", "db-secret", secret=True)
        u.commit()
    services = build_services(real, uow_factory=uow, locks=object(), advisor=None)
    assert (services.config.salla_client_id, services.config.salla_client_secret) == ("db-id", "db-secret")
    assert services.salla_auth.client_id == "db-id"  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match=r"^SALLA_CLIENT_ID"):
        build_services(Config(salla_accounts_url="https://accounts.example", var_dir=tmp_path),
                       uow_factory=InMemoryUnitOfWorkFactory(), locks=object())


def test_store_identity_from_its_salla_url_claims_a_path_on_a_shared_host_and_a_whole_own_domain() -> None:
    from adapters.competitors import OwnStore

    on_salla = OwnStore.of_store("https://salla.sa/oud-house", ["Oud House Outlet"])
    assert on_salla.owns("x", "https://salla.sa/oud-house/p/123") and on_salla.owns("x", "www.salla.sa/Oud-House")
    assert not on_salla.owns("rival", "https://salla.sa/oud-house-rival/p/1")   # a prefix, not a path
    assert not on_salla.owns("rival", "https://salla.sa/rival/p/1")             # other merchants compete
    assert on_salla.owns("oud house outlet", "https://elsewhere.example/p/1")   # by name
    own_domain = OwnStore.of_store("https://www.oud-house.sa/", [])
    assert own_domain.owns("x", "https://shop.oud-house.sa/p/1") and not own_domain.owns("x", "https://noon.com/p")
    assert not OwnStore.of_store(None, []).owns("x", "https://salla.sa/oud-house")


def test_competitor_source_marks_each_stores_own_listings_with_one_lookup_per_call(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from adapters.memory.locks import ThreadStoreLocks
    from pricing_core.catalog import Product
    from pricing_core.settings import TenantSettings
    from pricing_core.stores import Store

    memory = InMemoryUnitOfWorkFactory()
    opened: list[str | None] = []

    def uow_factory(store_id: str | None = None):  # type: ignore[no-untyped-def]
        opened.append(store_id)
        return memory(store_id)

    for store_id, url in (("1", "https://salla.sa/oud-house"), ("2", "https://rival.sa")):
        with memory(store_id) as uow:
            uow.stores.upsert(Store(store_id=store_id, store_name=f"Store {store_id}", domain=url))
            assert uow.store is not None
            uow.store.settings.save(TenantSettings(own_store_names=("Oud House Outlet",) if store_id == "1" else ()))
            uow.commit()
    feed = tmp_path / "feed.csv"
    feed.write_text(
        "sku,competitor,price,currency,url,in_stock,observed_at\n"
        "SKU-1,oud-house,95,SAR,https://salla.sa/oud-house/p/1,true,2026-11-23T11:00:00Z\n"
        "SKU-1,rival,96,SAR,https://rival.sa/p/9,true,2026-11-23T11:00:00Z\n"
        "SKU-1,other-salla-store,97,SAR,https://salla.sa/other/p/9,true,2026-11-23T11:00:00Z\n"
        "SKU-1,Oud House Outlet,94,SAR,https://outlet.example/p/1,true,2026-11-23T11:00:00Z\n",
        encoding="utf-8",
    )
    config = Config(salla_client_id="id", salla_client_secret="secret", competitor_feed_url=str(feed))
    services = build_services(config, uow_factory=uow_factory, locks=ThreadStoreLocks(), salla_auth=object(),
                              salla_catalog=object(), advisor=None)
    products = [Product(id=str(i), sku=f"SKU-{i}", name=f"P{i}", price="100") for i in (1, 2, 3)]
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)

    opened.clear()
    mine = {o.competitor: o.is_own_store for o in services.competitors.offers_for("1", products, now)["1"]}
    assert mine == {"oud-house": True, "rival": False, "other-salla-store": False, "Oud House Outlet": True}
    assert opened == ["1"]                                  # one lookup for the call, not one per product
    theirs = {o.competitor: o.is_own_store for o in services.competitors.offers_for("2", products, now)["1"]}
    assert theirs == {"oud-house": False, "rival": True, "other-salla-store": False, "Oud House Outlet": False}
