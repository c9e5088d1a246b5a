"""The outcome of pricing one product, and its life afterwards (pending, approved, applied...)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import attrs


class RiskLevel(StrEnum):
    """How risky a proposed change is; decides, with the automation mode, who applies it."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    def raised(self) -> RiskLevel:
        """One level higher (HIGH stays HIGH)."""
        order = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH]
        return order[min(order.index(self) + 1, 2)]


class Action(StrEnum):
    """What happens to a decision."""

    AUTO_APPLY = "auto_apply"
    NEEDS_APPROVAL = "needs_approval"
    NO_CHANGE = "no_change"
    SKIPPED = "skipped"


@attrs.frozen(kw_only=True)
class PricingDecision:
    """The core's answer for one product: a suggested price, its risk, its action, and why.

    ``explanation`` is an ordered tuple of human-readable steps, one per pipeline stage that
    mattered, so a merchant can follow the reasoning. ``fingerprint`` identifies the inputs and
    the outcome; runners use it (with the run) as an idempotency key.
    """

    product_id: str
    sku: str | None
    name: str
    old_price: Decimal
    suggested_price: Decimal
    cost_price: Decimal | None
    currency: str
    strategy: str
    reference_price: Decimal | None
    floor_price: Decimal | None
    risk: RiskLevel
    action: Action
    change_pct: Decimal
    margin_pct_after: Decimal | None
    offers_considered: int
    offers_used: int
    explanation: tuple[str, ...]
    decided_at: datetime
    fingerprint: str

    @property
    def is_change(self) -> bool:
        """True when the decision proposes a price different from the current one."""
        return self.action in (Action.AUTO_APPLY, Action.NEEDS_APPROVAL)


class DecisionStatus(StrEnum):
    """Where a persisted decision stands."""

    PENDING = "pending"            # needs the merchant's approval
    APPROVED = "approved"          # approved, being applied
    APPLYING = "applying"          # sent to Salla, not yet confirmed
    APPLIED = "applied"            # confirmed in Salla
    REJECTED = "rejected"
    FAILED = "failed"              # Salla refused or the apply failed; reason in ``error``
    SUPERSEDED = "superseded"      # a newer decision for the product replaced a pending one
    RECORDED = "recorded"          # no_change / skipped: kept for the audit trail only


@attrs.frozen(kw_only=True)
class DecisionRecord:
    """A persisted decision of one store: the core's decision plus its workflow state."""

    id: str
    store_id: str
    run_id: str | None
    idempotency_key: str
    decision: PricingDecision
    status: DecisionStatus
    created_at: datetime
    updated_at: datetime
    error: str | None = None
    decided_by: str | None = None


__all__ = ["Action", "DecisionRecord", "DecisionStatus", "PricingDecision", "RiskLevel"]
