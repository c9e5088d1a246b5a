"""Which environment variable holds the API key of an LLM model's provider.

``Config.from_env`` (the one reader of the environment) reads the key through these names and
hands it to the LLM client explicitly (``Config.llm_api_key``); the advisor names them when none is set.
"""

from __future__ import annotations

# The environment variable holding each LLM provider's key, by the provider prefix of LLM_MODEL
# ("openai/gpt-4o-mini", "anthropic/claude-..."). A model without a prefix is an OpenAI model,
# as in crewai and litellm. These are the providers' own conventions; the key read is handed to
# the LLM client explicitly (``Config.llm_api_key``).
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


def provider_of(model: str) -> str:
    """The provider prefix of a model name (``"openai"`` when there is none)."""
    return model.split("/", 1)[0].casefold() if "/" in model else "openai"


def provider_key_names(model: str) -> tuple[str, ...]:
    """The environment variables that may hold the key of ``model``'s provider."""
    provider = provider_of(model)
    return PROVIDER_KEYS.get(provider, (f"{provider.upper()}_API_KEY",))


__all__ = ["PROVIDER_KEYS", "provider_key_names", "provider_of"]
