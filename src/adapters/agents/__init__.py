"""Pricing advisors behind the core's ``PricingAdvisor`` port.

- ``RuleBasedAdvisor`` (default, no LLM): proposes nothing, the configured strategy decides;
- ``CrewAIAdvisor`` (the ``agents`` extra): a scout + analyst crew per store per sweep.

``build_advisor(config)`` chooses between them. Importing this package does not import crewai:
that happens only when a crew is built (or ``fake_llm`` is imported by tests and benchmarks).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from adapters.agents.crew import CrewAIAdvisor, CrewRunReport
from adapters.agents.rule_based import RuleBasedAdvisor

if TYPE_CHECKING:
    from adapters.config import Config
    from pricing_core.ports import PricingAdvisor

log = logging.getLogger(__name__)

# The environment variable holding each provider's key, by the provider prefix of LLM_MODEL
# ("openai/gpt-4o-mini", "anthropic/claude-..."). A model without a prefix is an OpenAI model,
# as in crewai and litellm.
PROVIDER_KEYS: dict[str, tuple[str, ...]] = {
    "openai": ("OPENAI_API_KEY",),
    "anthropic": ("ANTHROPIC_API_KEY",),
    "gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "google": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "azure": ("AZURE_API_KEY",),
    "groq": ("GROQ_API_KEY",),
    "mistral": ("MISTRAL_API_KEY",),
    "deepseek": ("DEEPSEEK_API_KEY",),
    "openrouter": ("OPENROUTER_API_KEY",),
    "ollama": (),  # a local server needs no key
}

_announced = threading.Event()


def provider_of(model: str) -> str:
    """The provider prefix of a model name (``"openai"`` when there is none)."""
    return model.split("/", 1)[0].casefold() if "/" in model else "openai"


def _fallback(reason: str) -> RuleBasedAdvisor:
    # Said once per process: every sweep builds an advisor, the log needs the reason only once.
    if not _announced.is_set():
        _announced.set()
        log.warning("using the rule-based advisor because %s", reason)
    return RuleBasedAdvisor()


def build_advisor(
    config: Config,
    *,
    env: Mapping[str, str] | None = None,
    token_budget: int = 200_000,
    batch_size: int = 25,
) -> PricingAdvisor:
    """``CrewAIAdvisor`` when ``LLM_MODEL``, its provider's key and crewai are all there; else the
    rule-based advisor, with the reason logged once.

    ``env`` is where provider keys are looked up (default ``os.environ``): the keys are the
    provider clients' own convention and process-wide by nature; nothing store-specific is read
    from or written to the environment.
    """
    env = os.environ if env is None else env
    model = config.llm_model
    if not model:
        return _fallback("LLM_MODEL is not set")
    provider = provider_of(model)
    keys = PROVIDER_KEYS.get(provider, (f"{provider.upper()}_API_KEY",))
    if keys and not any(env.get(k) for k in keys):
        return _fallback(f"LLM_MODEL={model} needs {' or '.join(keys)}, which is not set")
    if importlib.util.find_spec("crewai") is None:
        return _fallback("crewai is not installed (pip install 'salla-price-optimizer[agents]')")

    search = None
    if config.tavily_api_key:
        from adapters.competitors.search import TavilySearch

        search = TavilySearch(config.tavily_api_key)

    def make_llm() -> Any:
        from crewai import LLM

        return LLM(model=model, temperature=0)

    return CrewAIAdvisor(make_llm, model_label=model, token_budget=token_budget, batch_size=batch_size,
                         search=search)


__all__ = ["PROVIDER_KEYS", "CrewAIAdvisor", "CrewRunReport", "RuleBasedAdvisor", "build_advisor", "provider_of"]
