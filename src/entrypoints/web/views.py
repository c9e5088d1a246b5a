"""Read models shared by the admin API and the dashboard: plain JSON-ready dicts built from the ports."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pricing_core.decision import DecisionRecord, DecisionStatus
from pricing_core.ports import UnitOfWorkFactory, scope_of
from pricing_core.runs import OptimizationRun
from pricing_core.store_events import subscription_gap
from pricing_core.stores import Store
from pricing_core.tokens import token_health


def iso(value: datetime | None) -> str | None:
    """ISO 8601 or None."""
    return value.isoformat() if value is not None else None


def money(value: Decimal | None) -> str | None:
    """Amounts travel as strings, so no float ever rounds them."""
    return None if value is None else str(value)


def run_view(run: OptimizationRun | None) -> dict[str, Any] | None:
    """One optimization run."""
    if run is None:
        return None
    return {
        "id": run.id,
        "store_id": run.store_id,
        "run_type": run.run_type.value,
        "status": run.status.value,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "duration_seconds": run.duration_seconds,
        "products_analyzed": run.products_analyzed,
        "products_updated": run.products_updated,
        "products_queued": run.products_queued,
        "products_skipped": run.products_skipped,
        "error": run.error,
    }


def decision_view(record: DecisionRecord) -> dict[str, Any]:
    """One persisted decision with its explanation."""
    d = record.decision
    return {
        "id": record.id,
        "store_id": record.store_id,
        "run_id": record.run_id,
        "status": record.status.value,
        "product_id": d.product_id,
        "sku": d.sku,
        "name": d.name,
        "old_price": money(d.old_price),
        "suggested_price": money(d.suggested_price),
        "cost_price": money(d.cost_price),
        "currency": d.currency,
        "change_pct": money(d.change_pct.quantize(Decimal("0.01"))),
        "margin_pct_after": money(
            d.margin_pct_after.quantize(Decimal("0.01")) if d.margin_pct_after is not None else None
        ),
        "risk": d.risk.value,
        "action": d.action.value,
        "strategy": d.strategy,
        "explanation": list(d.explanation),
        "created_at": iso(record.created_at),
        "updated_at": iso(record.updated_at),
        "decided_by": record.decided_by,
        "error": record.error,
    }


def store_summary(
    uow_factory: UnitOfWorkFactory, store: Store, now: datetime, *, threshold_hours: float = 24
) -> dict[str, Any]:
    """A store as the API and the operator view list it: identity, state, token health, last run."""
    with uow_factory(store.store_id) as uow:
        scope = scope_of(uow)
        settings = scope.settings.get()
        tokens = scope.tokens.get()
        runs = scope.runs.recent(limit=1)
        pending = scope.decisions.count(status=DecisionStatus.PENDING)
        subscription = uow.subscriptions.get(store.store_id)
    health = token_health(tokens, now, threshold_hours).as_dict()
    if not store.is_active:
        # An inactive store's token is dead whatever its date says.
        health = {**health, "healthy": False}
    return {
        "store_id": store.store_id,
        "store_name": store.store_name,
        "is_active": store.is_active,
        "plan": store.plan,
        "currency": store.currency,
        "automation_mode": settings.automation_mode.value,
        "installed_at": iso(store.installed_at),
        "deactivated_at": iso(store.deactivated_at),
        "deactivation_reason": store.deactivation_reason,
        "token_expires_at": iso(tokens.expires_at) if tokens else None,
        "token_health": health,
        "last_run": run_view(runs[0] if runs else None),
        "pending_decisions": pending,
        # The last check of its store-event subscriptions, and why an active store lacks one.
        "store_events": subscription.as_dict() if subscription else None,
        "store_events_gap": subscription_gap(subscription) if store.is_active else None,
    }


def store_detail(
    uow_factory: UnitOfWorkFactory, store: Store, now: datetime, *, threshold_hours: float = 24
) -> dict[str, Any]:
    """A store's summary plus its settings, recent runs and decision counts."""
    summary = store_summary(uow_factory, store, now, threshold_hours=threshold_hours)
    with uow_factory(store.store_id) as uow:
        scope = scope_of(uow)
        settings = scope.settings.get()
        runs = scope.runs.recent(limit=10)
        counts = {status.value: scope.decisions.count(status=status) for status in DecisionStatus}
        products = scope.products.count()
    return {
        **summary,
        "settings": settings.model_dump(mode="json"),
        "recent_runs": [run_view(r) for r in runs],
        "decision_counts": counts,
        "products": products,
    }


__all__ = ["decision_view", "iso", "money", "run_view", "store_detail", "store_summary"]
