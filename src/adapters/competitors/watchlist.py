"""The watchlist: which competitor product pages to read for which of our products.

A CSV file (``COMPETITOR_PAGES_FILE``) with a header and one row per watched page::

    sku,gtin,competitor,url
    DATES-1KG,,noon,https://www.noon.com/saudi-en/sukkari-dates-1kg/N123/p
    ,6281234567890,jarir,https://www.jarir.com/sa-en/oud-oil-50ml.html

A row names the product by SKU or GTIN (either may be empty, not both). Bad rows are skipped
with a logged reason, never fatal: one typo must not stop the other pages being watched.

Optional columns ``price_selector`` and ``stock_selector`` hold the competitor's own selectors
(CSS, or XPath when starting with ``/`` or ``(``), the approach of Price2Spy and Prisync: a
selector given on any row applies to every watched page of that competitor's domain. When a
selector stops matching, the page's offer becomes untrusted and says why (see ``extraction``)::

    sku,gtin,competitor,url,price_selector,stock_selector
    DATES-1KG,,noon,https://www.noon.com/saudi-en/dates/N1/p,[data-qa="div-price-now"],//button[@id="add-to-cart"]
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from urllib.parse import urlparse

from adapters.competitors.extraction import SelectorError, SiteSelectors, compile_selector
from adapters.competitors.pages import Listing, Listings
from adapters.competitors.source import domain_of

log = logging.getLogger(__name__)


class WatchlistError(ValueError):
    """The watchlist file cannot be used at all (missing, or without the needed columns)."""


def load_watchlist(path: str | Path) -> Listings:
    """Read a watchlist CSV into ``Listings`` keyed by SKU and GTIN."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise WatchlistError(f"cannot read the competitor watchlist {file}: {exc.strerror or exc}") from exc
    reader = csv.DictReader(text.splitlines())
    columns = {c.strip().casefold() for c in (reader.fieldnames or [])}
    missing = {"competitor", "url"} - columns
    if missing or not ({"sku", "gtin"} & columns):
        raise WatchlistError(f"{file}: needs the columns competitor, url and sku or gtin (has {sorted(columns)})")
    rows: list[tuple[int, dict[str, str]]] = []
    selectors: dict[str, SiteSelectors] = {}
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().casefold(): (v or "").strip() for k, v in raw.items()}
        reason = _problem(row)
        if reason:
            log.warning("%s line %d skipped: %s", file, line, reason)
            continue
        rows.append((line, row))
        own = SiteSelectors(price=row.get("price_selector") or None, stock=row.get("stock_selector") or None)
        domain = domain_of(row["url"]) or ""
        if own != SiteSelectors():
            known = selectors.setdefault(domain, own)
            if known != own:
                log.warning("%s line %d: other selectors for %s than an earlier row; the earlier ones are used",
                            file, line, domain)
    listings = Listings()
    for _line, row in rows:
        own_selectors = selectors.get(domain_of(row["url"]) or "")
        listing = Listing(competitor=row["competitor"], url=row["url"], selectors=own_selectors)
        if row.get("sku"):
            listings.add(f"sku:{row['sku']}", listing)
        if row.get("gtin"):
            listings.add(f"gtin:{row['gtin']}", listing)
    return listings


def _problem(row: dict[str, str]) -> str | None:
    if not row.get("sku") and not row.get("gtin"):
        return "neither sku nor gtin"
    if not row.get("competitor"):
        return "no competitor"
    url = urlparse(row.get("url", ""))
    if url.scheme not in ("http", "https") or not url.netloc:
        return f"not an http(s) URL: {row.get('url')!r}"
    for column in ("price_selector", "stock_selector"):
        if row.get(column):
            try:
                compile_selector(row[column])
            except SelectorError as exc:
                return f"{column}: {exc}"
    return None


__all__ = ["WatchlistError", "load_watchlist"]
