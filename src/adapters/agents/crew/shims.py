"""A wrapper around the crew's model so one failed or empty answer costs one task, not the whole kickoff."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import Field

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


__all__ = ["EMPTY_ANSWER", "resilient_llm_cls", "wrap_llm"]
