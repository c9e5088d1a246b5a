"""Tavily search over httpx.MockTransport with a recorded answer."""

import json
from pathlib import Path

import httpx
import pytest

from adapters.competitors.search import SearchError, TavilySearch, format_hits

RECORDED = (Path(__file__).resolve().parents[2] / "fixtures" / "competitors" / "tavily_search.json").read_bytes()


def test_search_sends_the_key_and_reads_the_recorded_results():
    requests = []

    def handler(request):
        requests.append(request)
        return httpx.Response(200, content=RECORDED, headers={"content-type": "application/json"})

    search = TavilySearch("tvly-test", client=httpx.Client(transport=httpx.MockTransport(handler)))
    hits = search.search("Royal Oud perfume 100ml price SAR", max_results=3, include_domains=["noon.com"])
    assert [h.url for h in hits] == [
        "https://www.noon.com/saudi-en/royal-oud-100ml/N123/p",
        "https://www.amazon.sa/-/ar/dp/B0ROYALOUD",
        "https://oud-house.salla.sa/p/royal-oud",
    ]
    assert hits[1].score == pytest.approx(0.87)
    sent = requests[0]
    assert sent.url == "https://api.tavily.com/search"
    assert sent.headers["authorization"] == "Bearer tvly-test"
    body = json.loads(sent.content)
    assert body["query"] == "Royal Oud perfume 100ml price SAR" and body["max_results"] == 3
    assert body["include_domains"] == ["noon.com"]
    text = format_hits(hits)
    assert text.count("\n") == 2 and "١٤٥٫٠٠ ر.س" in text


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(401), "rejected the API key"),
        (httpx.Response(429), "rate limit"),
        (httpx.Response(500), "HTTP 500"),
        (httpx.Response(200, content=b"<html>"), "not JSON"),
    ],
)
def test_search_errors_are_search_errors(response, message):
    search = TavilySearch("k", client=httpx.Client(transport=httpx.MockTransport(lambda r: response)))
    with pytest.raises(SearchError, match=message):
        search.search("x")


def test_a_timeout_is_a_search_error():
    def handler(request):
        raise httpx.ConnectTimeout("slow")

    search = TavilySearch("k", client=httpx.Client(transport=httpx.MockTransport(handler)))
    with pytest.raises(SearchError, match="timed out"):
        search.search("x")
    assert format_hits([]) == "No results."
