"""The fake Salla's ASGI app: accounts, Merchant API and control routes on one origin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from adapters.fake_salla import http_admin, http_control, http_oauth

if TYPE_CHECKING:
    from adapters.fake_salla.fake import FakeSalla

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class MarkChanges:
    """ASGI middleware: after every non-GET request, tell the fake its state may have changed.

    Token exchanges and refreshes, price updates and installs all arrive as POST/PUT; marking
    them here (a flag, cheap) instead of in each handler keeps a new route from being forgotten.
    The mark comes after the response so a save never runs before the handler's change.
    GETs that change state (an authorize with ``login_hint``, lazily applied bulk updates)
    mark themselves.
    """

    def __init__(self, app: ASGIApp, fake: FakeSalla) -> None:
        self.app = app
        self.fake = fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http" and scope.get("method", "GET") not in SAFE_METHODS:
                self.fake.mark_changed()


def build_app(fake: FakeSalla) -> Starlette:
    """A Starlette app serving ``fake``: ``/oauth2/...``, ``/admin/v2/...`` and ``/_fake/...``."""

    async def index(request: Request) -> Response:
        origin = f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}".rstrip("/")
        return JSONResponse({
            "service": "fake Salla",
            "accounts_url": origin,
            "api_url": f"{origin}/admin/v2",
            "stores": [
                {"merchant_id": s.merchant_id, "name": s.name, "plan": s.plan, "products": s.products}
                for s in fake.sandbox_stores()
            ],
        })

    routes = [
        Route("/", index, methods=["GET"]),
        *http_oauth.routes(fake),
        *http_control.routes(fake),
        *http_admin.routes(fake),
    ]
    return Starlette(routes=routes, middleware=[Middleware(MarkChanges, fake=fake)])
