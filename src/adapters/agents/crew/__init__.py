"""The CrewAI advisor: a two-agent crew (scout, then analyst) that proposes prices for one store.

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

crewai is imported inside the functions that need it, never when this package is imported.

Modules: ``advisor`` (``CrewAIAdvisor``), ``prompts`` (what the agents are told, token allowances),
``schema`` (the analyst's answer and its lenient reading), ``shims`` (the model wrapper), ``report``
(``CrewRunReport``).
"""

from adapters.agents.crew.advisor import CrewAIAdvisor
from adapters.agents.crew.report import CrewRunReport
from adapters.agents.crew.schema import AnalystReport, ProposalItem, lenient_converter_cls, parse_report

__all__ = [
    "AnalystReport",
    "CrewAIAdvisor",
    "CrewRunReport",
    "ProposalItem",
    "lenient_converter_cls",
    "parse_report",
]
