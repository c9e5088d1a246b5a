"""Row-level security on PostgreSQL: a connection set to store A sees none of store B's rows, even raw."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest

from adapters.config import Config
from adapters.storage import SqlUnitOfWorkFactory, build_storage
from adapters.storage.crypto import generate_key
from adapters.storage.models import STORE_SCOPED_TABLES
from pricing_core.activity import ActivityType
from pricing_core.alert_settings import StoreAlertSettings
from pricing_core.catalog import CompetitorOffer, PricePoint, Product
from pricing_core.commands import SweepStoreNow
from pricing_core.decision import Action, DecisionRecord, DecisionStatus, PricingDecision, RiskLevel
from pricing_core.intents import intent_for
from pricing_core.overrides import ProductOverride
from pricing_core.ports import scope_of
from pricing_core.replay import PricingInput
from pricing_core.rules import PricingRule
from pricing_core.runs import OptimizationRun, RunStatus, RunType
from pricing_core.sales import DailySales, OrderSale
from pricing_core.settings import TenantSettings
from pricing_core.store_events import SubscriptionState
from pricing_core.stores import Store
from pricing_core.tokens import TokenSet

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def _fill(factory: SqlUnitOfWorkFactory, store_id: str) -> None:
    with factory() as uow:
        uow.stores.upsert(Store(store_id=store_id, store_name=f"Store {store_id}"))
        uow.commit()
    with factory(store_id) as uow:
        s = scope_of(uow)
        s.tokens.save(TokenSet(access_token=f"a-{store_id}", refresh_token=f"r-{store_id}", expires_at=NOW))
        s.settings.save(TenantSettings())
        s.products.upsert_many([Product(id="p1", price=Decimal("10"))], seen_at=NOW)
        s.offers.add_many({"p1": [CompetitorOffer(competitor="noon", price=Decimal("9"), observed_at=NOW)]})
        d = PricingDecision(
            product_id="p1", sku=None, name="x", old_price=Decimal(10), suggested_price=Decimal(9), cost_price=None,
            currency="SAR", strategy="match", reference_price=None, floor_price=None, risk=RiskLevel.LOW,
            action=Action.NO_CHANGE, change_pct=Decimal(0), margin_pct_after=None, offers_considered=0, offers_used=0,
            explanation=(), decided_at=NOW, fingerprint="f",
        )  # fmt: skip
        s.decisions.add_many(
            [
                DecisionRecord(
                    id=f"d-{store_id}",
                    store_id=store_id,
                    run_id=None,
                    idempotency_key="k",
                    decision=d,
                    status=DecisionStatus.RECORDED,
                    created_at=NOW,
                    updated_at=NOW,
                )
            ]
        )
        s.runs.add(
            OptimizationRun(
                id=f"r-{store_id}", store_id=store_id, run_type=RunType.MANUAL, status=RunStatus.RUNNING, started_at=NOW
            )
        )
        s.activity.log(ActivityType.STORE_ONBOARDED, "hi", at=NOW)
        s.price_history.add_many([PricePoint(product_id="p1", price=Decimal("10"), changed_at=NOW)])
        s.sales.replace_from(NOW.date(), [DailySales(product_id="p1", day=NOW.date(), units=1, revenue=Decimal("10"))])
        s.sales.set_resume_from(NOW.date())
        s.sales.record_order("o1", [OrderSale(order_id="o1", product_id="p1", day=NOW.date(), units=1,
                                              revenue=Decimal("10"))], as_of=NOW)
        s.run_inputs.add_many(f"r-{store_id}", [PricingInput(product=Product(id="p1", price=Decimal("10")), now=NOW)])
        s.rules.replace_all([PricingRule(name="r", settings={"min_profit_margin": 20})])
        s.overrides.upsert_many([ProductOverride(product_id="p1", cost_price="5")])
        s.alerts.save(StoreAlertSettings(targets=("tgram://1:A/2",)))
        uow.subscriptions.save(SubscriptionState(store_id=store_id, callback_url="https://x.example/webhooks/salla",
                                                 checked_at=NOW))
        intent = intent_for(SweepStoreNow(store_id=store_id, run_key="k"), NOW)
        assert intent is not None
        uow.intents.record(intent)
        uow.commit()


@pytest.fixture(scope="module")
def rls_url(fresh_postgres_url: str) -> Iterator[str]:
    factory, _locks = build_storage(
        Config(database_url=fresh_postgres_url, token_encryption_keys=(generate_key(),)), migrate_schema=True
    )
    try:
        _fill(factory, "A")
        _fill(factory, "B")
        with factory() as uow:
            uow.system_activity.log(ActivityType.SYSTEM_TOKEN_REFRESH_BATCH, "batch", at=NOW)
            uow.commit()
    finally:
        factory.engine.dispose()
    yield fresh_postgres_url


def _store_ids(url: str, scope: str | None, table: str) -> list[str | None]:
    with psycopg.connect(url) as conn:  # the application's own role: owner of the tables, not superuser
        if scope is not None:
            conn.execute("SELECT set_config('app.store_id', %s, true)", (scope,))
        rows = conn.execute(f"SELECT store_id FROM {table} ORDER BY store_id").fetchall()
        return [r[0] for r in rows]


@pytest.mark.parametrize("table", STORE_SCOPED_TABLES)
def test_storage_rls_raw_select_sees_only_the_connections_store(rls_url: str, table: str) -> None:
    assert _store_ids(rls_url, "A", table) == ["A"]
    assert _store_ids(rls_url, "B", table) == ["B"]
    assert _store_ids(rls_url, None, table) == []  # nothing set: fail closed
    everything = _store_ids(rls_url, "*", table)
    assert {"A", "B"} <= set(everything)


def test_storage_rls_app_role_is_not_exempt(rls_url: str) -> None:
    with psycopg.connect(rls_url) as conn:
        row = conn.execute(
            "SELECT rolsuper, rolbypassrls,"
            " current_user = (SELECT tableowner FROM pg_tables WHERE tablename = 'products')"
            " FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    assert row == (False, False, True)  # owner of the tables, and still walled in (FORCE)


def test_storage_rls_refuses_writes_into_another_store(rls_url: str) -> None:
    with psycopg.connect(rls_url) as conn:
        conn.execute("SELECT set_config('app.store_id', 'A', true)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO price_history (store_id, product_id, price, changed_at, source) "
                "VALUES ('B', 'p1', 1, now(), 'evil')"
            )
    with psycopg.connect(rls_url) as conn:
        conn.execute("SELECT set_config('app.store_id', 'A', true)")
        assert conn.execute("UPDATE products SET name = 'evil' WHERE store_id = 'B'").rowcount == 0
        assert conn.execute("DELETE FROM pricing_decisions WHERE store_id = 'B'").rowcount == 0


def test_storage_rls_scope_does_not_leak_through_the_pool(rls_url: str) -> None:
    factory, _locks = build_storage(
        Config(database_url=rls_url, token_encryption_keys=(generate_key(),)), migrate_schema=False
    )
    factory.engine.pool.dispose()
    try:
        with factory("A") as uow:
            assert scope_of(uow).products.count() == 1
        with factory() as uow:  # very likely the same pooled connection, now unscoped
            assert [s.store_id for s in uow.stores.list_all()] == ["A", "B"]
        with factory("B") as uow:
            assert [s.store_id for s in uow.stores.list_all()] == ["B"]
    finally:
        factory.engine.dispose()
