"""``CrewAIAdvisor``: the ``PricingAdvisor`` port over a scout + analyst crew, one kickoff per store per sweep."""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from adapters.agents.crew.prompts import (
    ANALYST_TEMPLATE_TOKENS,
    COMPLETION_TOKENS_PER_PRODUCT,
    SCOUT_NOTE_TOKENS_PER_PRODUCT,
    SCOUT_TEMPLATE_TOKENS,
    analyst_line,
    context_words,
    scout_line,
)
from adapters.agents.crew.report import BudgetExhausted, CrewRunReport, usage
from adapters.agents.crew.schema import AnalystReport, lenient_converter_cls, parse_report
from adapters.agents.crew.shims import wrap_llm
from adapters.competitors.search import TavilySearch
from pricing_core.catalog import AdvisorProposal, CompetitorOffer, Product
from pricing_core.engine import PRICEABLE_STATUSES
from pricing_core.ports import StoreContext

log = logging.getLogger(__name__)


class CrewAIAdvisor:
    """``PricingAdvisor`` backed by a crewai crew per store per sweep.

    ``llm_factory`` builds the model for one kickoff (``crewai.LLM(model=...)`` in production,
    ``FakeLLM`` in tests), so concurrent stores never share a model object or its counters.
    """

    # A kickoff has a fixed cost (roles, instructions, schema) and the token budget is per call:
    # the sweep should call ``propose`` once for the whole run, not once per catalog page.
    wants_whole_run = True

    def __init__(
        self,
        llm_factory: Callable[[], Any],
        *,
        model_label: str = "crewai",
        batch_size: int = 25,
        token_budget: int = 200_000,
        search: TavilySearch | None = None,
        max_offers_per_product: int = 4,
        max_iter: int = 3,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if token_budget < 1:
            raise ValueError("token_budget must be positive")
        self.llm_factory = llm_factory
        self.model_label = model_label
        self.batch_size = batch_size
        self.token_budget = token_budget
        self.search = search
        self.max_offers_per_product = max_offers_per_product
        self.max_iter = max_iter
        self._lock = threading.Lock()
        self.reports: dict[str, CrewRunReport] = {}

    @property
    def source(self) -> str:
        """The ``AdvisorProposal.source`` of this advisor's proposals."""
        return f"crewai:{self.model_label}"

    # -- planning ------------------------------------------------------------------------------

    def _batches(self, products: Sequence[Product]) -> list[list[Product]]:
        return [list(products[i : i + self.batch_size]) for i in range(0, len(products), self.batch_size)]

    def _descriptions(
        self, index: int, total: int, batch: Sequence[Product], offers: Mapping[str, Sequence[CompetitorOffer]],
        context: StoreContext,
    ) -> tuple[str, str]:
        w = context_words(context)
        tool_hint = (
            "Use competitor_search only for products with known_offers below 2; report what you find as "
            "'id: competitor price currency url'."
            if self.search is not None
            else "No search tool is available: check the products below for gaps (known_offers below 2) and "
            "say which ones lack evidence."
        )
        scout = (
            f"Batch {index}/{total} of {w['store']}'s products. {tool_hint} "
            f"Listings of {w['own']} are the store's own, never competitors.\n"
            + "\n".join(scout_line(p, offers.get(p.id, ())) for p in batch)
        )
        analyst = (
            f"Batch {index}/{total} of {w['store']}'s products (prices in {batch[0].currency}). "
            f"Propose a target price for products whose price should change: stay inside range "
            f"(it keeps the {w['margin']}% minimum margin and the {w['max_change']}% maximum change); "
            "weigh in-stock competitor offers and the scout's findings. Leave out products to keep.\n"
            + "\n".join(analyst_line(p, offers.get(p.id, ()), context, self.max_offers_per_product) for p in batch)
        )
        return scout, analyst

    @staticmethod
    def _estimate(scout: str, analyst: str, size: int) -> int:
        return (SCOUT_TEMPLATE_TOKENS + ANALYST_TEMPLATE_TOKENS + (len(scout) + len(analyst)) // 4
                + (COMPLETION_TOKENS_PER_PRODUCT + 2 * SCOUT_NOTE_TOKENS_PER_PRODUCT) * size)

    # -- the port ------------------------------------------------------------------------------

    def propose(
        self,
        context: StoreContext,
        products: Sequence[Product],
        offers: Mapping[str, Sequence[CompetitorOffer]],
    ) -> Mapping[str, AdvisorProposal]:
        """Proposals for ``products`` from one crew kickoff; never raises."""
        report = CrewRunReport(store_id=context.store_id, products=len(products), batch_size=self.batch_size,
                               token_budget=self.token_budget)
        try:
            proposals = self._propose(context, products, offers, report)
        except Exception as exc:  # building the crew can fail too (bad model name, provider error)
            log.warning("crew for store %s failed before proposing: %r", context.store_id, exc)
            report.error = f"{type(exc).__name__}: {exc}"
            proposals = {}
        report.proposals = len(proposals)
        with self._lock:
            self.reports[context.store_id] = report
        return proposals

    def _propose(
        self,
        context: StoreContext,
        products: Sequence[Product],
        offers: Mapping[str, Sequence[CompetitorOffer]],
        report: CrewRunReport,
    ) -> dict[str, AdvisorProposal]:
        # Products the core will skip anyway (hidden, deleted, no price) are not worth a token.
        products = [p for p in products if p.status in PRICEABLE_STATUSES and p.price > 0]
        batches = self._batches(products)
        report.batches_planned = len(batches)
        if not batches:
            return {}
        planned: list[tuple[list[Product], str, str, int]] = []
        estimated = 0
        for index, batch in enumerate(batches, start=1):
            scout, analyst = self._descriptions(index, len(batches), batch, offers, context)
            cost = self._estimate(scout, analyst, len(batch))
            if estimated + cost > self.token_budget:
                break
            estimated += cost
            planned.append((batch, scout, analyst, cost))
        if len(planned) < len(batches):
            report.products_not_advised = sum(len(b) for b in batches[len(planned) :])
            report.stopped_reason = (
                f"token budget {self.token_budget}: {len(batches) - len(planned)} of {len(batches)} batches "
                f"({report.products_not_advised} products) not sent; the {len(planned)} sent are estimated "
                f"at {estimated} tokens"
            )
            log.warning("store %s: %s", context.store_id, report.stopped_reason)
        if not planned:
            return {}

        llm = wrap_llm(self.llm_factory())
        crew, outputs = self._build_crew(context, planned, llm, report)
        start_prompt, start_completion, start_calls = usage(llm)
        report.kickoffs += 1
        report.batches_sent = len(planned)
        try:
            crew.kickoff()
        except BudgetExhausted as exc:
            report.stopped_reason = f"{report.stopped_reason}; {exc}" if report.stopped_reason else str(exc)
            log.warning("store %s: %s", context.store_id, exc)
        except Exception as exc:  # a model error must not cost the batches already answered
            report.error = f"{type(exc).__name__}: {exc}"
            log.warning("crew for store %s stopped: %s", context.store_id, report.error)
        prompt, completion, calls = usage(llm)
        report.prompt_tokens = prompt - start_prompt
        report.completion_tokens = completion - start_completion
        report.llm_calls = calls - start_calls
        for failure in llm.failures:
            log.info("store %s: %s", context.store_id, failure)
        return self._collect(planned, outputs, report)

    def _build_crew(
        self, context: StoreContext, planned: Sequence[tuple[list[Product], str, str, int]], llm: Any,
        report: CrewRunReport,
    ) -> tuple[Any, dict[int, Any]]:
        from crewai import Agent, Crew, Process, Task

        w = context_words(context)
        tools = []
        if self.search is not None:
            from adapters.agents.tools import competitor_search_tool

            tools.append(competitor_search_tool(self.search))
        scout = Agent(
            role=f"Competitor scout for {w['store']}",
            goal=f"Find and vet current competitor prices for {w['store']}'s products in Saudi Arabia",
            backstory=(f"You work only for {w['store']} (store {w['store_id']}), a Salla store. You report "
                       f"facts about competitors' listings, never prices to set. {w['own']} is not a competitor."),
            llm=llm, tools=tools, allow_delegation=False, verbose=False, max_iter=self.max_iter,
            max_retry_limit=1,
        )
        analyst = Agent(
            role=f"Pricing analyst for {w['store']}",
            goal=(f"Propose prices for {w['store']} that keep at least {w['margin']}% gross margin and change "
                  f"at most {w['max_change']}% per run"),
            backstory=(f"{w['store']} runs in {w['mode']} mode with {w['risk']} risk tolerance. The optimizer's "
                       "guards check every proposal and reject any outside the allowed range, so propose only "
                       "prices you can justify from in-stock competitor offers."),
            llm=llm, allow_delegation=False, verbose=False, max_iter=self.max_iter,
            max_retry_limit=1,  # a retry re-sends the whole prompt; one is enough for a transient error
        )
        tasks: list[Any] = []
        task_costs: list[int] = []
        for index, (_batch, scout_text, analyst_text, cost) in enumerate(planned, start=1):
            scout_task = Task(
                description=scout_text,
                expected_output="One line per product with new competitor evidence or a gap; 'nothing new' if none.",
                agent=scout,
                context=[],  # an explicit empty context: a batch never re-reads earlier batches' outputs
                name=f"scout-{index}",
            )
            analyst_task = Task(
                description=analyst_text,
                expected_output='JSON: {"proposals": [{"product_id": ..., "target_price": "...", "rationale": ...}]}',
                agent=analyst,
                context=[scout_task],
                output_pydantic=AnalystReport,
                converter_cls=lenient_converter_cls(),
                name=f"analyst-{index}",
            )
            tasks += [scout_task, analyst_task]
            task_costs.append(cost)
        outputs: dict[int, Any] = {}
        budget = self.token_budget
        baseline = usage(llm)

        def after_task(output: Any) -> None:
            # Called by crewai after every task, in order. Analyst outputs are kept by batch. The
            # crew stops when the real usage is already over the budget (a scout that searched
            # too long), or when the next batch's estimate no longer fits what is left.
            is_analyst = str(getattr(output, "name", "")).startswith("analyst-")
            if is_analyst:
                outputs[len(outputs)] = output
                report.batches_answered = len(outputs)
            done = len(outputs)
            prompt, completion, _ = usage(llm)
            used = prompt + completion - baseline[0] - baseline[1]
            if done == len(planned):
                return
            upcoming = 0 if not is_analyst else task_costs[done]
            if used + upcoming > budget:
                remaining = sum(len(b) for b, *_ in planned[done:])
                report.products_not_advised += remaining
                raise BudgetExhausted(
                    f"token budget {budget}: stopped after batch {done}/{len(planned)} with {used} tokens "
                    f"used; {remaining} products not advised"
                )

        with warnings.catch_warnings():
            # crewai warns that a closure callback cannot be checkpointed; this crew is never checkpointed.
            warnings.filterwarnings("ignore", message="function callbacks cannot be serialized")
            crew = Crew(agents=[scout, analyst], tasks=tasks, process=Process.sequential, verbose=False,
                        task_callback=after_task)
        return crew, outputs

    def _collect(
        self,
        planned: Sequence[tuple[list[Product], str, str, int]],
        outputs: Mapping[int, Any],
        report: CrewRunReport,
    ) -> dict[str, AdvisorProposal]:
        proposals: dict[str, AdvisorProposal] = {}
        for index, (batch, *_rest) in enumerate(planned):
            output = outputs.get(index)
            if output is None:
                continue
            allowed = {p.id for p in batch}
            parsed = output.pydantic if isinstance(output.pydantic, AnalystReport) else parse_report(output.raw)
            if isinstance(parsed, str):
                self._drop(report, f"batch {index + 1}: analyst answer dropped: {parsed}")
                continue
            for reason in parsed.skipped:
                self._drop(report, f"batch {index + 1}: {reason}")
            for item in parsed.proposals:
                if item.product_id not in allowed:
                    self._drop(report, f"batch {index + 1}: proposal for unknown product {item.product_id!r}")
                elif item.product_id in proposals:
                    self._drop(report, f"batch {index + 1}: second proposal for product {item.product_id} ignored")
                elif item.target_price is None:
                    continue  # the analyst chose to keep this price
                else:
                    proposals[item.product_id] = AdvisorProposal(
                        product_id=item.product_id,
                        target_price=item.target_price,  # raw on purpose: the core validates it
                        rationale=item.rationale,
                        source=self.source,
                    )
        return proposals

    @staticmethod
    def _drop(report: CrewRunReport, reason: str) -> None:
        log.info("store %s: %s", report.store_id, reason)
        report.dropped.append(reason)


__all__ = ["CrewAIAdvisor"]
