"""Which products the optimizer could not price on its own at the last sweep, why, and what the merchant can do.

Read from the decisions of the store's latest catalog sweep (event runs reprice a few products
and would hide the rest). Products Salla shows on sale are not decisions at all: the sweep leaves
a merchant's promotion alone and counts them as skipped in the run.
"""

from __future__ import annotations

from typing import Any

from pricing_core.decision import Action, DecisionRecord
from pricing_core.ports import UnitOfWorkFactory, scope_of
from pricing_core.runs import RunType

LIMIT = 1000


def why_unpriceable(record: DecisionRecord) -> tuple[str, str] | None:
    """(reason, fix) when the decision shows the product cannot be priced automatically, else None.

    The fix is an i18n key; the reason is an i18n key too, or the engine's own explanation line
    (which the page translates like every other explanation step).
    """
    d = record.decision
    text = " ".join(d.explanation)
    if d.action is Action.SKIPPED:
        if "excluded" in text:
            return "why_excluded", "fix_excluded"
        if "conflicts with the store settings" in text:
            return d.explanation[0], "fix_rule_conflict"
        if "product status" in text:
            return d.explanation[0], "fix_status"
        if "cooldown" in text:
            return d.explanation[0], "fix_cooldown"
        return d.explanation[0], "fix_check_salla"
    if d.cost_price is None:
        return "why_no_cost", "fix_no_cost"
    if d.offers_used == 0:
        return "why_no_offer", "fix_no_offer"
    return None


def unpriceable_view(uow_factory: UnitOfWorkFactory, store_id: str) -> dict[str, Any]:
    """The latest sweep's unpriceable products with reasons and fixes, and that sweep's skipped count."""
    with uow_factory(store_id) as uow:
        scope = scope_of(uow)
        sweep = next((r for r in scope.runs.recent(20) if r.run_type is not RunType.EVENT), None)
        records = scope.decisions.list(run_id=sweep.id, limit=LIMIT) if sweep is not None else []
    rows = []
    for record in records:
        found = why_unpriceable(record)
        if found is not None:
            d = record.decision
            rows.append({"product_id": d.product_id, "name": d.name, "sku": d.sku or "", "reason": found[0],
                         "fix": found[1]})
    rows.sort(key=lambda r: (r["reason"], r["product_id"]))
    return {"run": sweep, "rows": rows, "cut": len(records) >= LIMIT}


__all__ = ["unpriceable_view", "why_unpriceable"]
