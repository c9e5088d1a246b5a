"""The fake accounts service: ``/oauth2/auth``, ``/oauth2/token``, ``/oauth2/user/info``."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from adapters.fake_salla.tokens import GrantError, IssuedTokens

if TYPE_CHECKING:
    from adapters.fake_salla.fake import FakeSalla


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    # Token endpoint errors are bare OAuth JSON, not Salla's {status, success, error} envelope.
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _token_body(fake: FakeSalla, issued: IssuedTokens) -> dict[str, object]:
    body: dict[str, object] = {
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "scope": issued.scope,
        "token_type": "bearer",
    }
    body[fake.token_expiry_field] = issued.expires_in
    return body


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def routes(fake: FakeSalla) -> list[Route]:
    """The accounts-service routes bound to ``fake``."""

    async def authorize(request: Request) -> Response:
        params = request.query_params
        with fake.lock:
            fake.oauth_requests += 1
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if client_id != fake.client_id:
            return HTMLResponse("<h1>invalid_client</h1><p>Unknown client_id.</p>", status_code=400)
        if params.get("response_type") != "code" or not redirect_uri:
            return HTMLResponse("<h1>invalid_request</h1><p>response_type=code and redirect_uri are required.</p>",
                                status_code=400)
        scope = " ".join(params.get("scope", "").replace(",", " ").split())
        hint = params.get("login_hint", "")
        if hint and fake.has_store(hint):
            with fake.lock:
                store = fake.store(hint)
                store.installed = True
                code = fake.tokens.new_code(
                    merchant_id=store.merchant_id,
                    client_id=client_id,
                    redirect_uri=redirect_uri,
                    scope=scope,
                    now=fake.now(),
                )
            fake.mark_changed()  # a GET that installs the store: the app only saves after non-GET requests
            query = {"code": code, "scope": scope}
            if "state" in params:
                query["state"] = params["state"].replace("-", "")  # Salla strips hyphens from state
            separator = "&" if "?" in redirect_uri else "?"
            return RedirectResponse(f"{redirect_uri}{separator}{urlencode(query)}", status_code=302)
        items = []
        # root_path keeps the links right when the fake is mounted under a prefix (the web app's sandbox).
        root = request.scope.get("root_path", "").rstrip("/")
        for store_info in fake.sandbox_stores():
            link = f"{root}/oauth2/auth?{urlencode({**dict(params), 'login_hint': str(store_info.merchant_id)})}"
            items.append(
                f'<li><a href="{html.escape(link)}">Install into {html.escape(store_info.name)}</a> '
                f"(merchant {store_info.merchant_id}, plan {html.escape(store_info.plan)}, "
                f"{store_info.products} products)</li>"
            )
        page = (
            "<!doctype html><html lang='ar' dir='rtl'><meta charset='utf-8'>"
            "<title>Salla sandbox — authorize</title><body dir='ltr'>"
            "<h1>Fake Salla sandbox</h1>"
            f"<p>The app <code>{html.escape(client_id)}</code> asks for <code>{html.escape(scope)}</code>. "
            "Pick a sandbox store to approve:</p>"
            f"<ul>{''.join(items)}</ul></body></html>"
        )
        return HTMLResponse(page)

    async def token(request: Request) -> Response:
        form = await request.form()
        with fake.lock:
            fake.oauth_requests += 1
        fields = {key: str(value) for key, value in form.items()}
        if fields.get("client_id") != fake.client_id or fields.get("client_secret") != fake.client_secret:
            return _oauth_error(401, "invalid_client", "Client authentication failed.")
        grant_type = fields.get("grant_type")
        try:
            with fake.lock:
                if grant_type == "authorization_code":
                    issued = fake.tokens.exchange(
                        fields.get("code", ""),
                        client_id=fields["client_id"],
                        redirect_uri=fields.get("redirect_uri", ""),
                        now=fake.now(),
                    )
                elif grant_type == "refresh_token":
                    issued = fake.tokens.rotate(fields.get("refresh_token", ""), fake.now())
                else:
                    return _oauth_error(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")
        except GrantError as exc:
            description = (
                "The provided authorization grant (e.g., authorization code, resource owner credentials) or "
                "refresh token is invalid, expired, revoked, does not match the redirection URI used in the "
                f"authorization request, or was issued to another client. {exc.description}"
            )
            return _oauth_error(fake.invalid_grant_status, exc.error, description)
        return JSONResponse(_token_body(fake, issued), headers={"Cache-Control": "no-store"})

    async def user_info(request: Request) -> Response:
        with fake.lock:
            fake.oauth_requests += 1
            access = _bearer(request)
            chain = fake.tokens.check_access(access, fake.now()) if access else None
            if chain is None:
                return JSONResponse(
                    {"status": 401, "success": False,
                     "error": {"code": "Unauthorized", "message": "The access token is invalid"}},
                    status_code=401,
                )
            store = fake.store(chain.merchant_id)
            exp = int(fake.tokens.access_expiry(access).timestamp()) if access else 0
            data = {
                "id": store.user_id,
                "name": f"مالك {store.username}",
                "email": store.email,
                "mobile": "+966500000000",
                "role": "user",
                "created_at": "2021-03-27 21:51:56",
                "merchant": {
                    "id": store.merchant_id,
                    "username": store.username,
                    "name": store.name,
                    "avatar": "https://i.salla.sa/avatar.png",
                    "store_location": "24.7136,46.6753",
                    "plan": store.plan,
                    "status": "active",
                    "domain": f"https://salla.sa/{store.username}",
                    "tax_number": "300000000000003",
                    "commercial_number": "1010000000",
                    "created_at": "2021-03-27 21:51:56",
                },
                "context": {"app": fake.client_id, "scope": chain.scope, "exp": exp},
            }
        return JSONResponse({"status": 200, "success": True, "data": data})

    return [
        Route("/oauth2/auth", authorize, methods=["GET"]),
        Route("/oauth2/token", token, methods=["POST"]),
        Route("/oauth2/user/info", user_info, methods=["GET"]),
    ]
