"""A real crewai crew driven offline by the scripted FakeLLM.

Good answers, malformed JSON, prices below cost, prices 10x the current one, an empty answer:
every proposal goes through ``price_product`` and none gets past the margin floor or the maximum
change. One kickoff per store per sweep, store context in the agents' own instructions.
"""

import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import httpx
import pytest

from adapters.agents.crew import CrewAIAdvisor
from adapters.competitors.search import TavilySearch
from pricing_core import CompetitorOffer, Product, TenantSettings, price_product
from pricing_core.guards import margin_floor
from pricing_core.ports import StoreContext

pytestmark = pytest.mark.agents


@pytest.fixture(scope="module")
def fake():
    """The fake LLM module, imported when an agents test runs (it imports crewai, which is slow),
    so that ``-m "not agents"`` runs never pay for it."""
    pytest.importorskip("crewai")
    from adapters.agents import fake_llm

    return fake_llm

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
SETTINGS = TenantSettings(min_profit_margin=Decimal("20"), max_change_pct=Decimal("10"),
                          automation_mode="full-auto", risk_tolerance="low")
OUD = StoreContext(store_id="s-oud", store_name="Oud House", settings=SETTINGS)
DATES = StoreContext(store_id="s-dates", store_name="Qassim Dates", settings=TenantSettings())
TAVILY = (Path(__file__).resolve().parents[2] / "fixtures" / "competitors" / "tavily_search.json").read_bytes()


def catalog(n):
    return [Product(id=f"p{i}", sku=f"SKU-{i}", name=f"عطر رقم {i}", price=Decimal(200 + 10 * i),
                    cost_price=Decimal(120 + 5 * i)) for i in range(n)]


def offers_for(products):
    fresh = NOW - timedelta(hours=1)
    return {p.id: [CompetitorOffer(competitor="noon", price=p.price * Decimal("0.93"), observed_at=fresh,
                                   second_reading=p.price * Decimal("0.93")),
                   CompetitorOffer(competitor="jarir", price=p.price * Decimal("0.97"), observed_at=fresh)]
            for p in products}


def assert_within_guards(product, offers, settings, proposal):
    decision = price_product(product, offers, settings, now=NOW, proposal=proposal)
    floor = margin_floor(product.cost_price, settings.margin_fraction, settings.vat_fraction, True)
    assert decision.suggested_price >= floor
    change = abs(decision.suggested_price - product.price) / product.price * 100
    assert change <= settings.max_change_pct
    return decision


def test_good_answers_one_kickoff_per_store_with_the_store_in_the_agents_instructions(fake):
    env_before = dict(os.environ)
    products = catalog(6)
    offers = offers_for(products)
    hidden = Product(id="hidden", name="Hidden", price="99", cost_price="10", status="hidden")
    llm = fake.FakeLLM(responder=fake.market_responder, model="fake-oud")
    advisor = CrewAIAdvisor(lambda: llm, model_label="fake", batch_size=3)
    proposals = advisor.propose(OUD, [*products, hidden], offers)

    report = advisor.reports["s-oud"]
    assert (report.kickoffs, report.batches_sent, report.batches_answered) == (1, 2, 2)
    assert llm.call_count == report.llm_calls == 4  # scout + analyst per batch, one kickoff
    assert report.prompt_tokens == llm.prompt_tokens > 0
    assert set(proposals) == {p.id for p in products}
    assert all(p.source == "crewai:fake" for p in proposals.values())
    assert report.dropped == [] and report.error is None and report.stopped_reason is None

    analyst_prompts = [c.prompt for c in llm.calls if "analyst" in c.agent_role.casefold()]
    assert all("Pricing analyst for Oud House" in p for p in analyst_prompts)
    assert all("at least 20% gross margin" in p and "full-auto mode with low risk" in p for p in analyst_prompts)
    assert "id=p0 " in analyst_prompts[0] and "id=p3 " in analyst_prompts[1]  # the batches, in order
    assert "id=p0 " not in analyst_prompts[1]  # a batch does not carry earlier batches
    assert not any("id=hidden" in c.prompt for c in llm.calls)  # the core would skip it: no tokens spent

    for product in products:
        decision = assert_within_guards(product, offers[product.id], SETTINGS, proposals[product.id])
        assert any("Advisor crewai:fake proposes" in line for line in decision.explanation)

    assert dict(os.environ) == env_before


def test_stores_advised_concurrently_keep_their_own_context(fake):
    made = {}

    def factory(store_id):
        def make():
            made[store_id] = fake.FakeLLM(responder=fake.market_responder)
            return made[store_id]
        return make

    def advise(context):
        products = [attrs.evolve(p, id=f"{context.store_id}:{p.id}") for p in catalog(4)]
        advisor = CrewAIAdvisor(factory(context.store_id), batch_size=2)
        return advisor.propose(context, products, offers_for(products)), advisor.reports[context.store_id]

    with ThreadPoolExecutor(2) as pool:
        results = dict(zip(("s-oud", "s-dates"), pool.map(advise, [OUD, DATES]), strict=True))
    for store_id, name, other in (("s-oud", "Oud House", "Qassim Dates"), ("s-dates", "Qassim Dates", "Oud House")):
        proposals, report = results[store_id]
        assert len(proposals) == 4 and all(pid.startswith(f"{store_id}:") for pid in proposals)
        assert report.kickoffs == 1 and report.batches_answered == 2
        assert all(name in c.prompt and other not in c.prompt for c in made[store_id].calls)


def test_bad_answers_never_push_a_price_past_the_guards(fake):
    products = catalog(6)
    offers = offers_for(products)
    p = {x.id: x for x in products}

    def answer(*items):
        return "Final Answer: " + json.dumps({"proposals": [dict(zip(("product_id", "target_price"), i,
                                                                 strict=True)) for i in items]})

    analyst_script = [
        'Final Answer: {"proposals": [{"product_id": "p0", "target_price": "150.00"',  # malformed JSON
        answer(("p1", str(p["p1"].cost_price - 1))),  # below cost
        answer(("p2", str(p["p2"].price * 10))),  # 10x the current price
        "",  # an empty answer
        answer(("p4", "cheap"), ("nope", "1.00"), ("p4", "5")),  # garbage, unknown id, duplicate
        answer(("p5", str(p["p5"].price * Decimal("1.08")))),  # a sane raise, inside the window
    ]
    llm = fake.FakeLLM({"scout": ["Final Answer: nothing new"] * 6, "analyst": analyst_script})
    advisor = CrewAIAdvisor(lambda: llm, model_label="fake", batch_size=1)
    proposals = advisor.propose(OUD, products, offers)
    report = advisor.reports["s-oud"]

    assert report.kickoffs == 1 and report.batches_answered == 6
    assert set(proposals) == {"p1", "p2", "p4", "p5"}
    assert proposals["p4"].target_price == "cheap"  # returned raw: the core rejects it with a reason
    dropped = "\n".join(report.dropped)
    assert "batch 1: analyst answer dropped: answer is not JSON" in dropped
    assert "batch 4: analyst answer dropped: empty answer" in dropped
    assert "unknown product 'nope'" in dropped and "second proposal for product p4" in dropped

    decisions = {x.id: assert_within_guards(x, offers[x.id], SETTINGS, proposals.get(x.id)) for x in products}
    assert any("rejected" in line and "out of range" in line for line in decisions["p2"].explanation)
    assert any("rejected" in line and "'cheap' is not a price" in line for line in decisions["p4"].explanation)
    floor = margin_floor(p["p1"].cost_price, SETTINGS.margin_fraction, SETTINGS.vat_fraction, True)
    assert decisions["p1"].suggested_price >= floor > p["p1"].cost_price
    assert decisions["p5"].suggested_price > p["p5"].price


def test_the_token_budget_refuses_or_stops_and_says_why(fake):
    products = catalog(8)
    offers = offers_for(products)

    tiny = fake.FakeLLM(responder=fake.market_responder)
    refused = CrewAIAdvisor(lambda: tiny, batch_size=4, token_budget=200)
    assert refused.propose(OUD, products, offers) == {}
    report = refused.reports["s-oud"]
    assert tiny.call_count == 0 and report.kickoffs == 0 and report.products_not_advised == 8
    assert report.stopped_reason.startswith("token budget 200: 2 of 2 batches (8 products) not sent")

    # A model that rambles: its first batch blows the budget, the crew stops before the second.
    def rambling(call):
        answer = fake.market_responder(call)
        return answer if "scout" in call.agent_role.casefold() else answer + " " + "x" * 40_000

    chatty = fake.FakeLLM(responder=rambling)
    stopped = CrewAIAdvisor(lambda: chatty, batch_size=4, token_budget=9_000)
    proposals = stopped.propose(OUD, products, offers)
    report = stopped.reports["s-oud"]
    assert report.kickoffs == 1 and report.batches_answered == 1 and chatty.call_count == 2
    assert set(proposals) == {"p0", "p1", "p2", "p3"}
    assert report.stopped_reason.startswith("token budget 9000: stopped after batch 1/2")
    assert report.products_not_advised == 4 and report.total_tokens > 9_000

    # A scout that runs away (long searches) stops the crew before its analyst is even asked.
    def runaway_scout(call):
        answer = fake.market_responder(call)
        return answer + " " + "y" * 40_000 if "scout" in call.agent_role.casefold() else answer

    runaway = fake.FakeLLM(responder=runaway_scout)
    halted = CrewAIAdvisor(lambda: runaway, batch_size=4, token_budget=9_000)
    assert halted.propose(OUD, products, offers) == {}
    report = halted.reports["s-oud"]
    assert runaway.call_count == 1 and report.batches_answered == 0 and report.products_not_advised == 8
    assert report.stopped_reason.startswith("token budget 9000: stopped after batch 0/2")


def test_scout_searches_with_tavily_and_the_analyst_reads_its_findings(fake):
    requests = []

    def tavily(request):
        requests.append(json.loads(request.content))
        return httpx.Response(200, content=TAVILY, headers={"content-type": "application/json"})

    search = TavilySearch("tvly-test", client=httpx.Client(transport=httpx.MockTransport(tavily)))
    product = Product(id="oud-1", sku="OUD-100", name="Royal Oud 100ml", price="159", cost_price="90")
    llm = fake.FakeLLM({
        "scout": ['Thought: no known offers.\nAction: competitor_search\nAction Input: {"query": "Royal Oud 100ml"}',
                  "Thought: found one.\nFinal Answer: oud-1: noon 149.00 SAR https://www.noon.com/saudi-en/royal-oud"],
        "analyst": [lambda call: "Final Answer: " + json.dumps({"proposals": [
            {"product_id": "oud-1", "target_price": "149.00" if "noon 149.00" in call.prompt else None,
             "rationale": "match noon"}]})],
    })
    advisor = CrewAIAdvisor(lambda: llm, search=search)
    proposals = advisor.propose(OUD, [product], {})
    assert requests and requests[0]["query"] == "Royal Oud 100ml"
    scout_second = [c.prompt for c in llm.calls if "scout" in c.agent_role.casefold()][1]
    assert "https://www.amazon.sa/-/ar/dp/B0ROYALOUD" in scout_second  # the tool's answer reached the scout
    assert proposals["oud-1"].target_price == "149.00" and proposals["oud-1"].rationale == "match noon"


def test_a_failing_model_costs_its_batch_only_and_never_raises(fake):
    products = catalog(4)

    def flaky(call):
        if "analyst" in call.agent_role.casefold() and "id=p0 " in call.prompt:
            raise RuntimeError("provider 500")
        return fake.market_responder(call)

    llm = fake.FakeLLM(responder=flaky)
    advisor = CrewAIAdvisor(lambda: llm, batch_size=2)
    proposals = advisor.propose(OUD, products, offers_for(products))
    report = advisor.reports["s-oud"]
    assert set(proposals) == {"p2", "p3"}  # the batch after the failure still ran, in the same kickoff
    assert report.kickoffs == 1 and report.batches_answered == 2 and report.error is None
    assert "model call failed: RuntimeError: provider 500" in report.dropped[0]

    def no_model():
        raise ValueError("unknown model 'gpt-9'")

    broken = CrewAIAdvisor(no_model)
    assert broken.propose(OUD, products, {}) == {}
    assert broken.reports["s-oud"].error == "ValueError: unknown model 'gpt-9'"
