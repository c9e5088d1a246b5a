"""``CrewAIAdvisor``: a two-agent crew (scout, then analyst) that proposes prices for one store.

- One crew and one ``kickoff`` per store per ``propose`` call. The advisor sets the port's
  ``wants_whole_run`` capability, so the sweep calls ``propose`` once per store per sweep with
  the whole catalog (once per ``advice_cap`` products on very large catalogs), not once per page.
  The products go in batches *inside* that kickoff: each batch is a scout task and an analyst task,
  so the fixed cost of a prompt (role, instructions, output schema) is paid once per batch, not
  once per product, and falls per product as batches grow.
- The store's context (name, margin, mode, risk tolerance) is written into the agents' own role,
  goal and backstory. Nothing goes through ``os.environ``: stores are advised concurrently.
- The analyst answers through ``output_pydantic`` (``AnalystReport``). Its answer is read by a
  local, lenient converter: no extra model call to "repair" JSON, a broken answer costs its batch
  and nothing else.
- A token budget per run: batches that would not fit the estimate are not sent, and the crew is
  stopped after the task that crosses the budget. The reason is recorded in ``CrewRunReport``.
- Every proposal is returned as an ``AdvisorProposal`` with its raw target: the core validates and
  guards it like any other target. Only proposals that cannot be attributed to a product of the
  batch are dropped here, with a logged reason. No failure of the crew escapes ``propose``.

crewai is imported inside the functions that need it, never when this module is imported.
"""

from __future__ import annotations

import json
import logging
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

import attrs
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from adapters.competitors.search import TavilySearch
from pricing_core.catalog import AdvisorProposal, CompetitorOffer, Product
from pricing_core.engine import PRICEABLE_STATUSES
from pricing_core.guards import margin_floor, price_bounds
from pricing_core.money import quantize
from pricing_core.ports import StoreContext

log = logging.getLogger(__name__)

# Prompt tokens crewai adds around a task description (system prompt, format rules, and for the
# analyst the JSON schema of AnalystReport): 137 and 631, measured with the fake LLM on crewai
# 1.15. Used only to *plan* how many batches fit the budget (with the per-product allowances the
# plan came within -1%..+27% of the real usage for batches of 1..100); the real usage is checked
# after every batch while the crew runs.
SCOUT_TEMPLATE_TOKENS = 140
ANALYST_TEMPLATE_TOKENS = 640
COMPLETION_TOKENS_PER_PRODUCT = 30  # the analyst's JSON line per product (~29 measured)
SCOUT_NOTE_TOKENS_PER_PRODUCT = 15  # the scout's note per product, written once and read by the analyst


# ---------------------------------------------------------------------------------------------
# The analyst's structured answer


class ProposalItem(BaseModel):
    """One proposed price, as the analyst writes it."""

    model_config = ConfigDict(extra="ignore")

    product_id: str = Field(description="The product's id, exactly as given")
    target_price: str | int | float | None = Field(
        default=None, description='The proposed price as a decimal string, e.g. "96.50"'
    )
    rationale: str = Field(default="", description="One short sentence: why this price")

    @field_validator("product_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("rationale", mode="before")
    @classmethod
    def _short_rationale(cls, value: object) -> str:
        return "" if value is None else str(value)[:300]


class AnalystReport(BaseModel):
    """The analyst's answer for one batch: proposals only for products whose price should change."""

    proposals: list[ProposalItem] = Field(default_factory=list)
    _skipped: list[str] = PrivateAttr(default_factory=list)

    @property
    def skipped(self) -> list[str]:
        """Items of the answer that could not be read, with the reason."""
        return self._skipped


def _json_object(text: str) -> Any:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("no JSON object in the answer")
    return json.loads(text[start : end + 1])


def parse_report(text: str) -> AnalystReport | str:
    """Read an analyst answer; returns the report, or a reason why it is unreadable.

    Items that do not validate are left out and listed in ``report.skipped``; one bad item does
    not cost the batch.
    """
    try:
        data = _json_object(text or "")
    except (ValueError, json.JSONDecodeError) as exc:
        snippet = (text or "").strip()
        if not snippet or snippet == EMPTY_ANSWER:
            return "empty answer"
        return f"answer is not JSON ({exc}): {snippet[:120]!r}"
    items = data.get("proposals") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return "answer has no 'proposals' list"
    report = AnalystReport()
    for index, item in enumerate(items):
        try:
            report.proposals.append(ProposalItem.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "item"
            report.skipped.append(f"proposal #{index + 1} unreadable ({where}: {first.get('msg')})")
    return report


@cache
def lenient_converter_cls() -> type[Any]:
    """A crewai ``Converter`` that parses locally with ``parse_report`` and never calls the model.

    crewai's default converter asks the model again (up to three times) when the JSON is broken,
    and raises when that fails, which would end the whole kickoff. Here a broken answer yields a
    ``ConverterError`` value: crewai keeps the raw text, and ``propose`` records why.
    """
    from crewai.utilities.converter import Converter, ConverterError

    class LenientReportConverter(Converter):
        def to_pydantic(self, current_attempt: int = 1) -> Any:
            parsed = parse_report(self.text)
            return parsed if isinstance(parsed, AnalystReport) else ConverterError(parsed)

        def to_json(self, current_attempt: int = 1) -> Any:
            parsed = parse_report(self.text)
            return parsed.model_dump_json() if isinstance(parsed, AnalystReport) else ConverterError(parsed)

    return LenientReportConverter


EMPTY_ANSWER = "(the model returned an empty answer)"


@cache
def resilient_llm_cls() -> type[Any]:
    """A crewai ``BaseLLM`` that wraps the real model so one bad answer costs one task, not the run.

    crewai ends the whole kickoff when a model call raises or returns an empty answer (after
    retrying the same prompt, which costs tokens again). Wrapped, such a call becomes a final
    answer that says what happened: the task finishes, its batch is dropped with that reason, and
    the next batch still runs. Everything else (stop words, function calling, token usage, context
    window) is the wrapped model's own.
    """
    from crewai.llms.base_llm import BaseLLM, call_stop_override

    class ResilientLLM(BaseLLM):
        inner: Any
        failures: list[str] = Field(default_factory=list)

        def call(
            self,
            messages: Any,
            tools: Any = None,
            callbacks: Any = None,
            available_functions: Any = None,
            from_task: Any = None,
            from_agent: Any = None,
            response_model: Any = None,
        ) -> Any:
            try:
                # crewai sets per-call stop words on the object it holds (this wrapper); pass them on.
                with call_stop_override(self.inner, list(self.stop_sequences) or None):
                    answer = self.inner.call(messages, tools=tools, callbacks=callbacks,
                                             available_functions=available_functions, from_task=from_task,
                                             from_agent=from_agent, response_model=response_model)
            except Exception as exc:
                reason = f"model call failed: {type(exc).__name__}: {exc}"
                self.failures.append(reason)
                return f"Final Answer: ({reason})"
            if answer is None or (isinstance(answer, str) and not answer.strip()):
                self.failures.append("empty answer")
                return f"Final Answer: {EMPTY_ANSWER}"
            return answer

        def supports_function_calling(self) -> bool:
            return bool(self.inner.supports_function_calling())

        def supports_stop_words(self) -> bool:
            return bool(self.inner.supports_stop_words())

        def get_context_window_size(self) -> int:
            return int(self.inner.get_context_window_size())

        def get_input_tokens_count(self, messages: Any, tools: Any = None, response_model: Any = None) -> int:
            return int(self.inner.get_input_tokens_count(messages, tools, response_model))

        def get_token_usage_summary(self) -> Any:
            return self.inner.get_token_usage_summary()

    return ResilientLLM


def wrap_llm(llm: Any) -> Any:
    """``llm`` behind ``ResilientLLM``."""
    return resilient_llm_cls()(inner=llm, model=str(getattr(llm, "model", "model") or "model"),
                               stop=list(getattr(llm, "stop", []) or []))


# ---------------------------------------------------------------------------------------------
# Prompts


def _money(value: Decimal | None) -> str:
    return "?" if value is None else f"{quantize(value)}"


def _competitor_offers(offers: Sequence[CompetitorOffer], limit: int) -> list[CompetitorOffer]:
    others = [o for o in offers if not o.is_own_store]
    return sorted(others, key=lambda o: (not o.in_stock, o.price))[:limit]


def analyst_line(product: Product, offers: Sequence[CompetitorOffer], context: StoreContext, limit: int) -> str:
    """One product for the analyst: price, cost, margin floor, allowed range, competitors."""
    settings = context.settings
    floor = None
    if product.cost_price is not None:
        floor = margin_floor(product.cost_price, settings.margin_fraction, settings.vat_fraction,
                             product.prices_include_vat)
    bounds = price_bounds(quantize(product.price), floor, settings)
    shown = _competitor_offers(offers, limit)
    in_stock = [o.price for o in shown if o.in_stock]
    parts = [f"- id={product.id} price={_money(product.price)} cost={_money(product.cost_price)}",
             f"floor={_money(floor)} range={bounds.low}..{bounds.high}"]
    if in_stock:
        parts.append(f"lowest={_money(min(in_stock))}")
    if shown:
        parts.append("offers=" + ",".join(
            f"{o.competitor}:{_money(o.price)}{'' if o.in_stock else '(out)'}" for o in shown))
    return " ".join(parts)


def scout_line(product: Product, offers: Sequence[CompetitorOffer]) -> str:
    """One product for the scout: how to find it, and how much is already known."""
    ids = " ".join(f"{k}={v}" for k, v in (("sku", product.sku), ("gtin", product.gtin)) if v)
    known = len([o for o in offers if not o.is_own_store])
    return f"- id={product.id} name={json.dumps(product.name, ensure_ascii=False)} {ids} known_offers={known}".rstrip()


def _context_words(context: StoreContext) -> dict[str, str]:
    s = context.settings
    return {
        "store": context.store_name,
        "store_id": context.store_id,
        "margin": f"{s.min_profit_margin}",
        "max_change": f"{s.max_change_pct}",
        "mode": s.automation_mode.value,
        "risk": s.risk_tolerance.value,
        "own": ", ".join(s.own_store_names) or context.store_name,
    }


# ---------------------------------------------------------------------------------------------
# The run report


@attrs.define
class CrewRunReport:
    """What one ``propose`` call did and cost (read by the sweep's log, the tests and the benchmark).

    ``advisor.reports[store_id]`` keeps the latest call per store: with ``wants_whole_run`` that
    is the store's whole sweep (the last ``advice_cap`` chunk on catalogs larger than the cap).
    """

    store_id: str
    products: int = 0
    batch_size: int = 0
    batches_planned: int = 0
    batches_sent: int = 0
    batches_answered: int = 0
    kickoffs: int = 0
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    token_budget: int = 0
    proposals: int = 0
    products_not_advised: int = 0
    stopped_reason: str | None = None
    error: str | None = None
    dropped: list[str] = attrs.field(factory=list)

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


class _BudgetExhausted(Exception):
    """Raised from the task callback to stop the crew before its next batch."""


def _usage(llm: Any) -> tuple[int, int, int]:
    summary = llm.get_token_usage_summary()
    return summary.prompt_tokens, summary.completion_tokens, summary.successful_requests


# ---------------------------------------------------------------------------------------------
# The advisor


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
        w = _context_words(context)
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
        start_prompt, start_completion, start_calls = _usage(llm)
        report.kickoffs += 1
        report.batches_sent = len(planned)
        try:
            crew.kickoff()
        except _BudgetExhausted as exc:
            report.stopped_reason = f"{report.stopped_reason}; {exc}" if report.stopped_reason else str(exc)
            log.warning("store %s: %s", context.store_id, exc)
        except Exception as exc:  # a model error must not cost the batches already answered
            report.error = f"{type(exc).__name__}: {exc}"
            log.warning("crew for store %s stopped: %s", context.store_id, report.error)
        prompt, completion, calls = _usage(llm)
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

        w = _context_words(context)
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
        baseline = _usage(llm)

        def after_task(output: Any) -> None:
            # Called by crewai after every task, in order. Analyst outputs are kept by batch. The
            # crew stops when the real usage is already over the budget (a scout that searched
            # too long), or when the next batch's estimate no longer fits what is left.
            is_analyst = str(getattr(output, "name", "")).startswith("analyst-")
            if is_analyst:
                outputs[len(outputs)] = output
                report.batches_answered = len(outputs)
            done = len(outputs)
            prompt, completion, _ = _usage(llm)
            used = prompt + completion - baseline[0] - baseline[1]
            if done == len(planned):
                return
            upcoming = 0 if not is_analyst else task_costs[done]
            if used + upcoming > budget:
                remaining = sum(len(b) for b, *_ in planned[done:])
                report.products_not_advised += remaining
                raise _BudgetExhausted(
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


__all__ = [
    "AnalystReport",
    "CrewAIAdvisor",
    "CrewRunReport",
    "ProposalItem",
    "lenient_converter_cls",
    "parse_report",
]
