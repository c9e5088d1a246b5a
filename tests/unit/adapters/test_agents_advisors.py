"""The rule-based advisor, the advisor choice, the analyst-answer parser, and lazy crewai imports."""

import logging
import subprocess
import sys

import pytest

import adapters.agents as agents
from adapters.agents import CrewAIAdvisor, RuleBasedAdvisor, build_advisor
from adapters.agents.crew import AnalystReport, parse_report
from adapters.config import Config
from adapters.llm_keys import provider_of
from pricing_core import CompetitorOffer, Product, TenantSettings
from pricing_core.ports import StoreContext

CONTEXT = StoreContext(store_id="s1", store_name="Oud House", settings=TenantSettings())


def test_rule_based_advisor_proposes_nothing_and_says_what_it_saw():
    products = [Product(id="1", price="10"), Product(id="2", price="20")]
    offers = {"1": [CompetitorOffer(competitor="noon", price="9", observed_at="2026-11-23T10:00:00+00:00")]}
    advisor = RuleBasedAdvisor()
    assert advisor.propose(CONTEXT, products, offers) == {}
    report = advisor.reports["s1"]
    assert (report.products, report.products_with_offers, report.proposals) == (2, 1, 0)
    assert "strategy" in report.reason


@pytest.fixture
def fresh_announcement(monkeypatch):
    monkeypatch.setattr(agents, "_announced", type(agents._announced)())


def test_without_a_model_the_rule_based_advisor_is_used_and_said_once(fresh_announcement, caplog):
    with caplog.at_level(logging.INFO, logger="adapters.agents"):
        first = build_advisor(Config())
        second = build_advisor(Config(llm_model="openai/gpt-4o-mini"))
    assert isinstance(first, RuleBasedAdvisor) and isinstance(second, RuleBasedAdvisor)
    records = [(r.levelno, r.getMessage()) for r in caplog.records]
    # The default set-up, not a mistake: INFO, so no command starts with a warning.
    assert records == [(logging.INFO, "using the rule-based advisor because LLM_MODEL is not set")]


def test_a_model_without_its_key_falls_back_with_the_reason(fresh_announcement, caplog):
    with caplog.at_level(logging.WARNING, logger="adapters.agents"):
        config = Config.from_env({"LLM_MODEL": "anthropic/claude-3-5-haiku", "OPENAI_API_KEY": "x"})
        advisor = build_advisor(config)
    assert isinstance(advisor, RuleBasedAdvisor) and config.llm_api_key is None
    assert "needs LLM_API_KEY or ANTHROPIC_API_KEY" in caplog.text


def test_a_model_with_its_key_gets_the_crew_advisor(fresh_announcement):
    config = Config.from_env({"LLM_MODEL": "gpt-4o-mini", "TAVILY_API_KEY": "tvly-x", "OPENAI_API_KEY": "k"})
    assert config.llm_api_key == "k"  # the provider's own variable, read by Config
    advisor = build_advisor(config, token_budget=5000, batch_size=10)
    assert isinstance(advisor, CrewAIAdvisor)
    assert (advisor.token_budget, advisor.batch_size, advisor.source) == (5000, 10, "crewai:gpt-4o-mini")
    assert advisor.search is not None
    assert provider_of("ollama/llama3") == "ollama" and provider_of("gpt-4o") == "openai"


def test_importing_the_adapters_does_not_import_crewai():
    code = ("import sys, adapters.agents, adapters.competitors, adapters.agents.crew, adapters.agents.rule_based;"
            "print(any(m == 'crewai' or m.startswith('crewai.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"


def test_parse_report_reads_good_answers_and_salvages_items():
    report = parse_report('Here you go: {"proposals": [{"product_id": 12, "target_price": 96.5, "rationale": null},'
                          ' {"target_price": "1"}, {"product_id": "13", "target_price": "cheap"}]} thanks')
    assert isinstance(report, AnalystReport)
    assert [(p.product_id, p.target_price, p.rationale) for p in report.proposals] == [
        ("12", 96.5, ""), ("13", "cheap", "")]
    assert report.skipped == ["proposal #2 unreadable (product_id: Field required)"]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("", "empty answer"),
        ("I think you should lower prices", "answer is not JSON"),
        ('{"proposals": [{"product_id": "1",', "answer is not JSON"),
        ('{"prices": []}', "answer has no 'proposals' list"),
    ],
)
def test_parse_report_explains_unreadable_answers(answer, reason):
    parsed = parse_report(answer)
    assert isinstance(parsed, str) and parsed.startswith(reason)
