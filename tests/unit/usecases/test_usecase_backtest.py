"""Replay and backtest: stored runs priced again reproduce their decisions, and new settings move the figures."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pydantic
import pytest
from tests.support.usecase_support import add_store, make_ports, product

from entrypoints.web.rule_views import rule_view
from pricing_core.catalog import AdvisorProposal, CompetitorOffer, PricePoint
from pricing_core.demand import ElasticityEstimate
from pricing_core.errors import StoreNotFound
from pricing_core.overrides import ProductOverride
from pricing_core.ports import scope_of
from pricing_core.replay import PricingInput, input_from_json, input_json
from pricing_core.rules import InvalidRule, PricingRule, RuleMatch
from pricing_core.runs import RunType
from pricing_core.settings import AutomationMode, TenantSettings
from pricing_core.usecases.backtest import backtest
from pricing_core.usecases.optimize_store import optimize_store
from pricing_core.usecases.pricing_rules import replace_rules, set_override

CATALOG = [product("a", "100"), product("b", "100"), product("c", "100"), product("d", "100", cost=None),
           product("e", "100"), product("f", "100", status="hidden"), product("g", "100", cost="95")]
OFFERS = {"a": [("x", "97")], "b": [("x", "80")], "c": [("x", "100")], "d": [("x", "90")],
          "e": [("x", "104"), ("y", "103")], "g": [("x", "90"), ("y", "91")]}


def _store(configure=lambda ports: None):  # type: ignore[no-untyped-def]
    """A store of CATALOG (``configure`` adds rules or overrides) swept twice, seven hours apart."""
    ports = make_ports()
    add_store(ports, "1", CATALOG, settings=TenantSettings(automation_mode=AutomationMode.SEMI_AUTO,
                                                            cooldown_hours=1))
    configure(ports)
    ports.competitors.prices = OFFERS
    optimize_store(ports, "1", run_type=RunType.SCHEDULED, run_key="k1")
    ports.clock.advance(hours=7)
    ports.competitors.prices = {**OFFERS, "a": [("x", "95")], "c": [("x", "92"), ("y", "92.5")]}
    optimize_store(ports, "1", run_type=RunType.SCHEDULED, run_key="k2")
    return ports


@pytest.fixture
def swept():  # type: ignore[no-untyped-def]
    return _store()


def _stored(ports, run_id):  # type: ignore[no-untyped-def]
    with ports.uow_factory("1") as uow:
        return {r.decision.product_id: r.decision for r in scope_of(uow).decisions.list(run_id=run_id, limit=100)}


def test_backtest_of_unchanged_settings_reproduces_every_stored_decision(swept) -> None:  # type: ignore[no-untyped-def]
    report = backtest(swept.uow_factory, "1", {})
    assert len(report.per_run) == 2
    stored_total = sum(len(_stored(swept, r.run_id)) for r in report.per_run)
    assert report.replayed.decisions == stored_total == report.identical == 2 * len(CATALOG)
    assert report.replayed == report.actual
    for run in report.per_run:
        assert run.replayed == run.actual and run.identical == run.replayed.decisions
    body = report.as_json()
    assert {"runs", "decisions", "changes", "auto_apply", "needs_approval", "avg_change_pct", "at_floor",
            "margin_change_pct", "per_run", "actual"} <= set(body)
    assert body["runs"] == 2 and body["changes"] > 0


def test_backtest_under_new_settings_changes_figures_and_touches_nothing(swept) -> None:  # type: ignore[no-untyped-def]
    with swept.uow_factory("1") as uow:
        before = (scope_of(uow).settings.get(), scope_of(uow).decisions.count(), len(scope_of(uow).runs.recent()))
    strict = backtest(swept.uow_factory, "1", {"min_profit_margin": "40", "automation_mode": "full-auto"}, runs=1)
    assert len(strict.per_run) == 1
    assert strict.identical < strict.replayed.decisions
    assert strict.replayed.auto_apply > strict.actual.auto_apply  # full-auto applies the medium ones too
    assert strict.replayed.at_floor >= 1  # the 40 % floor stops decreases
    assert strict.replayed.margin_change_pct > strict.actual.margin_change_pct
    with swept.uow_factory("1") as uow:
        after = (scope_of(uow).settings.get(), scope_of(uow).decisions.count(), len(scope_of(uow).runs.recent()))
    assert after == before
    latest = backtest(swept.uow_factory, "1", {}, since=swept.clock.now().date() + timedelta(days=1))
    assert latest.per_run == () and latest.replayed.decisions == 0


def test_bad_overrides_and_unknown_stores_are_refused(swept) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown setting"):
        backtest(swept.uow_factory, "1", {"min_margin": 10})
    with pytest.raises(pydantic.ValidationError, match="max_change_pct"):
        backtest(swept.uow_factory, "1", {"max_change_pct": -3})
    with pytest.raises(StoreNotFound):
        backtest(swept.uow_factory, "404", {})
    with pytest.raises(ValueError, match="runs"):
        backtest(swept.uow_factory, "1", {}, runs=0)


def test_inputs_survive_their_compact_json() -> None:
    p = make_ports()
    item = PricingInput(
        product=product("a", "100.50", cost="40.25", prices_include_vat=False, variant_of="z"),
        offers=(CompetitorOffer(competitor="noon", price=Decimal("99.95"), observed_at=p.clock.now(),
                                second_reading=Decimal("99.95"), in_stock=False),),
        last_change=PricePoint(product_id="a", price=Decimal("101"), changed_at=p.clock.now()),
        proposal=AdvisorProposal(product_id="a", target_price="98.5", rationale="r"),
        demand=ElasticityEstimate(-2.5, -3.1, -1.9, 56, units_per_day=3.25, at_price=Decimal("99.50"),
                                  prior_share=0.125),
        now=p.clock.now(),
    )
    data = input_json(item)
    assert input_from_json(data) == item
    assert "currency" not in data["p"] and "currency" not in data["o"][0]  # defaults left out


def test_backtest_cli_json_and_table(swept, monkeypatch, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from adapters.config import Config
    from bootstrap import build_services
    from entrypoints.cli import main, trust_commands

    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(trust_commands, "_services", lambda: build_services(
        Config(), uow_factory=swept.uow_factory, locks=swept.locks, clock=swept.clock, salla_auth=swept.salla_auth,
        salla_catalog=swept.salla_catalog, competitors=swept.competitors, advisor=None))
    same = tmp_path / "same.json"
    same.write_text("{}")
    assert main(["backtest", "1", "--settings", str(same), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["runs"] == 2 and body["identical"] == body["decisions"] == 14
    assert body["changes"] == body["actual"]["changes"] and len(body["per_run"]) == 2
    assert main(["backtest", "1", "--settings", str(same), "--runs", "1"]) == 0
    assert "7 of 7 decisions identical" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text('{"max_change_pct": -1}')
    assert main(["backtest", "1", "--settings", str(bad)]) == 1
    assert "max_change_pct" in capsys.readouterr().err
    bad.write_text("[1]")
    assert main(["backtest", "1", "--settings", str(bad)]) == 1
    assert "JSON object" in capsys.readouterr().err
    assert main(["backtest", "1", "--settings", str(tmp_path / "missing.json")]) == 1
    assert "cannot read" in capsys.readouterr().err


RULE = PricingRule(name="premium", priority=5, match=RuleMatch(skus=("SKU-a", "SKU-b", "SKU-e")),
                   settings={"strategy": "above_percent", "strategy_value": "3", "min_profit_margin": "30"})


@pytest.fixture
def swept_with_rules():  # type: ignore[no-untyped-def]
    """Two runs of a store that has a pricing rule and product overrides (a fixed minimum, an exclusion)."""

    def configure(ports):  # type: ignore[no-untyped-def]
        replace_rules(ports.uow_factory, "1", [RULE])
        set_override(ports.uow_factory, "1", ProductOverride(product_id="b", min_price="95"))
        set_override(ports.uow_factory, "1", ProductOverride(product_id="c", excluded=True))

    return _store(configure)


def test_backtest_prices_under_the_stores_rules_and_overrides(swept_with_rules) -> None:  # type: ignore[no-untyped-def]
    """Unchanged configuration with rules and overrides reproduces every stored decision."""
    report = backtest(swept_with_rules.uow_factory, "1", {})
    assert report.replayed.decisions == report.identical == 2 * len(CATALOG)
    assert report.replayed == report.actual


def test_backtest_with_other_rules_shows_what_they_would_change(swept_with_rules) -> None:  # type: ignore[no-untyped-def]
    without = backtest(swept_with_rules.uow_factory, "1", {}, rules=[])
    assert without.identical < without.replayed.decisions  # the rule's products price differently
    looser = PricingRule(name="premium", priority=5, match=RULE.match, settings={"min_profit_margin": "5"})
    other = backtest(swept_with_rules.uow_factory, "1", {}, rules=[looser])
    assert other.identical < other.replayed.decisions
    with swept_with_rules.uow_factory("1") as uow:
        assert scope_of(uow).rules.list() == [RULE]  # nothing saved
    # Rules to try are checked as saving them would be: a name used twice, a rule that cannot apply.
    with pytest.raises(InvalidRule, match="also rule 0"):
        backtest(swept_with_rules.uow_factory, "1", {}, rules=[RULE, RULE])
    impossible = PricingRule(name="x", match=RULE.match, settings={"min_price": "500"})
    with pytest.raises(InvalidRule, match="rules\\[0\\]"):
        backtest(swept_with_rules.uow_factory, "1", {"max_price": "200"}, rules=[impossible])


def test_backtest_cli_takes_rules_from_a_file(swept_with_rules, monkeypatch, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from adapters.config import Config
    from bootstrap import build_services
    from entrypoints.cli import main, trust_commands

    ports = swept_with_rules
    monkeypatch.setattr(trust_commands, "_services", lambda: build_services(
        Config(), uow_factory=ports.uow_factory, locks=ports.locks, clock=ports.clock, salla_auth=ports.salla_auth,
        salla_catalog=ports.salla_catalog, competitors=ports.competitors, advisor=None))
    same = tmp_path / "same.json"
    same.write_text("{}")
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"rules": [rule_view(RULE)]}))
    assert main(["backtest", "1", "--settings", str(same), "--rules", str(rules), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["identical"] == body["decisions"] == 14
    rules.write_text("[]")
    assert main(["backtest", "1", "--settings", str(same), "--rules", str(rules), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["identical"] < 14
    rules.write_text(json.dumps([{"name": "x", "settings": {}, "match": {"skus": "SKU-a"}}]))
    assert main(["backtest", "1", "--settings", str(same), "--rules", str(rules)]) == 1
    assert "rules[0].match.skus" in capsys.readouterr().err
    rules.write_text(json.dumps({"rules": [rule_view(RULE), rule_view(RULE)]}))
    assert main(["backtest", "1", "--settings", str(same), "--rules", str(rules)]) == 1
    assert "--rules: rules[1]" in capsys.readouterr().err
    rules.write_text('{"rule": []}')
    assert main(["backtest", "1", "--settings", str(same), "--rules", str(rules)]) == 1
    assert "--rules" in capsys.readouterr().err
