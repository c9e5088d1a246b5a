"""Step 7: who applies the change, from the automation mode and the risk."""

from __future__ import annotations

from pricing_core.decision import Action, RiskLevel
from pricing_core.settings import AutomationMode

_AUTO_APPLIED: dict[AutomationMode, frozenset[RiskLevel]] = {
    AutomationMode.MANUAL: frozenset(),
    AutomationMode.SEMI_AUTO: frozenset({RiskLevel.LOW}),
    AutomationMode.FULL_AUTO: frozenset({RiskLevel.LOW, RiskLevel.MEDIUM}),
}


def action_for(mode: AutomationMode, risk: RiskLevel) -> Action:
    """AUTO_APPLY when the mode applies this risk by itself, else NEEDS_APPROVAL."""
    return Action.AUTO_APPLY if risk in _AUTO_APPLIED[mode] else Action.NEEDS_APPROVAL


def mode_description(mode: AutomationMode) -> str:
    """What the mode applies by itself, for the explanation."""
    mode = AutomationMode(mode)
    applied = sorted(r.value for r in _AUTO_APPLIED[mode])
    if not applied:
        return f"{mode.value}: every change waits for approval"
    return f"{mode.value} applies {', '.join(applied)} risk by itself"


__all__ = ["action_for", "mode_description"]
