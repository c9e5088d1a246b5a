"""The store-scoped repositories: each is built for one store id and filters every statement by it."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, select, update

from adapters.jsonable import jsonable
from adapters.storage import models, rows
from adapters.storage.bulk import Upsert, chunks, insert_rows, where_in
from adapters.storage.session import StorageSession
from pricing_core.activity import ActivityEntry, ActivityType
from pricing_core.catalog import CompetitorOffer, PricePoint, Product
from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.overrides import ProductOverride
from pricing_core.ports import checked_expected
from pricing_core.replay import PricingInput, input_from_json, input_json
from pricing_core.rules import PricingRule, ordered_rules
from pricing_core.runs import OptimizationRun
from pricing_core.sales import DailySales
from pricing_core.settings import TenantSettings
from pricing_core.tokens import TokenSet

_PRODUCT_UPDATE = tuple(c.name for c in models.products.c if c.name not in ("store_id", "product_id", "is_tracked"))


class _Scoped:
    def __init__(self, uow: StorageSession, store_id: str) -> None:
        self._uow = uow
        self._store_id = store_id


class SqlTokens(_Scoped):
    """``TokenRepository``: both tokens encrypted with the factory's ``SecretBox``."""

    def get(self) -> TokenSet | None:
        t = models.store_tokens
        row = self._uow.conn.execute(select(t).where(t.c.store_id == self._store_id)).mappings().first()
        if row is None:
            return None
        secrets = self._uow.secrets
        refresh = row["refresh_token_encrypted"]
        return TokenSet(
            access_token=secrets.decrypt(row["access_token_encrypted"]),
            refresh_token=None if refresh is None else secrets.decrypt(refresh),
            expires_at=row["expires_at"],
            scope=row["scope"],
            token_type=row["token_type"],
        )

    def save(self, tokens: TokenSet) -> None:
        self._uow.require_store(self._store_id)
        secrets = self._uow.secrets
        row = {
            "store_id": self._store_id,
            "access_token_encrypted": secrets.encrypt(tokens.access_token),
            "refresh_token_encrypted": None if tokens.refresh_token is None else secrets.encrypt(tokens.refresh_token),
            "expires_at": tokens.expires_at,
            "scope": tokens.scope,
            "token_type": tokens.token_type,
            "updated_at": datetime.now(UTC),
        }
        update_cols = tuple(k for k in row if k != "store_id")
        insert_rows(self._uow.conn, models.store_tokens, [row], conflict=Upsert(("store_id",), update_cols))


class SqlSettings(_Scoped):
    """``SettingsRepository``: the settings as JSON (``model_dump(mode="json")``)."""

    def get(self) -> TenantSettings:
        t = models.store_settings
        raw = self._uow.conn.execute(select(t.c.settings).where(t.c.store_id == self._store_id)).scalar()
        return rows.settings_from(self._store_id, raw)

    def save(self, settings: TenantSettings) -> None:
        self._uow.require_store(self._store_id)
        row = {
            "store_id": self._store_id,
            "settings": settings.model_dump(mode="json"),
            "updated_at": datetime.now(UTC),
        }
        insert_rows(
            self._uow.conn, models.store_settings, [row], conflict=Upsert(("store_id",), ("settings", "updated_at"))
        )


class SqlProducts(_Scoped):
    """``ProductRepository``: the last-seen catalog, upserted in one statement per call."""

    def upsert_many(self, products: Sequence[Product], *, seen_at: datetime) -> None:
        if not products:
            return
        self._uow.require_store(self._store_id)
        # Last one wins within a batch, as with repeated upserts (ON CONFLICT cannot touch a row twice).
        latest = {p.id: p for p in products}
        batch = [rows.product_row(self._store_id, p, seen_at) for p in latest.values()]
        insert_rows(
            self._uow.conn, models.products, batch, conflict=Upsert(("store_id", "product_id"), _PRODUCT_UPDATE)
        )

    def get(self, product_id: str) -> Product | None:
        return self.get_many([str(product_id)]).get(str(product_id))

    def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]:
        t = models.products
        ids = [str(p) for p in product_ids]
        found: dict[str, Product] = {}
        for part in chunks(ids, self._uow.dialect):
            query = select(t).where(t.c.store_id == self._store_id, where_in(self._uow.dialect, t.c.product_id, part))
            for row in self._uow.conn.execute(query).mappings():
                found[row["product_id"]] = rows.product_from(row)
        return found

    def list(self, *, limit: int = 100, offset: int = 0) -> builtins.list[Product]:
        t = models.products
        query = (
            select(t)
            .where(t.c.store_id == self._store_id)
            .order_by(rows.by_code_point(t.c.product_id, self._uow.dialect))
            .limit(limit)
            .offset(offset)
        )
        return [rows.product_from(r) for r in self._uow.conn.execute(query).mappings()]

    def count(self) -> int:
        t = models.products
        query = select(func.count()).select_from(t).where(t.c.store_id == self._store_id)
        return int(self._uow.conn.execute(query).scalar_one())


    def ids_by_sku(self, skus: Sequence[str]) -> dict[str, builtins.list[str]]:
        t = models.products
        found: dict[str, builtins.list[str]] = {}
        for part in chunks([str(s) for s in skus], self._uow.dialect):
            query = (select(t.c.sku, t.c.product_id)
                     .where(t.c.store_id == self._store_id, where_in(self._uow.dialect, t.c.sku, part))
                     .order_by(t.c.product_id))
            for sku, pid in self._uow.conn.execute(query):
                found.setdefault(sku, []).append(pid)
        return found


class SqlOffers(_Scoped):
    """``OfferRepository``: every observation is kept; ``latest`` picks the newest per competitor."""

    def add_many(self, offers: Mapping[str, Sequence[CompetitorOffer]]) -> None:
        batch = [rows.offer_row(self._store_id, str(pid), o) for pid, items in offers.items() for o in items]
        if not batch:
            return
        self._uow.require_store(self._store_id)
        insert_rows(self._uow.conn, models.competitors, batch)

    def latest(self, product_ids: Sequence[str]) -> dict[str, builtins.list[CompetitorOffer]]:
        t = models.competitors
        dialect = self._uow.dialect
        result: dict[str, builtins.list[CompetitorOffer]] = {}
        for part in chunks([str(p) for p in product_ids], dialect):
            rank = (
                func.row_number()
                .over(
                    partition_by=(t.c.product_id, t.c.competitor_name), order_by=(t.c.observed_at.desc(), t.c.id.desc())
                )
                .label("rank")
            )
            ranked = (
                select(t, rank)
                .where(t.c.store_id == self._store_id, where_in(dialect, t.c.product_id, part))
                .subquery()
            )
            query = (
                select(ranked)
                .where(ranked.c.rank == 1)
                .order_by(
                    rows.by_code_point(ranked.c.product_id, dialect),
                    rows.by_code_point(ranked.c.competitor_name, dialect),
                )
            )
            for row in self._uow.conn.execute(query).mappings():
                result.setdefault(row["product_id"], []).append(rows.offer_from(row))
        return result


class SqlDecisions(_Scoped):
    """``DecisionRepository``: inserts skip known idempotency keys in the same single statement."""

    def add_many(self, records: Sequence[DecisionRecord]) -> int:
        if not records:
            return 0
        for record in records:
            if record.store_id != self._store_id:
                raise ValueError(f"decision {record.id} belongs to store {record.store_id}, not {self._store_id}")
        self._uow.require_store(self._store_id)
        return insert_rows(
            self._uow.conn, models.pricing_decisions, [rows.decision_row(r) for r in records], conflict="nothing"
        )

    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        t = models.pricing_decisions
        found: set[str] = set()
        for part in chunks(list(keys), self._uow.dialect):
            query = select(t.c.idempotency_key).where(
                t.c.store_id == self._store_id, where_in(self._uow.dialect, t.c.idempotency_key, part)
            )
            found.update(self._uow.conn.execute(query).scalars())
        return found

    def get(self, decision_id: str) -> DecisionRecord | None:
        t = models.pricing_decisions
        query = select(t).where(t.c.store_id == self._store_id, t.c.id == decision_id)
        row = self._uow.conn.execute(query).mappings().first()
        return None if row is None else rows.decision_from(row)

    def list(
        self,
        *,
        status: DecisionStatus | None = None,
        product_id: str | None = None,
        run_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[DecisionRecord]:
        t = models.pricing_decisions
        conditions = [t.c.store_id == self._store_id]
        if status is not None:
            conditions.append(t.c.status == status.value)
        if product_id is not None:
            conditions.append(t.c.product_id == str(product_id))
        if run_id is not None:
            conditions.append(t.c.run_id == run_id)
        query = (
            select(t)
            .where(and_(*conditions))
            .order_by(t.c.created_at.desc(), rows.by_code_point(t.c.id, self._uow.dialect).desc())
            .limit(limit)
            .offset(offset)
        )
        return [rows.decision_from(r) for r in self._uow.conn.execute(query).mappings()]

    def count(self, *, status: DecisionStatus | None = None) -> int:
        t = models.pricing_decisions
        query = select(func.count()).select_from(t).where(t.c.store_id == self._store_id)
        if status is not None:
            query = query.where(t.c.status == status.value)
        return int(self._uow.conn.execute(query).scalar_one())

    def set_status(
        self,
        decision_ids: Sequence[str],
        status: DecisionStatus,
        *,
        at: datetime,
        by: str | None = None,
        error: str | None = None,
        expected: Collection[DecisionStatus] | None = None,
    ) -> None:
        t = models.pricing_decisions
        allowed = checked_expected(status, expected)
        values: dict[str, object] = {"status": status.value, "updated_at": at, "error": error}
        if by is not None:
            values["decided_by"] = by
        for part in chunks(list(decision_ids), self._uow.dialect):
            if part:
                statement = update(t).where(t.c.store_id == self._store_id, where_in(self._uow.dialect, t.c.id, part))
                statement = statement.where(t.c.status.in_(sorted(s.value for s in allowed)))
                self._uow.conn.execute(statement.values(**values))


class SqlRuns(_Scoped):
    """``RunRepository``."""

    def add(self, run: OptimizationRun) -> None:
        self._check(run)
        self._uow.require_store(self._store_id)
        self._uow.conn.execute(models.optimization_runs.insert().values(**rows.run_row(run)))

    def update(self, run: OptimizationRun) -> None:
        self._check(run)
        t = models.optimization_runs
        values = {k: v for k, v in rows.run_row(run).items() if k not in ("id", "store_id")}
        self._uow.conn.execute(update(t).where(t.c.store_id == self._store_id, t.c.id == run.id).values(**values))

    def _check(self, run: OptimizationRun) -> None:
        if run.store_id != self._store_id:
            raise ValueError(f"run {run.id} belongs to store {run.store_id}, not {self._store_id}")

    def get(self, run_id: str) -> OptimizationRun | None:
        t = models.optimization_runs
        row = (
            self._uow.conn.execute(select(t).where(t.c.store_id == self._store_id, t.c.id == run_id)).mappings().first()
        )
        return None if row is None else rows.run_from(row)

    def recent(self, limit: int = 20) -> list[OptimizationRun]:
        t = models.optimization_runs
        query = (
            select(t)
            .where(t.c.store_id == self._store_id)
            .order_by(t.c.started_at.desc(), rows.by_code_point(t.c.id, self._uow.dialect).desc())
            .limit(limit)
        )
        return [rows.run_from(r) for r in self._uow.conn.execute(query).mappings()]


class SqlActivity:
    """``ActivityRepository`` of one store, or (``store_id`` None) the system-wide log.

    The system-wide log lists every entry; on a store-bound unit of work it is still limited to
    that store's rows (and RLS hides the system-wide ones), like every other query there.
    """

    def __init__(self, uow: StorageSession, store_id: str | None) -> None:
        self._uow = uow
        self._store_id = store_id

    def log(
        self,
        activity_type: ActivityType,
        description: str,
        *,
        at: datetime,
        metadata: Mapping[str, object] | None = None,
    ) -> None:
        if self._store_id is not None:
            self._uow.require_store(self._store_id)
        row = {
            "store_id": self._store_id,
            "activity_type": ActivityType(activity_type).value,
            "description": description,
            "metadata": jsonable(metadata),
            "created_at": at,
        }
        self._uow.conn.execute(models.activity_logs.insert().values(**row))

    def list(self, *, activity_type: ActivityType | None = None, limit: int = 50) -> builtins.list[ActivityEntry]:
        t = models.activity_logs
        query = select(t)
        visible = self._store_id or self._uow.bound_store
        if visible is not None:
            query = query.where(t.c.store_id == visible)
        if activity_type is not None:
            query = query.where(t.c.activity_type == ActivityType(activity_type).value)
        query = query.order_by(t.c.created_at.desc(), t.c.id.desc()).limit(limit)
        return [rows.activity_from(r) for r in self._uow.conn.execute(query).mappings()]


class SqlPriceHistory(_Scoped):
    """``PriceHistoryRepository``."""

    def add_many(self, points: Sequence[PricePoint]) -> None:
        if not points:
            return
        self._uow.require_store(self._store_id)
        batch = [
            {
                "store_id": self._store_id,
                "product_id": p.product_id,
                "price": p.price,
                "changed_at": p.changed_at,
                "source": p.source,
            }
            for p in points
        ]
        insert_rows(self._uow.conn, models.price_history, batch)

    def for_product(self, product_id: str, *, limit: int = 50) -> list[PricePoint]:
        t = models.price_history
        query = (
            select(t)
            .where(t.c.store_id == self._store_id, t.c.product_id == str(product_id))
            .order_by(t.c.changed_at.desc(), t.c.id.desc())
            .limit(limit)
        )
        return [rows.price_point_from(r) for r in self._uow.conn.execute(query).mappings()]

    def latest(self, product_ids: Sequence[str]) -> dict[str, PricePoint]:
        t = models.price_history
        dialect = self._uow.dialect
        result: dict[str, PricePoint] = {}
        for part in chunks([str(p) for p in product_ids], dialect):
            rank = func.row_number().over(partition_by=t.c.product_id, order_by=(t.c.changed_at.desc(), t.c.id.desc()))
            ranked = (
                select(t, rank.label("rank"))
                .where(t.c.store_id == self._store_id, where_in(dialect, t.c.product_id, part))
                .subquery()
            )
            for row in self._uow.conn.execute(select(ranked).where(ranked.c.rank == 1)).mappings():
                result[row["product_id"]] = rows.price_point_from(row)
        return result


class SqlSales(_Scoped):
    """``SalesRepository``."""

    def replace_from(self, since: date, days: Sequence[DailySales]) -> None:
        self._uow.require_store(self._store_id)
        t = models.daily_sales
        self._uow.conn.execute(delete(t).where(t.c.store_id == self._store_id, t.c.day >= since))
        batch = [
            {"store_id": self._store_id, "product_id": d.product_id, "day": d.day, "units": d.units,
             "revenue": d.revenue}
            for d in days
            if d.day >= since
        ]
        if batch:
            insert_rows(self._uow.conn, t, batch)

    def history(self, *, since: date | None = None, product_ids: Sequence[str] | None = None) -> list[DailySales]:
        t = models.daily_sales
        query = select(t).where(t.c.store_id == self._store_id)
        if since is not None:
            query = query.where(t.c.day >= since)
        if product_ids is not None:
            found: list[DailySales] = []
            for part in chunks([str(p) for p in product_ids], self._uow.dialect):
                found += self._read(query.where(where_in(self._uow.dialect, t.c.product_id, part)))
            return sorted(found, key=lambda d: (d.day, d.product_id))
        return self._read(query.order_by(t.c.day, t.c.product_id))

    def _read(self, query: Select[Any]) -> list[DailySales]:
        return [
            DailySales(product_id=r["product_id"], day=r["day"], units=r["units"], revenue=r["revenue"])
            for r in self._uow.conn.execute(query).mappings()
        ]

    def resume_from(self) -> date | None:
        t = models.sales_cursors
        value = self._uow.conn.execute(select(t.c.resume_from).where(t.c.store_id == self._store_id)).scalar()
        return value if isinstance(value, date) else None

    def set_resume_from(self, day: date) -> None:
        self._uow.require_store(self._store_id)
        t = models.sales_cursors
        changed = self._uow.conn.execute(update(t).where(t.c.store_id == self._store_id).values(resume_from=day))
        if changed.rowcount == 0:
            insert_rows(self._uow.conn, t, [{"store_id": self._store_id, "resume_from": day}])


class SqlRunInputs(_Scoped):
    """``RunInputRepository``."""

    def add_many(self, run_id: str, inputs: Sequence[PricingInput]) -> None:
        if not inputs:
            return
        t = models.run_inputs
        ids = [i.product.id for i in inputs]
        self._uow.conn.execute(
            delete(t).where(t.c.store_id == self._store_id, t.c.run_id == run_id, t.c.product_id.in_(ids))
        )
        insert_rows(self._uow.conn, t, [
            {"store_id": self._store_id, "run_id": run_id, "product_id": i.product.id, "decided_at": i.now,
             "data": input_json(i)}
            for i in inputs
        ])

    def for_run(self, run_id: str) -> list[PricingInput]:
        t = models.run_inputs
        query = (select(t.c.data).where(t.c.store_id == self._store_id, t.c.run_id == run_id)
                 .order_by(t.c.decided_at, t.c.product_id))
        return [input_from_json(data) for data in self._uow.conn.execute(query).scalars()]


class SqlRules(_Scoped):
    """``RuleRepository``: one row per rule, match and settings as JSON; replaced as a whole."""

    def list(self) -> builtins.list[PricingRule]:
        t = models.pricing_rules
        query = select(t).where(t.c.store_id == self._store_id)
        return builtins.list(ordered_rules(rows.rule_from(r) for r in self._uow.conn.execute(query).mappings()))

    def replace_all(self, rules: Sequence[PricingRule]) -> None:
        names = [r.name for r in rules]
        if len(set(names)) != len(names):
            raise ValueError("two rules share a name: " + ", ".join(sorted({n for n in names if names.count(n) > 1})))
        self._uow.require_store(self._store_id)
        t = models.pricing_rules
        self._uow.conn.execute(delete(t).where(t.c.store_id == self._store_id))
        now = datetime.now(UTC)
        insert_rows(self._uow.conn, t, [rows.rule_row(self._store_id, r, now) for r in rules])


_OVERRIDE_UPDATE = tuple(c.name for c in models.product_overrides.c if c.name not in ("store_id", "product_id"))


class SqlOverrides(_Scoped):
    """``OverrideRepository``: one row per product; ``get_many`` is one query per chunk of ids."""

    def get_many(self, product_ids: Sequence[str]) -> dict[str, ProductOverride]:
        t = models.product_overrides
        found: dict[str, ProductOverride] = {}
        for part in chunks([str(p) for p in product_ids], self._uow.dialect):
            query = select(t).where(t.c.store_id == self._store_id, where_in(self._uow.dialect, t.c.product_id, part))
            for row in self._uow.conn.execute(query).mappings():
                found[row["product_id"]] = rows.override_from(row)
        return found

    def list(self, *, limit: int = 100, offset: int = 0) -> builtins.list[ProductOverride]:
        t = models.product_overrides
        query = (select(t).where(t.c.store_id == self._store_id).order_by(t.c.product_id)
                 .limit(limit).offset(offset))
        return [rows.override_from(r) for r in self._uow.conn.execute(query).mappings()]

    def count(self) -> int:
        t = models.product_overrides
        query = select(func.count()).select_from(t).where(t.c.store_id == self._store_id)
        return int(self._uow.conn.execute(query).scalar_one())

    def upsert_many(self, overrides: Sequence[ProductOverride]) -> None:
        if not overrides:
            return
        self._uow.require_store(self._store_id)
        now = datetime.now(UTC)
        latest = {o.product_id: o for o in overrides}  # ON CONFLICT cannot touch a row twice
        batch = [rows.override_row(self._store_id, o, now) for o in latest.values()]
        insert_rows(self._uow.conn, models.product_overrides, batch,
                    conflict=Upsert(("store_id", "product_id"), _OVERRIDE_UPDATE))

    def delete(self, product_id: str) -> bool:
        t = models.product_overrides
        result = self._uow.conn.execute(
            delete(t).where(t.c.store_id == self._store_id, t.c.product_id == str(product_id)))
        return bool(result.rowcount)


__all__ = [
    "SqlActivity",
    "SqlDecisions",
    "SqlOffers",
    "SqlOverrides",
    "SqlPriceHistory",
    "SqlProducts",
    "SqlRules",
    "SqlRunInputs",
    "SqlRuns",
    "SqlSales",
    "SqlSettings",
    "SqlTokens",
]
