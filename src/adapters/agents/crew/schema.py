"""The analyst's structured answer (``AnalystReport``) and its lenient reading: a broken answer costs its batch only."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from adapters.agents.crew.shims import EMPTY_ANSWER


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


__all__ = ["AnalystReport", "ProposalItem", "lenient_converter_cls", "parse_report"]
