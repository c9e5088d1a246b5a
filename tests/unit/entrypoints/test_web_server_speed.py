"""``serve`` runs uvicorn on its fast event loop and HTTP parser in every install, not only with crewai."""

from __future__ import annotations

import importlib.util
import sys

import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


async def _app(scope: object, receive: object, send: object) -> None:  # pragma: no cover - never called
    return None


def test_uvicorns_auto_http_is_the_httptools_parser() -> None:
    # Without httptools uvicorn falls back to h11, the pure-Python parser: about a fifth more CPU per
    # webhook and a p99 of 350 ms instead of 19 at 1,000 deliveries/s (docs/benchmarks.md, issue 11).
    config = uvicorn.Config(_app, http="auto", loop="auto")
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not built for Windows (the dependency says so too)")
def test_uvloop_is_installed_for_uvicorns_auto_loop() -> None:
    assert importlib.util.find_spec("uvloop") is not None
