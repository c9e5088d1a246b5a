"""Competitor intelligence behind the core's ``CompetitorSource`` port.

- ``feeds``: CSV/JSON feeds keyed by SKU or GTIN, from a file or an HTTP URL;
- ``pages`` + ``extraction`` + ``parsing``: competitor product pages fetched politely and read
  from schema.org data, meta tags or the visible price (Arabic digits and currency words included);
- ``search``: Tavily web search, the scout agent's tool; ``discovery``: competitor pages found by
  that search, read like watched pages;
- ``sandbox``: a deterministic market for the embedded demo;
- ``composite``: several sources behind one.

``build_competitor_source(config)`` picks the source for a configuration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.competitors.composite import CompositeCompetitorSource
from adapters.competitors.discovery import SearchListings, SearchPageSource
from adapters.competitors.feeds import FeedSource
from adapters.competitors.pages import PageSource
from adapters.competitors.sandbox import SandboxCompetitorSource
from adapters.competitors.search import TavilySearch
from adapters.competitors.source import EmptyCompetitorSource, OwnStore, OwnStoreLookup, no_own_store
from adapters.competitors.watchlist import WatchlistError, load_watchlist

if TYPE_CHECKING:
    from adapters.config import Config
    from pricing_core.ports import CompetitorSource


def build_competitor_source(config: Config, *, own_store: OwnStoreLookup = no_own_store) -> CompetitorSource:
    """The competitor source for ``config``.

    - the embedded sandbox (no Salla credentials): the deterministic sandbox market;
    - otherwise ``COMPETITOR_FEED_URL`` when set: that feed (a path or an http(s) URL), and
      ``COMPETITOR_PAGES_FILE`` when set: the competitor product pages its watchlist names
      (both may be set; their offers are merged), and with ``TAVILY_API_KEY`` and
      ``COMPETITOR_SEARCH_DOMAINS``: pages on those domains found by search (``discovery``);
    - otherwise no source: prices are held (or follow the strategy's fallback).

    Every choice is wrapped in a ``CompositeCompetitorSource`` so one failing source never raises
    into the sweep, and the store's own listings are marked through ``own_store``.
    """
    sources: list[CompetitorSource] = []
    if config.uses_sandbox:
        sources.append(SandboxCompetitorSource(seed=config.sandbox_seed))
    else:
        if config.competitor_feed_url:
            sources.append(FeedSource(config.competitor_feed_url))
        if config.competitor_pages_file:
            sources.append(PageSource(load_watchlist(config.competitor_pages_file), own_store=own_store))
        if config.tavily_api_key and config.competitor_search_domains:
            domains = [d.strip() for d in config.competitor_search_domains.split(",") if d.strip()]
            listings = SearchListings(TavilySearch(config.tavily_api_key), domains)
            sources.append(SearchPageSource(listings, per_call=config.competitor_search_per_sweep, own_store=own_store))
    return CompositeCompetitorSource(sources or [EmptyCompetitorSource()], own_store=own_store)


__all__ = [
    "CompositeCompetitorSource",
    "EmptyCompetitorSource",
    "FeedSource",
    "OwnStore",
    "PageSource",
    "SandboxCompetitorSource",
    "SearchListings",
    "SearchPageSource",
    "WatchlistError",
    "build_competitor_source",
    "load_watchlist",
]
