"""A scripted stand-in for a real model: a crewai ``BaseLLM`` that answers from a script and counts.

It lives in ``src`` (not in the tests) because the benchmarks and the tests drive real crews with
it. It never touches the network. Token counts use crewai's own fallback rule (one token per four
characters, rounded up), so figures are comparable with what crewai estimates for real models.

Importing this module imports crewai: only the agents code paths, tests and benchmarks do that.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
from crewai.llms.base_llm import BaseLLM
from pydantic import PrivateAttr


def count_tokens(text: str) -> int:
    """Approximate tokens in ``text``: one per four characters, rounded up (crewai's fallback rule)."""
    return math.ceil(len(text) / 4)


def _message_text(messages: str | Sequence[Mapping[str, Any]]) -> str:
    if isinstance(messages, str):
        return messages
    parts = []
    for message in messages:
        content = message.get("content", "")
        if isinstance(content, list):  # multimodal content blocks
            content = " ".join(str(block.get("text", "")) for block in content if isinstance(block, Mapping))
        parts.append(str(content))
    return "\n".join(parts)


@attrs.frozen
class LLMCall:
    """One call the fake received: who asked, the whole prompt, and what it answered."""

    agent_role: str
    prompt: str
    answer: str
    prompt_tokens: int
    completion_tokens: int


Answer = str | Callable[[LLMCall], str]
"""A scripted answer: fixed text, or a function of the call (its ``answer`` field is still empty)."""


class FakeLLM(BaseLLM):
    """Answers from ``script`` (by agent-role keyword, in order), else from ``responder``, else ``""``.

    ``script={"scout": [...], "analyst": [...]}`` hands the next scout answer to whichever agent's
    role contains "scout". Every call is recorded in ``calls`` with its prompt and token counts.
    """

    model: str = "fake-llm"
    llm_type: str = "fake"
    _script: dict[str, list[Answer]] = PrivateAttr(default_factory=dict)
    _responder: Callable[[LLMCall], str] | None = PrivateAttr(default=None)
    _calls: list[LLMCall] = PrivateAttr(default_factory=list)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(
        self,
        script: Mapping[str, Sequence[Answer]] | None = None,
        *,
        responder: Callable[[LLMCall], str] | None = None,
        **fields: Any,
    ) -> None:
        fields.setdefault("model", "fake-llm")
        super().__init__(**fields)
        self._script = {key.casefold(): list(answers) for key, answers in (script or {}).items()}
        self._responder = responder

    # -- what crewai calls ---------------------------------------------------------------------

    def call(
        self,
        messages: Any,
        tools: Any = None,
        callbacks: Any = None,
        available_functions: Any = None,
        from_task: Any = None,
        from_agent: Any = None,
        response_model: Any = None,
    ) -> str:
        """Return the next scripted answer for the calling agent and record the call."""
        prompt = _message_text(messages)
        role = str(getattr(from_agent, "role", "") or "")
        pending = LLMCall(role, prompt, "", count_tokens(prompt), 0)
        answer = self._next_answer(pending)
        call = attrs.evolve(pending, answer=answer, completion_tokens=count_tokens(answer))
        with self._lock:
            self._calls.append(call)
        self._track_token_usage_internal({
            "prompt_tokens": call.prompt_tokens,
            "completion_tokens": call.completion_tokens,
            "total_tokens": call.prompt_tokens + call.completion_tokens,
        })
        return answer

    def supports_function_calling(self) -> bool:
        """False: crewai then uses its text (ReAct) protocol, which a script can speak."""
        return False

    def get_input_tokens_count(self, messages: Any, tools: Any = None, response_model: Any = None) -> int:
        """Same rule as the counters (and no warning about approximating, which is the point here)."""
        return count_tokens(_message_text(messages))

    def get_context_window_size(self) -> int:
        """A large window: the fake never needs crewai to summarise the conversation."""
        return 128_000

    # -- what tests and benchmarks read -----------------------------------------------------------

    @property
    def calls(self) -> list[LLMCall]:
        """Every call so far, in order."""
        with self._lock:
            return list(self._calls)

    @property
    def call_count(self) -> int:
        """How many times the model was called."""
        return len(self.calls)

    @property
    def prompt_tokens(self) -> int:
        """Prompt tokens over all calls."""
        return sum(c.prompt_tokens for c in self.calls)

    @property
    def completion_tokens(self) -> int:
        """Completion tokens over all calls."""
        return sum(c.completion_tokens for c in self.calls)

    def _next_answer(self, call: LLMCall) -> str:
        role = call.agent_role.casefold()
        with self._lock:
            for key, answers in self._script.items():
                if key in role and answers:
                    answer = answers.pop(0)
                    break
            else:
                answer = self._responder if self._responder is not None else ""
        return answer(call) if callable(answer) else answer


# -- responders shared by tests and benchmarks ------------------------------------------------------

_PRODUCT_LINE = re.compile(r"^- id=(?P<id>\S+) price=(?P<price>[\d.]+).*?range=(?P<low>[\d.]+)\.\.(?P<high>[\d.]+)"
                           r"(?:.*?lowest=(?P<lowest>[\d.]+))?", re.MULTILINE)


def market_responder(call: LLMCall) -> str:
    """A well-behaved model: the scout reports nothing new; the analyst proposes, for every product
    of its batch, the lowest competitor price pulled into the allowed range, as JSON.

    It reads the batch from the analyst's prompt (the lines ``crew.py`` writes), so its answers
    follow whatever products are sent, which is what the cost benchmark needs.
    """
    if "scout" in call.agent_role.casefold():
        return "Thought: the known offers cover the batch.\nFinal Answer: No further listings found."
    proposals = []
    for match in _PRODUCT_LINE.finditer(call.prompt):
        low, high = float(match["low"]), float(match["high"])
        wanted = float(match["lowest"]) if match["lowest"] else float(match["price"])
        target = min(max(wanted, low), high)
        proposals.append({"product_id": match["id"], "target_price": f"{target:.2f}",
                          "rationale": "lowest competitor price within the allowed range"})
    return "Thought: priced the batch.\nFinal Answer: " + json.dumps({"proposals": proposals})


__all__ = ["Answer", "FakeLLM", "LLMCall", "count_tokens", "market_responder"]
