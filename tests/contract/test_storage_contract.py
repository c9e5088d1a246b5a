"""The storage port's contract, run against every implementation: memory, SQLite and PostgreSQL.

Each backend gets one schema per module; every test starts from empty tables.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

import attrs
import pytest
from pydantic import ValidationError
from sqlalchemy import text

from adapters.config import Config
from adapters.memory import InMemoryUnitOfWorkFactory
from adapters.storage import build_storage
from adapters.storage import models as storage_models
from adapters.storage.crypto import generate_key
from pricing_core.activity import ActivityType
from pricing_core.alert_settings import AlertLanguage, StoreAlertSettings
from pricing_core.alerts import AlertKind
from pricing_core.catalog import CompetitorOffer, PricePoint, Product
from pricing_core.decision import Action, DecisionRecord, DecisionStatus, PricingDecision, RiskLevel
from pricing_core.errors import StoreNotFound
from pricing_core.overrides import ProductOverride
from pricing_core.ports import StoreScope, UnitOfWorkFactory, scope_of
from pricing_core.rules import PricingRule, RuleMatch
from pricing_core.runs import OptimizationRun, RunStatus, RunType
from pricing_core.settings import AutomationMode, RiskTolerance, Strategy, TenantSettings
from pricing_core.store_events import SubscriptionState
from pricing_core.stores import Store
from pricing_core.tokens import TokenSet

T = TypeVar("T")

T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def _empty_sql_tables(factory: UnitOfWorkFactory) -> None:
    engine = factory.engine  # type: ignore[attr-defined]
    names = [t.name for t in reversed(storage_models.metadata.sorted_tables)]
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        else:
            for name in names:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture(
    scope="module",
    params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    """(name, factory-maker): the SQL backends share one migrated database per module."""
    if request.param == "memory":
        yield "memory", None
        return
    if request.param == "sqlite":
        config = Config(var_dir=tmp_path_factory.mktemp("storage-contract"))
    else:
        config = Config(
            database_url=request.getfixturevalue("fresh_postgres_url"), token_encryption_keys=(generate_key(),)
        )
    factory, _locks = build_storage(config, migrate_schema=True)
    yield request.param, factory
    factory.engine.dispose()


@pytest.fixture
def uow_factory(backend: tuple[str, object]) -> UnitOfWorkFactory:
    name, shared = backend
    if name == "memory":
        return InMemoryUnitOfWorkFactory()
    factory: UnitOfWorkFactory = shared  # type: ignore[assignment]
    _empty_sql_tables(factory)
    return factory


# -- sample data ------------------------------------------------------------------------------


def store(store_id: str = "1001", **changes: object) -> Store:
    values: dict[str, object] = {"store_id": store_id, "store_name": f"Store {store_id}", "installed_at": T0}
    values.update(changes)
    return Store(**values)  # type: ignore[arg-type]


def product(pid: str, price: str = "100.00", **changes: object) -> Product:
    values: dict[str, object] = {"id": pid, "sku": f"SKU-{pid}", "name": f"Product {pid}", "price": Decimal(price)}
    values.update(changes)
    return Product(**values)  # type: ignore[arg-type]


def offer(competitor: str, price: str, at: datetime, **changes: object) -> CompetitorOffer:
    values: dict[str, object] = {"competitor": competitor, "price": Decimal(price), "observed_at": at}
    values.update(changes)
    return CompetitorOffer(**values)  # type: ignore[arg-type]


def decision(product_id: str = "p1", **changes: object) -> PricingDecision:
    values: dict[str, object] = {
        "product_id": product_id,
        "sku": f"SKU-{product_id}",
        "name": "Kettle",
        "old_price": Decimal("100.00"),
        "suggested_price": Decimal("95.50"),
        "cost_price": Decimal("60"),
        "currency": "SAR",
        "strategy": "match",
        "reference_price": Decimal("95.50"),
        "floor_price": Decimal("80.50"),
        "risk": RiskLevel.LOW,
        "action": Action.AUTO_APPLY,
        "change_pct": Decimal("-4.5"),
        "margin_pct_after": Decimal("27.7486"),
        "offers_considered": 3,
        "offers_used": 2,
        "explanation": ("Reference: lowest usable offer 95.50", "Guards: floor 80.50 not reached"),
        "decided_at": T0,
        "fingerprint": f"fp-{product_id}",
    }
    values.update(changes)
    return PricingDecision(**values)  # type: ignore[arg-type]


def record(
    rid: str, key: str | None = None, *, store_id: str = "1001", product_id: str = "p1", **changes: object
) -> DecisionRecord:
    values: dict[str, object] = {
        "id": rid,
        "store_id": store_id,
        "run_id": "run-1",
        "idempotency_key": key or f"key-{rid}",
        "decision": decision(product_id),
        "status": DecisionStatus.PENDING,
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(changes)
    return DecisionRecord(**values)  # type: ignore[arg-type]


def run(rid: str, *, store_id: str = "1001", started: datetime = T0, **changes: object) -> OptimizationRun:
    values: dict[str, object] = {
        "id": rid,
        "store_id": store_id,
        "run_type": RunType.SCHEDULED,
        "status": RunStatus.RUNNING,
        "started_at": started,
    }
    values.update(changes)
    return OptimizationRun(**values)  # type: ignore[arg-type]


def tokens(suffix: str = "1", expires: datetime = T0 + timedelta(days=10)) -> TokenSet:
    return TokenSet(
        access_token=f"access-{suffix}", refresh_token=f"refresh-{suffix}", expires_at=expires, scope="offline_access"
    )


def seed(factory: UnitOfWorkFactory, *stores: Store) -> None:
    with factory() as uow:
        for s in stores or (store(),):
            uow.stores.upsert(s)
        uow.commit()


def in_store(factory: UnitOfWorkFactory, store_id: str, fn: Callable[[StoreScope], T], *, commit: bool = True) -> T:
    with factory(store_id) as uow:
        result = fn(scope_of(uow))
        if commit:
            uow.commit()
        return result


# -- stores and the sweep listings -----------------------------------------------------------


def test_storage_stores_upsert_get_and_list_in_store_id_order(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory, store("20"), store("100"), store("3", domain="s3.example", email="a@b.c"))
    with uow_factory() as uow:
        assert uow.stores.get("3") == store("3", domain="s3.example", email="a@b.c")
        assert uow.stores.get("404") is None
        assert [s.store_id for s in uow.stores.list_all()] == ["100", "20", "3"]
        uow.stores.upsert(store("3", store_name="Renamed", plan="pro"))
        uow.commit()
    with uow_factory() as uow:
        got = uow.stores.get("3")
        assert got is not None and (got.store_name, got.plan, got.domain) == ("Renamed", "pro", None)
        assert got.installed_at == T0 and got.installed_at.tzinfo is not None


def test_storage_store_bound_unit_records_its_last_run_and_keeps_the_rest(uow_factory: UnitOfWorkFactory) -> None:
    # What a completed sweep does (optimize_store): read its store and upsert it with last_run_at.
    seed(uow_factory, store("7", domain="s7.example"), store("8"))
    with uow_factory("7") as uow:
        current = uow.stores.get("7")
        assert current is not None and current.last_run_at is None
        uow.stores.upsert(attrs.evolve(current, last_run_at=T0 + timedelta(hours=3)))
        uow.commit()
    with uow_factory() as uow:
        got = uow.stores.get("7")
        assert got == store("7", domain="s7.example", last_run_at=T0 + timedelta(hours=3))
        assert got is not None and got.last_run_at is not None and got.last_run_at.tzinfo is not None
        assert uow.stores.get("8") == store("8")


def test_storage_set_active_records_and_clears_deactivation(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    with uow_factory() as uow:
        uow.stores.set_active("1001", False, reason="Invalid refresh token", at=T0)
        uow.stores.set_active("404", False, reason="nobody", at=T0)  # unknown store: nothing happens
        uow.commit()
    with uow_factory() as uow:
        got = uow.stores.get("1001")
        assert got is not None
        assert (got.is_active, got.deactivated_at, got.deactivation_reason) == (False, T0, "Invalid refresh token")
        assert uow.stores.get("404") is None
        uow.stores.set_active("1001", True, reason=None, at=T0 + timedelta(hours=1))
        uow.commit()
    with uow_factory() as uow:
        got = uow.stores.get("1001")
        assert got is not None and (got.is_active, got.deactivated_at, got.deactivation_reason) == (True, None, None)


def test_storage_active_stores_come_with_their_settings_or_the_defaults(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory, store("1"), store("2"), store("3", is_active=False))
    custom = TenantSettings(
        automation_mode=AutomationMode.FULL_AUTO,
        min_profit_margin=Decimal("22.5"),
        risk_tolerance=RiskTolerance.LOW,
        strategy=Strategy.BEAT_PERCENT,
        strategy_value=Decimal("1.5"),
        own_store_names=("my-shop", "my-shop-2"),
        update_frequency_hours=12,
    )
    in_store(uow_factory, "2", lambda s: s.settings.save(custom))
    with uow_factory() as uow:
        listing = uow.stores.list_active_with_settings()
    assert [(s.store_id, settings) for s, settings in listing] == [("1", TenantSettings()), ("2", custom)]
    assert in_store(uow_factory, "2", lambda s: s.settings.get()) == custom
    assert in_store(uow_factory, "1", lambda s: s.settings.get()) == TenantSettings()


def test_storage_settings_saved_before_stricter_rules_are_read_leniently(
    backend: tuple[str, object], uow_factory: UnitOfWorkFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A "beat by 200%" saved by an earlier release: the sweep listing and the store read it as match."""
    if backend[0] == "memory":
        # The memory backend keeps TenantSettings objects, and no such object can hold the old value:
        # nothing it saved can outgrow the rules.
        with pytest.raises(ValidationError, match="strategy_value"):
            TenantSettings(strategy=Strategy.BEAT_PERCENT, strategy_value=Decimal("200"))
        return
    seed(uow_factory, store("1"), store("2"))
    in_store(uow_factory, "1", lambda s: s.settings.save(TenantSettings(min_profit_margin=Decimal("40"))))
    saved = TenantSettings(min_profit_margin=Decimal("40")).model_dump(mode="json")
    saved.update(strategy="beat_percent", strategy_value="200")
    t = storage_models.store_settings
    with uow_factory("1") as uow:  # store-bound: row-level security lets the statement see the row
        changed = uow.conn.execute(t.update().where(t.c.store_id == "1").values(settings=saved))  # type: ignore[attr-defined]
        assert changed.rowcount == 1
        uow.commit()
    with uow_factory() as uow:
        listing = dict((s.store_id, settings) for s, settings in uow.stores.list_active_with_settings())
    read = in_store(uow_factory, "1", lambda s: s.settings.get())
    assert listing["1"] == read and listing["2"] == TenantSettings()
    assert (read.strategy, read.strategy_value, read.min_profit_margin) == (Strategy.MATCH, 0, Decimal("40"))
    assert "store 1: saved settings no longer validate" in caplog.text


def test_storage_tokens_round_trip_and_expiry_listings(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory, store("1"), store("2"), store("3"), store("4", is_active=False))
    assert in_store(uow_factory, "1", lambda s: s.tokens.get()) is None
    in_store(uow_factory, "1", lambda s: s.tokens.save(tokens("old", T0 + timedelta(hours=2))))
    in_store(uow_factory, "1", lambda s: s.tokens.save(tokens("new", T0 + timedelta(hours=5))))
    in_store(uow_factory, "2", lambda s: s.tokens.save(tokens("2", T0 - timedelta(hours=1))))  # expired
    in_store(uow_factory, "3", lambda s: s.tokens.save(tokens("3", T0 + timedelta(days=30))))
    in_store(uow_factory, "4", lambda s: s.tokens.save(tokens("4", T0)))  # inactive store
    got = in_store(uow_factory, "1", lambda s: s.tokens.get())
    assert isinstance(got, TokenSet)
    assert (got.access_token, got.refresh_token, got.expires_at, got.scope, got.token_type) == (
        "access-new",
        "refresh-new",
        T0 + timedelta(hours=5),
        "offline_access",
        "bearer",
    )
    with uow_factory() as uow:
        expiring = uow.stores.tokens_expiring(T0 + timedelta(hours=24))
        overview = uow.stores.token_overview()
    assert [(s.store_id, t.access_token) for s, t in expiring] == [("1", "access-new"), ("2", "access-2")]
    seed(uow_factory, store("5"))
    with uow_factory() as uow:
        overview = uow.stores.token_overview()
    assert [(s.store_id, t.access_token if t else None) for s, t in overview] == [
        ("1", "access-new"),
        ("2", "access-2"),
        ("3", "access-3"),
        ("4", "access-4"),
        ("5", None),
    ]


def test_storage_token_without_refresh_token(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    saved = TokenSet(access_token="only-access", refresh_token=None, expires_at=T0)
    in_store(uow_factory, "1001", lambda s: s.tokens.save(saved))
    got = in_store(uow_factory, "1001", lambda s: s.tokens.get())
    assert isinstance(got, TokenSet) and (got.access_token, got.refresh_token) == ("only-access", None)


def test_storage_recent_failed_runs_across_stores_newest_first(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory, store("1"), store("2"))
    in_store(uow_factory, "1", lambda s: s.runs.add(run("a", store_id="1", status=RunStatus.FAILED, error="boom")))
    in_store(uow_factory, "1", lambda s: s.runs.add(run("b", store_id="1", started=T0 + timedelta(hours=1))))
    in_store(
        uow_factory,
        "2",
        lambda s: s.runs.add(run("c", store_id="2", started=T0 + timedelta(hours=2), status=RunStatus.FAILED)),
    )
    with uow_factory() as uow:
        assert [r.id for r in uow.stores.recent_failed_runs()] == ["c", "a"]
        assert [r.id for r in uow.stores.recent_failed_runs(limit=1)] == ["c"]


def test_storage_stalled_decisions_across_stores_oldest_first(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory, store("1"), store("2"))
    at = {m: T0 + timedelta(minutes=m) for m in range(10)}
    in_store(uow_factory, "1", lambda s: s.decisions.add_many([
        record("d1", store_id="1", status=DecisionStatus.APPLYING, updated_at=at[3]),
        record("d2", store_id="1", status=DecisionStatus.APPROVED, updated_at=at[1]),
        record("d3", store_id="1", status=DecisionStatus.APPLYING, updated_at=at[8]),   # too recent
        record("d4", store_id="1", status=DecisionStatus.PENDING, updated_at=at[0]),    # not in flight
    ]))
    in_store(uow_factory, "2", lambda s: s.decisions.add_many([
        record("e1", store_id="2", status=DecisionStatus.APPLYING, updated_at=at[2]),
        record("e0", store_id="2", status=DecisionStatus.APPLYING, updated_at=at[2]),
    ]))
    cutoff = at[5]
    with uow_factory() as uow:
        found = uow.stores.stalled_decisions([DecisionStatus.APPLYING], cutoff)
        assert [(r.store_id, r.id) for r in found] == [("2", "e0"), ("2", "e1"), ("1", "d1")]
        assert found[2] == record("d1", store_id="1", status=DecisionStatus.APPLYING, updated_at=at[3])
        both = uow.stores.stalled_decisions([DecisionStatus.APPLYING, DecisionStatus.APPROVED], cutoff, limit=2)
        assert [r.id for r in both] == ["d2", "e0"]
        assert uow.stores.stalled_decisions([], cutoff) == []
        assert uow.stores.stalled_decisions([DecisionStatus.APPLYING], at[2]) == []   # strictly before
    with uow_factory("1") as uow:   # a store-bound unit of work sees only its store, as everywhere
        assert [r.id for r in uow.stores.stalled_decisions([DecisionStatus.APPLYING], cutoff)] == ["d1"]


def test_storage_stalled_runs_by_last_progress(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory, store("1"), store("2"))
    hour = timedelta(hours=1)
    runs = {
        "old-beat": run("old-beat", store_id="1", updated_at=T0 + timedelta(minutes=5)),
        "fresh-beat": run("fresh-beat", store_id="1", updated_at=T0 + 2 * hour),      # started long ago, alive
        "no-beat": run("no-beat", store_id="2", started=T0 + timedelta(minutes=1)),    # before heartbeats existed
        "done": run("done", store_id="2", status=RunStatus.COMPLETED, updated_at=T0),
    }
    for r in runs.values():
        in_store(uow_factory, r.store_id, lambda s, r=r: s.runs.add(r))
    with uow_factory() as uow:
        found = uow.stores.stalled_runs(T0 + hour)
        assert [r.id for r in found] == ["no-beat", "old-beat"]
        assert found[1] == runs["old-beat"] and found[0].last_progress_at == T0 + timedelta(minutes=1)
        assert [r.id for r in uow.stores.stalled_runs(T0 + hour, limit=1)] == ["no-beat"]
        assert [r.id for r in uow.stores.stalled_runs(T0 + 3 * hour)] == ["no-beat", "old-beat", "fresh-beat"]
    with uow_factory("2") as uow:
        assert [r.id for r in uow.stores.stalled_runs(T0 + 3 * hour)] == ["no-beat"]


# -- catalog, offers, history ----------------------------------------------------------------


def test_storage_products_upsert_get_list_count(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    first = [product("b"), product("a", cost_price=Decimal("40.10"), quantity=3, gtin="123", variant_of="x")]
    in_store(uow_factory, "1001", lambda s: s.products.upsert_many(first, seen_at=T0))
    changed = [product("b", "89.90", prices_include_vat=False, status="hidden"), product("c", "1.005")]
    in_store(uow_factory, "1001", lambda s: s.products.upsert_many(changed, seen_at=T0 + timedelta(hours=1)))

    def check(s: StoreScope) -> None:
        assert s.products.count() == 3
        assert s.products.get("a") == first[1]
        assert s.products.get("zzz") is None
        b = s.products.get("b")
        assert b == changed[0] and b is not None and str(b.price) == "89.90"  # the scale survives
        assert str(s.products.get_many(["c"])["c"].price) == "1.005"
        assert set(s.products.get_many(["a", "c", "nope"])) == {"a", "c"}
        assert [p.id for p in s.products.list()] == ["a", "b", "c"]
        assert [p.id for p in s.products.list(limit=1, offset=1)] == ["b"]

    in_store(uow_factory, "1001", check, commit=False)


def test_storage_products_keep_their_grouping(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    grouped = product("g", categories=("1032561074", "7"), brand="259940351", tags=("عطر", "Cream"),
                      category_names=(("1032561074", "الفساتين"), ("7", "Perfume")), brand_name="Luis Viton")
    in_store(uow_factory, "1001", lambda s: s.products.upsert_many([grouped, product("plain")], seen_at=T0))

    def check(s: StoreScope) -> None:
        assert s.products.get("g") == grouped
        plain = s.products.get("plain")
        assert plain is not None and (plain.categories, plain.brand, plain.tags) == ((), None, ())
        assert (plain.category_names, plain.brand_name) == ((), None)

    in_store(uow_factory, "1001", check, commit=False)


def test_storage_products_by_sku(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory, store("1001"), store("other"))
    batch = [product("p2", sku="A-1"), product("p1", sku="A-1"), product("p3", sku="ب-٣"), product("p4", sku=None)]
    in_store(uow_factory, "1001", lambda s: s.products.upsert_many(batch, seen_at=T0))
    in_store(uow_factory, "other", lambda s: s.products.upsert_many([product("x", sku="A-1")], seen_at=T0))
    found = in_store(uow_factory, "1001", lambda s: s.products.ids_by_sku(["A-1", "ب-٣", "nope"]), commit=False)
    assert found == {"A-1": ["p1", "p2"], "ب-٣": ["p3"]}


def test_storage_rules_replace_and_list_in_precedence_order(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    perfume = PricingRule(name="عطور", priority=2, match=RuleMatch(categories=("7",), tags=("عطر",),
                                                                   price_min="10.50", price_max="999.99"),
                          settings={"min_profit_margin": Decimal("25.5"), "automation_mode": "manual"})
    clearance = PricingRule(name="clearance", priority=5, match=RuleMatch(skus=("A-1", "B-2"), product_ids=("9",)),
                            settings={"strategy": "beat_percent", "strategy_value": "3"})
    wide = PricingRule(name="everything", priority=0)
    in_store(uow_factory, "1001", lambda s: s.rules.replace_all([wide, perfume, clearance]))
    assert in_store(uow_factory, "1001", lambda s: s.rules.list(), commit=False) == [clearance, perfume, wide]
    # Replacing is replacing: a rule left out is gone, a renamed one is new.
    in_store(uow_factory, "1001", lambda s: s.rules.replace_all([perfume]))
    assert in_store(uow_factory, "1001", lambda s: s.rules.list(), commit=False) == [perfume]
    with uow_factory("1001") as uow, pytest.raises(ValueError, match="share a name"):
        scope_of(uow).rules.replace_all([wide, PricingRule(name="everything", priority=3)])
    in_store(uow_factory, "1001", lambda s: s.rules.replace_all([]))
    assert in_store(uow_factory, "1001", lambda s: s.rules.list(), commit=False) == []


def test_storage_overrides_upsert_get_list_delete(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    pinned = ProductOverride(product_id="p1", fixed_price="99.95", map_price="90")
    costed = ProductOverride(product_id="p2", cost_price="35.125", min_price="50", max_price="80")
    out = ProductOverride(product_id="p3", excluded=True)
    in_store(uow_factory, "1001", lambda s: s.overrides.upsert_many([pinned, costed, out]))
    changed = ProductOverride(product_id="p2", cost_price="36")
    in_store(uow_factory, "1001", lambda s: s.overrides.upsert_many([changed]))

    def check(s: StoreScope) -> None:
        assert s.overrides.count() == 3
        got = s.overrides.get_many(["p1", "p2", "nope"])
        assert got == {"p1": pinned, "p2": changed}  # p2 replaced whole: its min/max are gone
        assert str(got["p1"].fixed_price) == "99.95"
        assert [o.product_id for o in s.overrides.list()] == ["p1", "p2", "p3"]
        assert s.overrides.list(limit=1, offset=2) == [out]

    in_store(uow_factory, "1001", check, commit=False)
    assert in_store(uow_factory, "1001", lambda s: s.overrides.delete("p1")) is True
    assert in_store(uow_factory, "1001", lambda s: s.overrides.delete("p1")) is False
    assert in_store(uow_factory, "1001", lambda s: s.overrides.get_many(["p1", "p2"]), commit=False) == {"p2": changed}


def test_storage_rules_and_overrides_need_a_known_store(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory("ghost") as uow, pytest.raises(StoreNotFound):
        scope_of(uow).rules.replace_all([PricingRule(name="r")])
    with uow_factory("ghost") as uow, pytest.raises(StoreNotFound):
        scope_of(uow).overrides.upsert_many([ProductOverride(product_id="p1", excluded=True)])


def test_storage_alert_settings_default_save_replace_and_stay_in_their_store(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    with uow_factory() as uow:
        uow.stores.upsert(store("2002"))
        uow.commit()
    assert in_store(uow_factory, "1001", lambda s: s.alerts.get(), commit=False) == StoreAlertSettings()
    mine = StoreAlertSettings(targets=("tgram://123:ABC/99", "jsons://u:p@hooks.example.com/a?x=1", "mailto://ب@example.sa"),
                              language=AlertLanguage.AR, kinds=(AlertKind.RUN_FAILED, AlertKind.TOKEN_REVOKED))
    in_store(uow_factory, "1001", lambda s: s.alerts.save(mine))
    got = in_store(uow_factory, "1001", lambda s: s.alerts.get(), commit=False)
    assert got == mine and got.targets[0] == "tgram://123:ABC/99"  # order kept
    assert in_store(uow_factory, "2002", lambda s: s.alerts.get(), commit=False) == StoreAlertSettings()
    cleared = StoreAlertSettings(language=AlertLanguage.EN, kinds=())
    in_store(uow_factory, "1001", lambda s: s.alerts.save(cleared))
    assert in_store(uow_factory, "1001", lambda s: s.alerts.get(), commit=False) == cleared
    with uow_factory("ghost") as uow, pytest.raises(StoreNotFound):
        scope_of(uow).alerts.save(mine)


def test_storage_latest_offer_per_competitor(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    in_store(
        uow_factory,
        "1001",
        lambda s: s.offers.add_many(
            {
                "p1": [
                    offer("noon", "90", T0),
                    offer("noon", "88.50", T0 + timedelta(hours=1), previous_price=Decimal("90")),
                    offer("amazon", "91", T0, confidence=Decimal("0.75"), in_stock=False, url="https://a/1"),
                ],
                "p2": [offer("noon", "10", T0, second_reading=Decimal("10.10"), is_own_store=True, source="search",
                             shipping=Decimal("12.50"))],
                "p3": [],
            }
        ),
    )
    in_store(uow_factory, "1001", lambda s: s.offers.add_many({"p1": [offer("noon", "80", T0 - timedelta(days=1))]}))
    latest = in_store(uow_factory, "1001", lambda s: s.offers.latest(["p1", "p2", "p3", "p9"]))
    assert isinstance(latest, dict)
    assert set(latest) == {"p1", "p2"}
    assert latest["p1"] == [
        offer("amazon", "91", T0, confidence=Decimal("0.75"), in_stock=False, url="https://a/1"),
        offer("noon", "88.50", T0 + timedelta(hours=1), previous_price=Decimal("90")),
    ]
    assert latest["p2"] == [
        offer("noon", "10", T0, second_reading=Decimal("10.10"), is_own_store=True, source="search",
              shipping=Decimal("12.50"))
    ]
    assert in_store(uow_factory, "1001", lambda s: s.offers.latest(["p2"])) == {"p2": latest["p2"]}


def test_storage_price_history(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    points = [
        PricePoint(product_id="p1", price=Decimal("100"), changed_at=T0),
        PricePoint(product_id="p1", price=Decimal("95.50"), changed_at=T0 + timedelta(days=1), source="manual"),
        PricePoint(product_id="p2", price=Decimal("7"), changed_at=T0),
    ]
    in_store(uow_factory, "1001", lambda s: s.price_history.add_many(points))

    def check(s: StoreScope) -> None:
        assert s.price_history.for_product("p1") == [points[1], points[0]]
        assert s.price_history.for_product("p1", limit=1) == [points[1]]
        assert s.price_history.for_product("nope") == []
        assert s.price_history.latest(["p1", "p2", "p3"]) == {"p1": points[1], "p2": points[2]}
        # The changes from a moment on, with the price in effect at that moment, oldest first.
        assert s.price_history.since(["p1", "p2"], T0 + timedelta(hours=1)) == [points[0], points[2], points[1]]
        assert s.price_history.since(["p1"], T0 + timedelta(days=1)) == [points[0], points[1]]
        assert s.price_history.since(["p1"], T0 + timedelta(days=2)) == [points[1]]
        assert s.price_history.since(["p1"], T0 - timedelta(days=1)) == [points[0], points[1]]
        assert s.price_history.since(["nope"], T0) == []

    in_store(uow_factory, "1001", check, commit=False)


# -- decisions and runs ----------------------------------------------------------------------


def test_storage_decisions_skip_known_idempotency_keys(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    assert in_store(uow_factory, "1001", lambda s: s.decisions.add_many([record("d1"), record("d2")])) == 2
    again = [record("d1"), record("d3", "key-d2"), record("d4"), record("d5", "key-d4")]  # d5 repeats d4 in-batch
    assert in_store(uow_factory, "1001", lambda s: s.decisions.add_many(again)) == 1
    assert in_store(uow_factory, "1001", lambda s: s.decisions.add_many([])) == 0

    def check(s: StoreScope) -> None:
        assert s.decisions.count() == 3
        assert s.decisions.existing_keys(["key-d1", "key-d4", "key-zz"]) == {"key-d1", "key-d4"}
        assert s.decisions.existing_keys([]) == set()
        assert s.decisions.get("d3") is None
        assert s.decisions.get("d1") == record("d1")

    in_store(uow_factory, "1001", check, commit=False)


def test_storage_decision_round_trip_is_exact(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    full = record("d1", decided_by="merchant@x", error="none yet", run_id=None)
    sparse = record(
        "d2",
        decision=decision(
            "p2",
            sku=None,
            cost_price=None,
            reference_price=None,
            floor_price=None,
            margin_pct_after=None,
            explanation=(),
        ),
    )
    in_store(uow_factory, "1001", lambda s: s.decisions.add_many([full, sparse]))
    got = in_store(uow_factory, "1001", lambda s: (s.decisions.get("d1"), s.decisions.get("d2")))
    assert got == (full, sparse)
    assert isinstance(got, tuple) and str(got[0].decision.margin_pct_after) == "27.7486"


def test_storage_decisions_list_filters_and_orders_newest_first(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    batch = [
        record("d1", product_id="p1", created_at=T0),
        record("d2", product_id="p2", created_at=T0 + timedelta(minutes=1), run_id="run-2"),
        record("d3", product_id="p1", created_at=T0 + timedelta(minutes=2), status=DecisionStatus.RECORDED),
        record("d4", product_id="p3", created_at=T0 + timedelta(minutes=2)),
    ]
    in_store(uow_factory, "1001", lambda s: s.decisions.add_many(batch))

    def check(s: StoreScope) -> None:
        assert [r.id for r in s.decisions.list()] == ["d4", "d3", "d2", "d1"]  # ties: higher id first
        assert [r.id for r in s.decisions.list(status=DecisionStatus.PENDING)] == ["d4", "d2", "d1"]
        assert [r.id for r in s.decisions.list(product_id="p1")] == ["d3", "d1"]
        assert [r.id for r in s.decisions.list(run_id="run-2")] == ["d2"]
        assert [r.id for r in s.decisions.list(limit=2, offset=1)] == ["d3", "d2"]
        assert s.decisions.count(status=DecisionStatus.PENDING) == 3
        assert s.decisions.count(status=DecisionStatus.APPLIED) == 0

    in_store(uow_factory, "1001", check, commit=False)


def test_storage_decision_status_changes(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    in_store(uow_factory, "1001", lambda s: s.decisions.add_many([record("d1"), record("d2"), record("d3")]))
    later = T0 + timedelta(hours=1)
    in_store(
        uow_factory,
        "1001",
        lambda s: s.decisions.set_status(["d1", "d2", "missing"], DecisionStatus.APPROVED, at=later, by="owner"),
    )
    in_store(
        uow_factory,
        "1001",
        lambda s: s.decisions.set_status(["d2"], DecisionStatus.FAILED, at=later, error="Salla said no"),
    )

    def check(s: StoreScope) -> None:
        d1, d2, d3 = (s.decisions.get(i) for i in ("d1", "d2", "d3"))
        assert d1 is not None and (d1.status, d1.updated_at, d1.decided_by, d1.error) == (
            DecisionStatus.APPROVED,
            later,
            "owner",
            None,
        )
        assert d2 is not None and (d2.status, d2.decided_by, d2.error) == (
            DecisionStatus.FAILED,
            "owner",
            "Salla said no",
        )
        assert d3 == record("d3")

    in_store(uow_factory, "1001", check, commit=False)


def test_storage_decision_status_changes_follow_the_lifecycle(uow_factory: UnitOfWorkFactory) -> None:
    """A move the lifecycle forbids (out of a final status, or skipping APPROVED) changes nothing."""
    seed(uow_factory)
    in_store(uow_factory, "1001", lambda s: s.decisions.add_many([record("d1"), record("d2")]))
    later = T0 + timedelta(hours=1)
    in_store(uow_factory, "1001", lambda s: s.decisions.set_status(["d1"], DecisionStatus.REJECTED, at=later))
    in_store(uow_factory, "1001", lambda s: s.decisions.set_status(["d1", "d2"], DecisionStatus.APPLYING, at=later))
    in_store(uow_factory, "1001", lambda s: s.decisions.set_status(["d1"], DecisionStatus.PENDING, at=later))

    def check(s: StoreScope) -> None:
        d1, d2 = (s.decisions.get(i) for i in ("d1", "d2"))
        assert d1 is not None and d1.status is DecisionStatus.REJECTED   # final: stays
        assert d2 is not None and d2.status is DecisionStatus.PENDING    # PENDING -> APPLYING is not a move

    in_store(uow_factory, "1001", check, commit=False)


def test_storage_decision_status_change_with_expected_status_is_a_compare_and_set(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """``expected``: only decisions still in one of those statuses move (a sweep superseding vs an approval)."""
    seed(uow_factory)
    in_store(uow_factory, "1001", lambda s: s.decisions.add_many([record("d1"), record("d2")]))
    later = T0 + timedelta(hours=1)
    in_store(uow_factory, "1001", lambda s: s.decisions.set_status(["d1"], DecisionStatus.APPROVED, at=later))
    in_store(
        uow_factory,
        "1001",
        lambda s: s.decisions.set_status(["d1", "d2"], DecisionStatus.SUPERSEDED, at=later, by="optimizer",
                                         expected=(DecisionStatus.PENDING,)),
    )

    def check(s: StoreScope) -> None:
        d1, d2 = (s.decisions.get(i) for i in ("d1", "d2"))
        assert d1 is not None and d1.status is DecisionStatus.APPROVED
        assert d2 is not None and (d2.status, d2.decided_by) == (DecisionStatus.SUPERSEDED, "optimizer")

    in_store(uow_factory, "1001", check, commit=False)


def test_storage_runs_add_update_recent(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    in_store(uow_factory, "1001", lambda s: s.runs.add(run("r1")))
    in_store(
        uow_factory, "1001", lambda s: s.runs.add(run("r2", started=T0 + timedelta(hours=6), run_type=RunType.MANUAL))
    )
    done = run(
        "r1",
        status=RunStatus.COMPLETED,
        finished_at=T0 + timedelta(minutes=3),
        duration_seconds=180.25,
        products_analyzed=10,
        products_updated=4,
        products_queued=3,
        products_skipped=1,
        run_key="scheduled:20260301T0930",
        updated_at=T0 + timedelta(minutes=3),
        recoveries=2,
    )
    in_store(uow_factory, "1001", lambda s: s.runs.update(done))
    # the longest status and the pending writes of a run whose writes did not all land
    partial = run("r3", status=RunStatus.PARTIALLY_APPLIED, writes_pending=7, started=T0 - timedelta(hours=6))
    in_store(uow_factory, "1001", lambda s: s.runs.add(partial))

    def check(s: StoreScope) -> None:
        assert s.runs.get("r1") == done
        assert s.runs.get("r3") == partial
        assert s.runs.get("nope") is None
        assert [r.id for r in s.runs.recent()] == ["r2", "r1", "r3"]
        assert [r.id for r in s.runs.recent(limit=1)] == ["r2"]

    in_store(uow_factory, "1001", check, commit=False)


# -- activity, system settings, webhooks, retention ------------------------------------------


def test_storage_activity_log_per_store_and_system_wide(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory, store("1"), store("2"))
    in_store(
        uow_factory,
        "1",
        lambda s: s.activity.log(
            ActivityType.SYSTEM_TOKEN_REFRESH,
            "System Action: token refreshed",
            at=T0,
            metadata={"expires_in": 1209600, "price": Decimal("9.50"), "when": T0, "nested": {"a": [1, 2]}},
        ),
    )
    in_store(
        uow_factory,
        "1",
        lambda s: s.activity.log(ActivityType.OPTIMIZATION_COMPLETED, "done", at=T0 + timedelta(minutes=5)),
    )
    in_store(uow_factory, "2", lambda s: s.activity.log(ActivityType.STORE_ONBOARDED, "hello", at=T0))
    with uow_factory() as uow:
        uow.system_activity.log(
            ActivityType.SYSTEM_TOKEN_REFRESH_BATCH, "batch", at=T0 + timedelta(hours=1), metadata={"refreshed": 2}
        )
        uow.commit()

    entries = in_store(uow_factory, "1", lambda s: s.activity.list(), commit=False)
    assert isinstance(entries, list)
    assert [(e.activity_type, e.store_id) for e in entries] == [
        (ActivityType.OPTIMIZATION_COMPLETED, "1"),
        (ActivityType.SYSTEM_TOKEN_REFRESH, "1"),
    ]
    assert entries[1].metadata == {
        "expires_in": 1209600,
        "price": "9.50",
        "when": T0.isoformat(),
        "nested": {"a": [1, 2]},
    }
    assert entries[1].id is not None and entries[0].metadata == {}
    typed = in_store(uow_factory, "1", lambda s: s.activity.list(activity_type=ActivityType.SYSTEM_TOKEN_REFRESH))
    assert isinstance(typed, list) and [e.description for e in typed] == ["System Action: token refreshed"]
    with uow_factory() as uow:
        everything = uow.system_activity.list()
        assert [(e.activity_type, e.store_id) for e in everything] == [
            (ActivityType.SYSTEM_TOKEN_REFRESH_BATCH, None),
            (ActivityType.OPTIMIZATION_COMPLETED, "1"),
            (ActivityType.STORE_ONBOARDED, "2"),
            (ActivityType.SYSTEM_TOKEN_REFRESH, "1"),
        ]
        assert len(uow.system_activity.list(limit=2)) == 2
        assert [e.store_id for e in uow.system_activity.list(activity_type=ActivityType.STORE_ONBOARDED)] == ["2"]


def test_storage_system_settings_plain_and_secret(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.system_settings.get("SALLA_CLIENT_ID") is None
        uow.system_settings.set("SALLA_CLIENT_ID", "client-1", description="id")
        uow.system_settings.set("SALLA_CLIENT_SECRET", "s3cr3t", description="secret", secret=True)
        uow.commit()
    with uow_factory() as uow:
        assert uow.system_settings.get("SALLA_CLIENT_ID") == "client-1"
        assert uow.system_settings.get("SALLA_CLIENT_SECRET") == "s3cr3t"
        uow.system_settings.set("SALLA_CLIENT_ID", "client-2")
        uow.commit()
    with uow_factory() as uow:
        assert uow.system_settings.get("SALLA_CLIENT_ID") == "client-2"


def test_storage_webhook_deliveries_are_recorded_once(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.webhooks.record("dlv-1", event="app.installed", store_id="1001", at=T0) is True
        assert uow.webhooks.record("dlv-1", event="app.installed", store_id="1001", at=T0) is False
        assert uow.webhooks.record("dlv-2", event="app.settings.updated", store_id=None, at=T0) is True
        uow.commit()
    with uow_factory() as uow:
        assert uow.webhooks.record("dlv-2", event="app.settings.updated", store_id=None, at=T0) is False
    with uow_factory() as uow:
        assert uow.webhooks.record("dlv-3", event="x", store_id=None, at=T0) is True  # rolled back
    with uow_factory() as uow:
        assert uow.webhooks.record("dlv-3", event="x", store_id=None, at=T0) is True


def test_storage_store_keeps_the_uninstall_time(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory, store("5"))
    uninstalled = T0 + timedelta(days=2)
    with uow_factory("5") as uow:
        current = uow.stores.get("5")
        assert current is not None and current.uninstalled_at is None
        uow.stores.upsert(attrs.evolve(current, is_active=False, uninstalled_at=uninstalled))
        uow.commit()
    with uow_factory() as uow:
        got = uow.stores.get("5")
        assert got is not None and got.uninstalled_at == uninstalled and got.uninstalled_at.tzinfo is not None
        listed = [s for s, _ in uow.stores.token_overview()]
        assert listed[0].uninstalled_at == uninstalled


def _subscription(store_id: str, **changes: object) -> SubscriptionState:
    values: dict[str, object] = {"store_id": store_id, "callback_url": "https://optimizer.example/webhooks/salla",
                                 "subscribed": ("product.price.updated",), "missing": (), "checked_at": T0}
    values.update(changes)
    return SubscriptionState(**values)  # type: ignore[arg-type]


def test_storage_subscription_states_round_trip_per_store(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory, store("20"), store("3"), store("100"))
    failed = _subscription("3", subscribed=(), missing=("product.price.updated", "order.created"),
                           error="Salla refused: the token lacks webhooks.read_write", scope_missing=True,
                           checked_at=T0 + timedelta(minutes=5))
    with uow_factory() as uow:
        assert uow.subscriptions.get("3") is None and uow.subscriptions.list_all() == []
        uow.subscriptions.save(_subscription("20"))
        uow.subscriptions.save(failed)
        uow.commit()
    with uow_factory("100") as uow:
        uow.subscriptions.save(_subscription("100", subscribed=()))
        uow.commit()
    with uow_factory() as uow:
        assert uow.subscriptions.get("3") == failed
        assert [x.store_id for x in uow.subscriptions.list_all()] == ["100", "20", "3"]
        uow.subscriptions.save(_subscription("3", checked_at=T0 + timedelta(hours=1)))  # the next check replaces it
        uow.commit()
    with uow_factory() as uow:
        got = uow.subscriptions.get("3")
        assert got == _subscription("3", checked_at=T0 + timedelta(hours=1)) and got.complete
        assert got.checked_at.tzinfo is not None


def test_storage_subscription_states_are_store_scoped(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory, store("A"), store("B"))
    with uow_factory() as uow:
        uow.subscriptions.save(_subscription("A"))
        uow.commit()
    with uow_factory("B") as uow:
        assert uow.subscriptions.get("A") is None and uow.subscriptions.list_all() == []
        with pytest.raises(ValueError):
            uow.subscriptions.save(_subscription("A", error="hijacked"))
    with uow_factory() as uow, pytest.raises(StoreNotFound):
        uow.subscriptions.save(_subscription("404"))
    with uow_factory("A") as uow:
        assert uow.subscriptions.get("A") == _subscription("A")


def test_storage_retention_deletes_old_rows_in_batches(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory, store("1"), store("2"))
    cutoff = T0 + timedelta(days=30)
    for sid in ("1", "2"):

        def fill(s: StoreScope, sid: str = sid) -> None:
            for i in range(5):
                s.runs.add(run(f"{sid}-old-{i}", store_id=sid, started=T0 + timedelta(minutes=i)))
                s.activity.log(ActivityType.OPTIMIZATION_COMPLETED, "old", at=T0 + timedelta(minutes=i))
            s.runs.add(run(f"{sid}-new", store_id=sid, started=cutoff + timedelta(days=1)))
            s.activity.log(ActivityType.OPTIMIZATION_COMPLETED, "new", at=cutoff)
            s.offers.add_many({"p1": [offer("noon", "1", T0 + timedelta(minutes=i)) for i in range(3)]})
            s.offers.add_many({"p1": [offer("amazon", "2", cutoff + timedelta(seconds=1))]})

        in_store(uow_factory, sid, fill)
    with uow_factory() as uow:
        counts = uow.retention.delete_before(
            runs_before=cutoff, activity_before=cutoff, offers_before=cutoff, batch_size=2
        )
        uow.commit()
    assert counts == {"runs": 10, "activity": 10, "offers": 6}

    def remaining(s: StoreScope) -> tuple[list[str], list[str], dict[str, list[CompetitorOffer]]]:
        return [r.id for r in s.runs.recent()], [e.description for e in s.activity.list()], s.offers.latest(["p1"])

    runs_left, activity_left, offers_left = in_store(uow_factory, "1", remaining, commit=False)
    assert runs_left == ["1-new"] and activity_left == ["new"]
    assert [o.competitor for o in offers_left["p1"]] == ["amazon"]


# -- transactions and isolation --------------------------------------------------------------


def test_storage_changes_are_visible_only_after_commit(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    with uow_factory("1001") as writer:
        scope_of(writer).products.upsert_many([product("p1")], seen_at=T0)
        assert scope_of(writer).products.count() == 1  # own writes are visible
        with uow_factory("1001") as reader:
            assert scope_of(reader).products.count() == 0
        writer.commit()
        with uow_factory("1001") as reader:
            assert scope_of(reader).products.count() == 1
        scope_of(writer).products.upsert_many([product("p2")], seen_at=T0)
    # left without commit: p2 rolled back, p1 stays
    assert in_store(uow_factory, "1001", lambda s: s.products.count(), commit=False) == 1


def test_storage_explicit_rollback_discards_and_the_unit_goes_on(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    with uow_factory("1001") as uow:
        scope_of(uow).runs.add(run("r1"))
        uow.rollback()
        assert scope_of(uow).runs.get("r1") is None
        scope_of(uow).runs.add(run("r2"))
        uow.commit()
    assert in_store(uow_factory, "1001", lambda s: [r.id for r in s.runs.recent()], commit=False) == ["r2"]


def test_storage_exception_in_block_rolls_back(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory)
    with pytest.raises(RuntimeError), uow_factory("1001") as uow:
        scope_of(uow).runs.add(run("r1"))
        raise RuntimeError("crash before commit")
    assert in_store(uow_factory, "1001", lambda s: s.runs.get("r1"), commit=False) is None


def test_storage_writes_for_an_unknown_store_are_refused(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory("ghost") as uow, pytest.raises(StoreNotFound):
        scope_of(uow).tokens.save(tokens())
    with uow_factory("ghost") as uow, pytest.raises(StoreNotFound):
        scope_of(uow).products.upsert_many([product("p1")], seen_at=T0)


def test_storage_store_scope_cannot_reach_another_store(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory, store("A"), store("B"))

    def fill_a(s: StoreScope) -> None:
        s.tokens.save(tokens("A"))
        s.settings.save(TenantSettings(min_profit_margin=Decimal("30")))
        s.products.upsert_many([product("p1")], seen_at=T0)
        s.offers.add_many({"p1": [offer("noon", "1", T0)]})
        s.decisions.add_many([record("dA", store_id="A")])
        s.runs.add(run("rA", store_id="A", status=RunStatus.FAILED))
        s.activity.log(ActivityType.STORE_ONBOARDED, "A onboarded", at=T0)
        s.price_history.add_many([PricePoint(product_id="p1", price=Decimal("1"), changed_at=T0)])
        s.rules.replace_all([PricingRule(name="A's rule", settings={"min_profit_margin": 40})])
        s.overrides.upsert_many([ProductOverride(product_id="p1", excluded=True)])

    in_store(uow_factory, "A", fill_a)
    with uow_factory("B") as uow:
        s = scope_of(uow)
        assert s.tokens.get() is None
        assert s.settings.get() == TenantSettings()
        assert (s.products.count(), s.products.get("p1"), s.products.list(), s.products.get_many(["p1"])) == (
            0,
            None,
            [],
            {},
        )
        assert s.offers.latest(["p1"]) == {}
        assert (s.decisions.get("dA"), s.decisions.count(), s.decisions.existing_keys(["key-dA"])) == (None, 0, set())
        assert (s.runs.get("rA"), s.runs.recent()) == (None, [])
        assert s.activity.list() == [] and s.price_history.latest(["p1"]) == {}
        assert s.rules.list() == [] and s.overrides.get_many(["p1"]) == {} and s.overrides.count() == 0
        assert s.overrides.delete("p1") is False
        # Even the unscoped repositories of a store-bound unit of work see only that store.
        assert [x.store_id for x in uow.stores.list_all()] == ["B"]
        assert uow.stores.get("A") is None and uow.stores.recent_failed_runs() == []
        assert uow.system_activity.list() == []
        # Writes aimed at A from B's scope change nothing of A's.
        s.decisions.set_status(["dA"], DecisionStatus.REJECTED, at=T0)
        s.runs.update(run("rA", store_id="B", status=RunStatus.COMPLETED))
        uow.stores.set_active("A", False, reason="from B", at=T0)
        with pytest.raises(ValueError):
            s.decisions.add_many([record("dX", store_id="A")])
        with pytest.raises(ValueError):
            uow.stores.upsert(store("A", store_name="hijacked"))
        uow.commit()
    with uow_factory("A") as uow:
        a = scope_of(uow)
        got = a.decisions.get("dA")
        assert got is not None and got.status is DecisionStatus.PENDING
        run_a = a.runs.get("rA")
        assert run_a is not None and run_a.status is RunStatus.FAILED
        got_store = uow.stores.get("A")
        assert got_store is not None and got_store.is_active and got_store.store_name == "Store A"


def test_storage_concurrent_units_of_work_on_different_stores(uow_factory: UnitOfWorkFactory) -> None:
    ids = [f"s{i}" for i in range(6)]
    seed(uow_factory, *(store(i) for i in ids))
    errors: list[BaseException] = []

    def work(sid: str) -> None:
        try:
            for n in range(3):
                with uow_factory(sid) as uow:
                    s = scope_of(uow)
                    s.products.upsert_many([product(f"{sid}-{n}")], seen_at=T0)
                    s.activity.log(ActivityType.OPTIMIZATION_COMPLETED, f"{sid} {n}", at=T0)
                    uow.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(sid,)) for sid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for sid in ids:
        assert in_store(uow_factory, sid, lambda s: s.products.count(), commit=False) == 3
    with uow_factory() as uow:
        assert len(uow.system_activity.list(limit=100)) == 18


def test_storage_webhook_inbox_entries_older_than_a_cutoff_are_deleted(uow_factory: UnitOfWorkFactory) -> None:
    seed(uow_factory, store("1"))
    cutoff = T0 + timedelta(days=7)
    with uow_factory() as uow:
        for i in range(5):
            assert uow.webhooks.record(f"old-{i}", event="app.installed", store_id="1", at=T0 + timedelta(hours=i))
        assert uow.webhooks.record("claim", event="schedule.optimize_all_stores", store_id=None, at=T0)
        assert uow.webhooks.record("new", event="app.installed", store_id="1", at=cutoff)
        uow.commit()
    with uow_factory() as uow:
        assert uow.retention.delete_webhooks_before(cutoff, batch_size=2) == 6
        uow.commit()
    with uow_factory() as uow:
        assert uow.webhooks.record("new", event="app.installed", store_id="1", at=cutoff) is False  # kept
        assert uow.webhooks.record("old-0", event="app.installed", store_id="1", at=cutoff) is True  # forgotten
        assert uow.webhooks.record("claim", event="schedule.x", store_id=None, at=cutoff) is True
        assert uow.retention.delete_webhooks_before(cutoff) == 0


def test_storage_a_refused_delivery_is_recorded_once_on_the_right_log(uow_factory: UnitOfWorkFactory) -> None:
    """The system-wide entry of an unknown store's refusal passes row-level security on PostgreSQL."""
    from adapters.memory import FakeClock
    from pricing_core.usecases.webhook_refusals import record_refused_delivery

    seed(uow_factory, store("1"))
    clock = FakeClock(T0)

    def refuse(delivery_id: str, merchant_id: str | None) -> bool:
        return record_refused_delivery(uow_factory, clock, delivery_id=delivery_id, event="app.installed",
                                       merchant_id=merchant_id, status=422, reason="created_at 1e+300 is no time")

    assert refuse("d-known", "1") and refuse("d-unknown", "999") and refuse("d-none", None)
    assert not refuse("d-known", "1") and not refuse("d-unknown", "999")      # retries: not logged again
    on_store = in_store(uow_factory, "1", lambda s: s.activity.list(activity_type=ActivityType.WEBHOOK_REFUSED),
                        commit=False)
    assert [e.metadata["delivery_id"] for e in on_store] == ["d-known"]
    with uow_factory() as uow:
        system = [e for e in uow.system_activity.list(activity_type=ActivityType.WEBHOOK_REFUSED)
                  if e.store_id is None]
    assert sorted(e.metadata["delivery_id"] for e in system) == ["d-none", "d-unknown"]
