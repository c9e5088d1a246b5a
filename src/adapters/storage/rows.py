"""Conversions between table rows and the core's value objects (the repositories speak domain objects)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.engine import RowMapping

from pricing_core.activity import ActivityEntry, ActivityType
from pricing_core.catalog import CompetitorOffer, PricePoint, Product
from pricing_core.decision import Action, DecisionRecord, DecisionStatus, PricingDecision, RiskLevel
from pricing_core.overrides import ProductOverride
from pricing_core.rules import PricingRule, RuleMatch
from pricing_core.runs import OptimizationRun, RunStatus, RunType
from pricing_core.settings import TenantSettings, load_stored_settings
from pricing_core.stores import Store

log = logging.getLogger(__name__)


def by_code_point(column: ColumnElement[str], dialect: str) -> ColumnElement[str]:
    """Order text by code point on every database (PostgreSQL's default collation may not), like Python."""
    return column.collate("C") if dialect == "postgresql" else column


def store_row(store: Store) -> dict[str, Any]:
    return {
        "store_id": store.store_id,
        "store_name": store.store_name,
        "is_active": store.is_active,
        "plan": store.plan,
        "currency": store.currency,
        "domain": store.domain,
        "email": store.email,
        "installed_at": store.installed_at,
        "deactivated_at": store.deactivated_at,
        "deactivation_reason": store.deactivation_reason,
        "last_run_at": store.last_run_at,
        "uninstalled_at": store.uninstalled_at,
    }


def store_from(row: RowMapping) -> Store:
    return Store(
        store_id=row["store_id"],
        store_name=row["store_name"],
        is_active=row["is_active"],
        plan=row["plan"],
        currency=row["currency"],
        domain=row["domain"],
        email=row["email"],
        installed_at=row["installed_at"],
        deactivated_at=row["deactivated_at"],
        deactivation_reason=row["deactivation_reason"],
        last_run_at=row["last_run_at"],
        uninstalled_at=row["uninstalled_at"],
    )


def settings_from(store_id: str, raw: Mapping[str, Any] | None) -> TenantSettings:
    """A store's saved settings (the defaults when none were saved), read leniently.

    Saved by an earlier release, they may no longer validate (``load_stored_settings`` says
    which repairs are made); the repair is logged on every read until the merchant saves the
    settings again, and the sweep goes on.
    """
    if raw is None:
        return TenantSettings()
    settings, repairs = load_stored_settings(raw)
    if repairs:
        log.warning("store %s: saved settings no longer validate; read as repaired: %s", store_id, "; ".join(repairs))
    return settings


def product_row(store_id: str, product: Product, seen_at: datetime) -> dict[str, Any]:
    return {
        "store_id": store_id,
        "product_id": product.id,
        "sku": product.sku,
        "name": product.name,
        "price": product.price,
        "cost_price": product.cost_price,
        "prices_include_vat": product.prices_include_vat,
        "currency": product.currency,
        "status": product.status,
        "quantity": product.quantity,
        "gtin": product.gtin,
        "variant_of": product.variant_of,
        "categories": list(product.categories),
        "brand": product.brand,
        "tags": list(product.tags),
        "group_names": ({"categories": dict(product.category_names), "brand": product.brand_name}
                        if product.category_names or product.brand_name else None),
        "last_seen_at": seen_at,
    }


def product_from(row: RowMapping) -> Product:
    return Product(
        id=row["product_id"],
        sku=row["sku"],
        name=row["name"],
        price=row["price"],
        cost_price=row["cost_price"],
        prices_include_vat=row["prices_include_vat"],
        currency=row["currency"],
        status=row["status"],
        quantity=row["quantity"],
        gtin=row["gtin"],
        variant_of=row["variant_of"],
        categories=tuple(row["categories"] or ()),
        brand=row["brand"],
        tags=tuple(row["tags"] or ()),
        category_names=(row["group_names"] or {}).get("categories") or (),
        brand_name=(row["group_names"] or {}).get("brand"),
    )


def rule_row(store_id: str, rule: PricingRule, at: datetime) -> dict[str, Any]:
    m = rule.match
    match = {
        "categories": list(m.categories), "brands": list(m.brands), "tags": list(m.tags), "skus": list(m.skus),
        "product_ids": list(m.product_ids),
        "price_min": None if m.price_min is None else str(m.price_min),
        "price_max": None if m.price_max is None else str(m.price_max),
    }
    return {"store_id": store_id, "name": rule.name, "priority": rule.priority, "match": match,
            "settings": dict(rule.settings), "updated_at": at}


def rule_from(row: RowMapping) -> PricingRule:
    return PricingRule(name=row["name"], priority=row["priority"], match=RuleMatch(**row["match"]),
                       settings=row["settings"])


_OVERRIDE_FIELDS = ("excluded", "fixed_price", "cost_price", "min_price", "max_price", "map_price")


def override_row(store_id: str, override: ProductOverride, at: datetime) -> dict[str, Any]:
    row: dict[str, Any] = {"store_id": store_id, "product_id": override.product_id, "updated_at": at}
    row.update({f: getattr(override, f) for f in _OVERRIDE_FIELDS})
    return row


def override_from(row: RowMapping) -> ProductOverride:
    return ProductOverride(product_id=row["product_id"], **{f: row[f] for f in _OVERRIDE_FIELDS})


def offer_row(store_id: str, product_id: str, offer: CompetitorOffer) -> dict[str, Any]:
    return {
        "store_id": store_id,
        "product_id": product_id,
        "competitor_name": offer.competitor,
        "price": offer.price,
        "currency": offer.currency,
        "in_stock": offer.in_stock,
        "confidence_score": offer.confidence,
        "url": offer.url,
        "is_own_store": offer.is_own_store,
        "previous_price": offer.previous_price,
        "second_reading": offer.second_reading,
        "source": offer.source,
        "shipping": offer.shipping,
        "observed_at": offer.observed_at,
    }


def offer_from(row: RowMapping) -> CompetitorOffer:
    return CompetitorOffer(
        competitor=row["competitor_name"],
        price=row["price"],
        observed_at=row["observed_at"],
        currency=row["currency"],
        in_stock=row["in_stock"],
        confidence=row["confidence_score"],
        url=row["url"],
        is_own_store=row["is_own_store"],
        previous_price=row["previous_price"],
        second_reading=row["second_reading"],
        source=row["source"],
        shipping=row["shipping"],
    )


def decision_row(record: DecisionRecord) -> dict[str, Any]:
    d = record.decision
    return {
        "id": record.id,
        "store_id": record.store_id,
        "run_id": record.run_id,
        "idempotency_key": record.idempotency_key,
        "product_id": d.product_id,
        "sku": d.sku,
        "name": d.name,
        "old_price": d.old_price,
        "suggested_price": d.suggested_price,
        "cost_price": d.cost_price,
        "currency": d.currency,
        "strategy_used": d.strategy,
        "reference_price": d.reference_price,
        "floor_price": d.floor_price,
        "risk_level": d.risk.value,
        "action_taken": d.action.value,
        "change_pct": d.change_pct,
        "margin_pct_after": d.margin_pct_after,
        "offers_considered": d.offers_considered,
        "offers_used": d.offers_used,
        "explanation": list(d.explanation),
        "decided_at": d.decided_at,
        "fingerprint": d.fingerprint,
        "status": record.status.value,
        "error": record.error,
        "decided_by": record.decided_by,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def decision_from(row: RowMapping) -> DecisionRecord:
    decision = PricingDecision(
        product_id=row["product_id"],
        sku=row["sku"],
        name=row["name"],
        old_price=row["old_price"],
        suggested_price=row["suggested_price"],
        cost_price=row["cost_price"],
        currency=row["currency"],
        strategy=row["strategy_used"],
        reference_price=row["reference_price"],
        floor_price=row["floor_price"],
        risk=RiskLevel(row["risk_level"]),
        action=Action(row["action_taken"]),
        change_pct=row["change_pct"],
        margin_pct_after=row["margin_pct_after"],
        offers_considered=row["offers_considered"],
        offers_used=row["offers_used"],
        explanation=tuple(row["explanation"]),
        decided_at=row["decided_at"],
        fingerprint=row["fingerprint"],
    )
    return DecisionRecord(
        id=row["id"],
        store_id=row["store_id"],
        run_id=row["run_id"],
        idempotency_key=row["idempotency_key"],
        decision=decision,
        status=DecisionStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        error=row["error"],
        decided_by=row["decided_by"],
    )


def run_row(run: OptimizationRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "store_id": run.store_id,
        "run_type": run.run_type.value,
        "status": run.status.value,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration_seconds": run.duration_seconds,
        "products_analyzed": run.products_analyzed,
        "products_updated": run.products_updated,
        "products_queued": run.products_queued,
        "products_skipped": run.products_skipped,
        "error": run.error,
        "run_key": run.run_key,
        "updated_at": run.updated_at,
        "recoveries": run.recoveries,
        "writes_pending": run.writes_pending,
    }


def run_from(row: RowMapping) -> OptimizationRun:
    return OptimizationRun(
        id=row["id"],
        store_id=row["store_id"],
        run_type=RunType(row["run_type"]),
        status=RunStatus(row["status"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        duration_seconds=row["duration_seconds"],
        products_analyzed=row["products_analyzed"],
        products_updated=row["products_updated"],
        products_queued=row["products_queued"],
        products_skipped=row["products_skipped"],
        error=row["error"],
        run_key=row["run_key"],
        updated_at=row["updated_at"],
        recoveries=row["recoveries"],
        writes_pending=row["writes_pending"],
    )


def activity_from(row: RowMapping) -> ActivityEntry:
    return ActivityEntry(
        activity_type=ActivityType(row["activity_type"]),
        description=row["description"],
        created_at=row["created_at"],
        store_id=row["store_id"],
        metadata=row["metadata"] or {},
        id=str(row["id"]),
    )


def price_point_from(row: RowMapping) -> PricePoint:
    return PricePoint(
        product_id=row["product_id"], price=row["price"], changed_at=row["changed_at"], source=row["source"]
    )
