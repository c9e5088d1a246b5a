"""The scout agent's tools, built lazily because they subclass crewai classes."""

from __future__ import annotations

from typing import Any

from adapters.competitors.search import SearchError, TavilySearch, format_hits


def competitor_search_tool(search: TavilySearch, *, max_results: int = 5) -> Any:
    """A crewai tool named ``competitor_search`` over ``search`` (imports crewai when called)."""
    from crewai.tools import BaseTool
    from pydantic import BaseModel, Field

    class SearchInput(BaseModel):
        query: str = Field(description="What to search for, e.g. the product name and 'price SAR'")

    class CompetitorSearchTool(BaseTool):
        name: str = "competitor_search"
        description: str = (
            "Search the web for competitor listings of a product in Saudi Arabia. "
            "Returns one line per result: title | url | snippet."
        )
        args_schema: type[BaseModel] = SearchInput

        def _run(self, query: str) -> str:
            try:
                return format_hits(search.search(query, max_results=max_results))
            except SearchError as exc:
                # The agent reads this and carries on with the offers it has; the sweep never fails here.
                return f"Search unavailable: {exc}"

    return CompetitorSearchTool()


__all__ = ["competitor_search_tool"]
