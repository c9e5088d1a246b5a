"""Following Salla's pagination: ``pagination.links.next``, ``cursor.next``, and no silent truncation."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from adapters.memory.clock import FakeClock
from adapters.salla import SallaMerchantClient
from pricing_core.errors import BadResponse

DOCS = Path(__file__).parents[2] / "contract" / "salla_docs"


def _item(product_id: int) -> dict[str, Any]:
    return {"id": product_id, "price": {"amount": 10, "currency": "SAR"}, "cost_price": "4", "status": "sale"}


def _client(handler: Callable[[httpx.Request], httpx.Response], per_page: int = 3) -> SallaMerchantClient:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return SallaMerchantClient(http, api_url="https://api.test/admin/v2", sleep=lambda s: None, clock=FakeClock(),
                               per_page=per_page)


def _query(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}


class Catalog:
    """A MockTransport handler serving ``pages`` (lists of ids) with a chosen paging style."""

    def __init__(self, pages: list[list[int]], render: Callable[[int, list[int], int], dict[str, Any]]) -> None:
        self.pages = pages
        self.render = render
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        query = _query(request)
        page = int(query.get("page", "1"))
        ids = self.pages[page - 1]
        return httpx.Response(200, json={"status": 200, "success": True, "data": [_item(i) for i in ids],
                                         **self.render(page, ids, len(self.pages))})


def _ids(client: SallaMerchantClient) -> list[str]:
    return [p.id for page in client.iter_product_pages("tok") for p in page.products]


def test_next_links_are_followed_on_our_own_host_with_our_page_size() -> None:
    # Salla's documented link is ``…/products?page=4`` (no per_page, and http://); the query is
    # what counts: the token never goes to the link's host.
    def render(page: int, ids: list[int], total: int) -> dict[str, Any]:
        links = {"next": f"http://elsewhere.example/admin/v2/products?page={page + 1}"} if page < total else {}
        return {"pagination": {"count": len(ids), "total": 7, "perPage": 3, "currentPage": page,
                               "totalPages": total, "links": links}}

    catalog = Catalog([[1, 2, 3], [4, 5, 6], [7]], render)
    assert _ids(_client(catalog)) == ["1", "2", "3", "4", "5", "6", "7"]
    assert len(catalog.seen) == 3  # one request per page, as before
    assert {r.url.host for r in catalog.seen} == {"api.test"}
    assert [_query(r) for r in catalog.seen] == [{"page": str(n), "per_page": "3"} for n in (1, 2, 3)]


@pytest.mark.parametrize("empty_links", [{}, []], ids=["object", "php-list"])
def test_empty_links_end_the_catalog(empty_links: Any) -> None:
    def render(page: int, ids: list[int], total: int) -> dict[str, Any]:
        links = {"next": f"https://api.test/admin/v2/products?page={page + 1}"} if page < total else empty_links
        return {"pagination": {"count": len(ids), "total": 6, "perPage": 3, "currentPage": page,
                               "totalPages": total, "links": links}}

    catalog = Catalog([[1, 2, 3], [4, 5, 6]], render)  # the last page is full: only the links say it is last
    assert _ids(_client(catalog)) == ["1", "2", "3", "4", "5", "6"]
    assert len(catalog.seen) == 2


def test_page_numbers_are_followed_when_links_are_missing() -> None:
    def render(page: int, ids: list[int], total: int) -> dict[str, Any]:
        return {"pagination": {"count": len(ids), "total": 5, "perPage": 3, "currentPage": page,
                               "totalPages": total, "links": []}}

    catalog = Catalog([[1, 2, 3], [4, 5]], render)
    pages = list(_client(catalog).iter_product_pages("tok"))
    assert [(p.page, p.total_pages, p.total_products) for p in pages] == [(1, 2, 5), (2, 2, 5)]


def test_light_format_cursor_is_followed() -> None:
    documented = json.loads((DOCS / "list_products_light.json").read_text(encoding="utf-8"))
    cursor_link = documented["cursor"]["next"]  # …?format=light&cursor=…&page=2

    def handler(request: httpx.Request) -> httpx.Response:
        query = _query(request)
        if "cursor" not in query:
            return httpx.Response(200, json={**documented, "data": [_item(1), _item(2), _item(3)]})
        return httpx.Response(200, json={"status": 200, "success": True, "data": [_item(4)], "filters": {},
                                         "cursor": {"current": 2, "next": None}})

    seen: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    pages = list(_client(recording).iter_product_pages("tok"))
    assert [p.page for p in pages] == [1, 2]
    assert [p.id for page in pages for p in page.products] == ["1", "2", "3", "4"]
    second = _query(seen[1])
    expected = {k: v[0] for k, v in parse_qs(cursor_link.split("?", 1)[1]).items()}
    assert second == {**expected, "per_page": "3"} and second["cursor"] == expected["cursor"]


def test_a_full_page_without_pagination_or_cursor_is_an_error_not_the_whole_catalog() -> None:
    full = Catalog([[1, 2, 3]], lambda page, ids, total: {})
    with pytest.raises(BadResponse, match="full page of 3 products without a pagination object or a cursor"):
        _ids(_client(full))
    short = Catalog([[1, 2]], lambda page, ids, total: {})
    assert _ids(_client(short)) == ["1", "2"]  # a short page is complete on its own


def test_a_next_link_back_to_a_page_already_read_is_an_error() -> None:
    def render(page: int, ids: list[int], total: int) -> dict[str, Any]:
        return {"pagination": {"count": 3, "total": 9, "perPage": 3, "currentPage": page, "totalPages": 3,
                               "links": {"next": "https://api.test/admin/v2/products?page=1&per_page=3"}}}

    catalog = Catalog([[1, 2, 3], [4, 5, 6], [7, 8, 9]], render)
    with pytest.raises(BadResponse, match="already read"):
        _ids(_client(catalog))
    assert len(catalog.seen) == 1


def test_the_full_page_check_uses_the_page_size_the_link_asked_for() -> None:
    """A link naming per_page=2 makes a page of 2 full: without pagination it is an error, not the end."""
    def handler(request: httpx.Request) -> httpx.Response:
        if _query(request).get("page") == "1":
            return httpx.Response(200, json={"status": 200, "success": True, "data": [_item(1), _item(2)],
                                             "pagination": {"currentPage": 1, "totalPages": 2, "links": {
                                                 "next": "https://api.test/admin/v2/products?page=2&per_page=2"}}})
        return httpx.Response(200, json={"status": 200, "success": True, "data": [_item(3), _item(4)]})

    with pytest.raises(BadResponse, match="full page of 2 products"):
        _ids(_client(handler))
