"""The fake Salla's ASGI app: accounts, Merchant API and control routes on one origin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.fake_salla import http_admin, http_control, http_oauth

if TYPE_CHECKING:
    from adapters.fake_salla.fake import FakeSalla


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
    return Starlette(routes=routes)
