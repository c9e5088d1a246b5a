"""Step 6: risk from the size of the change and the strength of the evidence."""

from __future__ import annotations

from decimal import Decimal

from pricing_core.decision import RiskLevel


def risk_of_change(change_pct: Decimal, thresholds: tuple[Decimal, Decimal]) -> RiskLevel:
    """LOW up to the first threshold, MEDIUM up to the second, HIGH beyond (on the absolute change)."""
    size = abs(change_pct)
    low_max, medium_max = thresholds
    if size <= low_max:
        return RiskLevel.LOW
    if size <= medium_max:
        return RiskLevel.MEDIUM
    return RiskLevel.HIGH


def classify_risk(
    change_pct: Decimal, thresholds: tuple[Decimal, Decimal], *, decrease: bool, usable_offers: int
) -> tuple[RiskLevel, str]:
    """Risk level and its explanation. A decrease resting on a single usable offer is raised one level."""
    base = risk_of_change(change_pct, thresholds)
    low_max, medium_max = thresholds
    text = f"risk {base.value}: change of {abs(change_pct):.2f}% (low up to {low_max}%, medium up to {medium_max}%)"
    if decrease and usable_offers <= 1 and base is not RiskLevel.HIGH:
        raised = base.raised()
        return raised, f"{text}; raised to {raised.value}: a decrease resting on weak evidence ({usable_offers} offer)"
    return base, text


__all__ = ["classify_risk", "risk_of_change"]
