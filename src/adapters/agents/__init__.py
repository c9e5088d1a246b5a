"""Pricing advisors behind the core's ``PricingAdvisor`` port.

- ``RuleBasedAdvisor`` (default, no LLM): proposes nothing, the configured strategy decides;
- ``CrewAIAdvisor`` (the ``agents`` extra): a scout + analyst crew per store per sweep.

``build_advisor(config)`` chooses between them. Importing this package does not import crewai:
that happens only when a crew is built (or ``fake_llm`` is imported by tests and benchmarks).
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from typing import TYPE_CHECKING, Any

from adapters.agents.crew import CrewAIAdvisor, CrewRunReport
from adapters.agents.rule_based import RuleBasedAdvisor
from adapters.config import Config
from adapters.llm_keys import provider_key_names

if TYPE_CHECKING:
    from pricing_core.ports import PricingAdvisor

log = logging.getLogger(__name__)

_announced = threading.Event()


def _fallback(reason: str, *, level: int = logging.WARNING) -> RuleBasedAdvisor:
    # Said once per process: every sweep builds an advisor, the log needs the reason only once.
    if not _announced.is_set():
        _announced.set()
        log.log(level, "using the rule-based advisor because %s", reason)
    return RuleBasedAdvisor()


def build_advisor(
    config: Config,
    *,
    token_budget: int = 200_000,
    batch_size: int = 25,
) -> PricingAdvisor:
    """``CrewAIAdvisor`` when ``LLM_MODEL``, its provider's key and crewai are all there; else the
    rule-based advisor, with the reason logged once.

    The key is ``Config.llm_api_key`` (``LLM_API_KEY``, or the provider's own variable such as
    ``OPENAI_API_KEY``), handed to the LLM client explicitly; nothing store-specific is read from
    or written to the environment.
    """
    model = config.llm_model
    if not model:
        # The default, not a mistake: said at INFO so every CLI command does not start with a warning.
        return _fallback("LLM_MODEL is not set", level=logging.INFO)
    keys = provider_key_names(model)
    if keys and not config.llm_api_key:
        return _fallback(f"LLM_MODEL={model} needs LLM_API_KEY or {' or '.join(keys)}, which is not set")
    if importlib.util.find_spec("crewai") is None:
        return _fallback("crewai is not installed (pip install 'salla-price-optimizer[agents]')")

    search = None
    if config.tavily_api_key:
        from adapters.competitors.search import TavilySearch

        search = TavilySearch(config.tavily_api_key)

    api_key = config.llm_api_key

    def make_llm() -> Any:
        from crewai import LLM

        return LLM(model=model, temperature=0, api_key=api_key)

    return CrewAIAdvisor(make_llm, model_label=model, token_budget=token_budget, batch_size=batch_size,
                         search=search)


__all__ = ["CrewAIAdvisor", "CrewRunReport", "RuleBasedAdvisor", "build_advisor"]
