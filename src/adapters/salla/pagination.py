"""Following Salla's catalog pages: ``pagination`` (page numbers, ``links.next``) or ``cursor`` (``next``).

``SallaMerchantClient.iter_product_pages`` reads one page, then asks ``next_step`` where it sits
and which query reads the next one. A next link's *query* is kept, never its host: the request
goes to our own API URL, so a link naming another host cannot receive the store's token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs

from pricing_core.errors import BadResponse


def int_field(value: object, default: int) -> int:
    """An integer from a JSON field of any spelling (``3``, ``"3"``), or ``default``."""
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


@attrs.frozen(kw_only=True)
class PageStep:
    """Where one catalog page sits and which query reads the next one (None: it was the last)."""

    current: int
    total_pages: int
    total_products: int | None
    next_params: dict[str, str | int] | None


def params_key(params: Mapping[str, str | int]) -> tuple[tuple[str, str], ...]:
    """A hashable form of a page query, to notice a link that leads back to a page already read."""
    return tuple(sorted((key, str(value)) for key, value in params.items()))


def link_params(link: object, per_page: int) -> dict[str, str | int] | None:
    """The query of a next-page link, with our ``per_page`` unless it names one; None when there is no link."""
    if not isinstance(link, str) or not link.strip():
        return None
    query = dict(parse_qsl(urlsplit(link.strip()).query, keep_blank_values=True))
    if not query:
        return None
    return {"per_page": per_page, **query}


def next_step(
    body: Mapping[str, Any], params: Mapping[str, str | int], count: int, per_page: int, label: str
) -> PageStep:
    """Read Salla's ``pagination`` (page numbers, ``links.next``) or ``cursor`` (``next``) of one page."""
    page = int_field(params.get("page"), 1)
    pagination = body.get("pagination")
    cursor = body.get("cursor")
    if isinstance(pagination, Mapping):
        current = int_field(pagination.get("currentPage"), page)
        total_pages = max(current, int_field(pagination.get("totalPages"), current))
        total = pagination.get("total")
        links = pagination.get("links")  # {"previous", "next"}, or {} / [] (PHP) when there are none
        next_params = link_params(links.get("next"), per_page) if isinstance(links, Mapping) else None
        if next_params is None and current < total_pages:
            next_params = {"page": current + 1, "per_page": per_page}
        return PageStep(current=current, total_pages=total_pages,
                        total_products=int_field(total, 0) if total is not None else None, next_params=next_params)
    if isinstance(cursor, Mapping):
        current = int_field(cursor.get("current"), page)
        next_params = link_params(cursor.get("next"), per_page)
        return PageStep(current=current, total_pages=current + (1 if next_params else 0), total_products=None,
                        next_params=next_params)
    if count >= int_field(params.get("per_page"), per_page):  # the page size this request asked for
        raise BadResponse(
            f"GET /products {label}: a full page of {count} products without a pagination object or a "
            "cursor; the rest of the catalog cannot be found"
        )
    return PageStep(current=page, total_pages=page, total_products=None, next_params=None)


__all__ = ["PageStep", "int_field", "link_params", "next_step", "params_key"]
