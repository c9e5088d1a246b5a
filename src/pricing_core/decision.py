"""The outcome of pricing one product, and its life afterwards (pending, approved, applied...)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import attrs

from pricing_core.errors import InvalidTransition


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


# The lifecycle of a persisted decision: from each status, where it may go. A decision is created
# PENDING (waits for the merchant), APPROVED (auto-apply) or RECORDED (no change, skipped).
DECISION_TRANSITIONS: dict[DecisionStatus, frozenset[DecisionStatus]] = {
    DecisionStatus.PENDING: frozenset({DecisionStatus.APPROVED, DecisionStatus.REJECTED, DecisionStatus.SUPERSEDED,
                                       DecisionStatus.FAILED}),
    # FAILED: a write-time guard refused it; APPLIED: found already written when reconciling.
    # APPROVED: recovery sent a lost approval to be applied again (the move records when).
    DecisionStatus.APPROVED: frozenset({DecisionStatus.APPLYING, DecisionStatus.APPLIED, DecisionStatus.FAILED,
                                        DecisionStatus.SUPERSEDED, DecisionStatus.APPROVED}),
    # PENDING: recovery found it never landed and hands it back to the merchant; APPROVED: a
    # transient Salla failure leaves it queued for another attempt.
    DecisionStatus.APPLYING: frozenset({DecisionStatus.APPLIED, DecisionStatus.FAILED, DecisionStatus.PENDING,
                                        DecisionStatus.APPROVED}),
    DecisionStatus.APPLIED: frozenset(),
    DecisionStatus.REJECTED: frozenset(),
    DecisionStatus.FAILED: frozenset(),
    DecisionStatus.SUPERSEDED: frozenset(),
    DecisionStatus.RECORDED: frozenset(),
}
INITIAL_DECISION_STATUSES = frozenset({DecisionStatus.PENDING, DecisionStatus.APPROVED, DecisionStatus.RECORDED})


def may_move(current: DecisionStatus, target: DecisionStatus) -> bool:
    """True when the lifecycle lets a decision go from ``current`` to ``target``."""
    return target in DECISION_TRANSITIONS[current]


def statuses_before(target: DecisionStatus) -> frozenset[DecisionStatus]:
    """Every status a decision may move to ``target`` from (a repository's compare-and-set)."""
    return frozenset(s for s, nexts in DECISION_TRANSITIONS.items() if target in nexts)


@attrs.frozen(kw_only=True)
class DecisionRecord:
    """A persisted decision of one store: the core's decision plus its workflow state.

    It owns its lifecycle (``DECISION_TRANSITIONS``): ``moved_to`` returns the record in its new
    status or raises ``InvalidTransition``; repositories persist moves as a compare-and-set on the
    statuses the lifecycle allows them from, so a concurrent move is never overwritten.
    """

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

    def moved_to(
        self, status: DecisionStatus, *, at: datetime, by: str | None = None, error: str | None = None
    ) -> DecisionRecord:
        """This decision in ``status``; ``InvalidTransition`` when the lifecycle forbids the move."""
        if not may_move(self.status, status):
            raise InvalidTransition(f"decision {self.id} is {self.status.value}; it cannot become {status.value}")
        return attrs.evolve(self, status=status, updated_at=at, error=error,
                            decided_by=by if by is not None else self.decided_by)


__all__ = [
    "DECISION_TRANSITIONS",
    "INITIAL_DECISION_STATUSES",
    "Action",
    "DecisionRecord",
    "DecisionStatus",
    "PricingDecision",
    "RiskLevel",
    "may_move",
    "statuses_before",
]
