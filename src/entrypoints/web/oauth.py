"""Custom-mode OAuth install: send the merchant to Salla, take the code back, onboard the store.

``/oauth/authorize`` binds a fresh ``state`` to the signed session. ``/oauth/callback`` exchanges
the single-use code, reads the merchant from ``/oauth2/user/info`` with the new tokens and
onboards the store. What it does next depends on the ``state`` (compared without hyphens:
Salla strips them when echoing it):

- our own state, bound to this browser's session: the merchant started here, so the callback
  starts the merchant session and opens the dashboard;
- any other state (or none): an install started in Salla's App Store, which redirects straight
  to the callback with Salla's own state, or a callback someone else made this browser open.
  The store is onboarded all the same (the tokens came from our code exchange and user info
  names their store, so storing them under that store is safe), but no session is started:
  the page says the app is installed and offers "Open the dashboard", our own authorize round
  trip (Salla returns at once for an installed app), whose state then is ours.

That split keeps login CSRF closed: an attacker who makes a victim's browser finish a callback
with the attacker's code only installs the attacker's own store, and the victim's browser is
never signed in to it (see docs/salla-integration.md). Any failure is a 400 page and stores nothing.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from entrypoints.web.pages import render, render_error
from entrypoints.web.security import SESSION_OAUTH_STATE, same_secret, start_merchant_session
from entrypoints.web.state import SANDBOX_PREFIX, WebState, web_state
from pricing_core.errors import SallaError, TokenRevoked
from pricing_core.ports import DEFAULT_SCOPE
from pricing_core.usecases.onboard import onboard_store

# ``webhooks.read_write`` lets the app subscribe the store to ``product.price.updated``.
SCOPE = DEFAULT_SCOPE


def strip_hyphens(value: str) -> str:
    """Salla's echo of ``state``: the same string without hyphens."""
    return value.replace("-", "")


def authorize(request: Request) -> Response:
    """Redirect to Salla's authorize page with a fresh state bound to this session."""
    web = web_state(request)
    # A UUID, hyphens included, like Salla's own kits: the callback must cope with their removal.
    state = str(uuid.uuid4())
    request.session[SESSION_OAUTH_STATE] = state
    url = web.services.salla_auth.authorize_url(state=state, redirect_uri=web.callback_url, scope=SCOPE)
    return RedirectResponse(browser_url(web, url), status_code=302)


def browser_url(web: WebState, url: str) -> str:
    """Where the browser goes: in the embedded default the sandbox answers at ``PUBLIC_URL/sandbox``.

    The server-side clients reach the sandbox in process under an internal host name the browser
    cannot resolve; the same sandbox is mounted in this server, so keep path and query.
    """
    if not web.sandbox:
        return url
    parts = urlsplit(url)
    return f"{web.config.public_url.rstrip('/')}{SANDBOX_PREFIX}{parts.path}?{parts.query}"


def sandbox_authorize(request: Request) -> Response:
    """The sandbox's store picker links to ``/oauth2/auth`` at the server root; send them to the mount."""
    if not web_state(request).sandbox:
        return render_error(request, 404, "Not found", "There is no such page.")
    return RedirectResponse(f"{SANDBOX_PREFIX}/oauth2/auth?{request.url.query}", status_code=307)


def callback(request: Request) -> Response:
    """Finish the install: code exchange, user info, onboarding; a merchant session only for our own state."""
    web = web_state(request)
    params = request.query_params
    expected = request.session.pop(SESSION_OAUTH_STATE, None)  # single use, whatever happens next
    if params.get("error"):
        return render_error(
            request, 400, "Salla did not authorize the app",
            f"{params.get('error')}: {params.get('error_description', '')}".strip(": "),
        )
    state, code = params.get("state"), params.get("code")
    if not code:
        return render_error(request, 400, "Missing code", "Salla's answer carried no authorization code.")
    ours = isinstance(expected, str) and bool(state) and same_secret(strip_hyphens(state or ""),
                                                                      strip_hyphens(expected))
    s = web.services
    try:
        tokens = s.salla_auth.exchange_code(code, redirect_uri=web.callback_url)
        merchant = s.salla_auth.user_info(tokens.access_token)
    except TokenRevoked:
        return render_error(request, 400, "Authorization code rejected",
                            "Salla refused the code (already used or expired). Start the install again.")
    except SallaError as exc:
        return render_error(request, 400, "Salla error", f"Salla could not complete the install: {exc}")
    source = "oauth" if ours else "app_store"
    result = onboard_store(s.uow_factory, web.queue, s.clock, tokens=tokens, merchant=merchant, source=source)
    if not ours:
        # Not started from this browser session: installed, but nobody is signed in by it.
        return render(request, "installed.html",
                      {"store_id": result.store.store_id, "store_name": result.store.store_name})
    start_merchant_session(request, result.store.store_id)
    return RedirectResponse(f"/dashboard/stores/{result.store.store_id}", status_code=303)


routes = [
    Route("/oauth/authorize", authorize, methods=["GET"]),
    Route("/oauth/callback", callback, methods=["GET"]),
    Route("/oauth2/auth", sandbox_authorize, methods=["GET"]),
]

__all__ = ["routes", "strip_hyphens"]
