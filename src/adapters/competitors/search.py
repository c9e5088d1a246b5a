"""Tavily web search over httpx: how the scout agent finds competitor listings for a product.

The API key comes from configuration (``TAVILY_API_KEY``) and is passed in explicitly; nothing
here reads the environment. Errors become ``SearchError`` with a reason the agent can read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import httpx

TAVILY_URL = "https://api.tavily.com"


class SearchError(RuntimeError):
    """The search could not be done (bad key, rate limit, timeout, unreadable answer)."""


@attrs.frozen
class SearchHit:
    """One search result: a page that may be a competitor listing."""

    title: str
    url: str
    content: str = ""
    score: float = 0.0


class TavilySearch:
    """A small client for Tavily's ``POST /search``."""

    def __init__(
        self,
        api_key: str,
        *,
        client: httpx.Client | None = None,
        base_url: str = TAVILY_URL,
        timeout: float = 15.0,
    ) -> None:
        if not api_key:
            raise ValueError("a Tavily API key is required")
        self._api_key = api_key
        self.client = client or httpx.Client()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.requests = 0

    def search(
        self,
        query: str,
        *,
        max_results: int = 5,
        include_domains: Sequence[str] = (),
        country: str | None = "saudi arabia",
    ) -> list[SearchHit]:
        """Up to ``max_results`` hits for ``query``, best first."""
        payload: dict[str, Any] = {"query": query, "max_results": max_results, "search_depth": "basic",
                                   "topic": "general"}
        if include_domains:
            payload["include_domains"] = list(include_domains)
        if country:
            payload["country"] = country
        self.requests += 1
        try:
            response = self.client.post(
                f"{self.base_url}/search",
                json=payload,
                headers={"Authorization": f"Bearer {self._api_key}"},
                timeout=self.timeout,
            )
        except httpx.TimeoutException as exc:
            raise SearchError("Tavily search timed out") from exc
        except httpx.HTTPError as exc:
            raise SearchError(f"Tavily search failed: {exc}") from exc
        if response.status_code in (401, 403):
            raise SearchError("Tavily rejected the API key")
        if response.status_code == 429:
            raise SearchError("Tavily rate limit reached; retry later")
        if response.status_code >= 400:
            raise SearchError(f"Tavily answered HTTP {response.status_code}")
        try:
            results = response.json().get("results", [])
        except ValueError as exc:
            raise SearchError("Tavily answer is not JSON") from exc
        hits: list[SearchHit] = []
        for item in results if isinstance(results, list) else []:
            if isinstance(item, dict) and item.get("url"):
                hits.append(SearchHit(
                    title=str(item.get("title") or ""),
                    url=str(item["url"]),
                    content=str(item.get("content") or "")[:500],
                    score=float(item.get("score") or 0.0),
                ))
        return hits


def format_hits(hits: Sequence[SearchHit]) -> str:
    """Hits as compact text for an LLM: one line each, so a tool answer costs few tokens."""
    if not hits:
        return "No results."
    return "\n".join(f"- {h.title} | {h.url} | {h.content[:160]}" for h in hits)


__all__ = ["TAVILY_URL", "SearchError", "SearchHit", "TavilySearch", "format_hits"]
