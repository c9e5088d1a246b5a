"""Sweeps and event repricing price with the store's rules and the products' overrides (issue 12)."""

from __future__ import annotations

from decimal import Decimal

from tests.support.usecase_support import add_store, make_ports, product

from pricing_core.decision import Action, DecisionStatus
from pricing_core.overrides import ProductOverride
from pricing_core.rules import PricingRule, RuleMatch
from pricing_core.runs import RunType
from pricing_core.settings import AutomationMode
from pricing_core.usecases.optimize_store import optimize_store
from pricing_core.usecases.reprice import reprice_products

PERFUME = PricingRule(name="Perfume margin", priority=1, match=RuleMatch(categories=("7",)),
                      settings={"min_profit_margin": "45"})


def make():  # type: ignore[no-untyped-def]
    ports = make_ports()
    catalog = [product("a", "100", categories=("7",)), product("b", "100"), product("c", "100", cost=None),
               product("d", "100"), product("e", "100")]
    add_store(ports, "1", catalog, mode=AutomationMode.FULL_AUTO)
    ports.competitors.prices = {pid: [("x", "92"), ("y", "92.10")] for pid in "abcde"}
    with ports.uow_factory("1") as uow:
        uow.store.rules.replace_all([PERFUME])
        uow.store.overrides.upsert_many([
            ProductOverride(product_id="c", cost_price="40"),       # a cost Salla does not have
            ProductOverride(product_id="d", excluded=True),
            ProductOverride(product_id="e", map_price="95"),
        ])
        uow.commit()
    return ports


def decisions(ports, run_id):  # type: ignore[no-untyped-def]
    with ports.uow_factory("1") as uow:
        return {r.decision.product_id: r for r in uow.store.decisions.list(run_id=run_id, limit=100)}


def test_sweep_prices_with_the_rules_and_the_overrides() -> None:
    ports = make()
    result = optimize_store(ports, "1", run_type=RunType.SCHEDULED, run_key="k1")
    assert result.ok
    got = decisions(ports, result.run.id)
    # a: the rule's 45% margin puts the floor at 50 / 0.55 * 1.15 = 104.55, above the offers: raised to it.
    assert got["a"].decision.explanation[0] == "Priced with rule 'Perfume margin' (priority 1)."
    assert got["a"].decision.floor_price == Decimal("104.55") and got["a"].decision.suggested_price == Decimal("104.55")
    # b: store settings, two agreeing offers, applied.
    assert got["b"].decision.explanation[0] == "Priced with store settings."
    assert got["b"].status is DecisionStatus.APPLIED and ports.salla_catalog.price("1", "b") == Decimal("92.00")
    # c: no cost in Salla, the override's cost lets the decrease apply automatically.
    assert got["c"].decision.cost_price == Decimal("40") and got["c"].status is DecisionStatus.APPLIED
    # d: excluded, left alone; e: never below its MAP.
    assert got["d"].decision.action is Action.SKIPPED and ("1", "d") not in ports.salla_catalog.applies
    assert got["e"].decision.suggested_price == Decimal("95.00")


def test_event_repricing_uses_them_too() -> None:
    ports = make()
    result = reprice_products(ports, "1", ["a", "d"], run_key="evt-1")
    got = decisions(ports, result.run.id)
    assert set(got) == {"a", "d"}
    assert "Perfume margin" in got["a"].decision.explanation[0]
    assert got["d"].decision.action is Action.SKIPPED
