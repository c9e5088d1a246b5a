"""``SallaOAuthClient``: the ``SallaAuth`` port over Salla's accounts service.

Token requests are form-encoded with the client credentials in the body (Salla does not take
Basic auth). ``invalid_grant`` (HTTP 400 from fosite, 401 per Salla's docs) is terminal:
``TokenRevoked``. Token requests are never retried: a refresh that timed out may already have
rotated the token, and resending the old refresh token would revoke the whole chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from adapters.clock import SystemClock
from adapters.salla.http import TIMEOUT_ERRORS, TRANSPORT_ERRORS, HttpClient, HttpResponse, error_message
from pricing_core.errors import BadResponse, RateLimited, SallaUnavailable, TokenRevoked
from pricing_core.ports import DEFAULT_SCOPE, Clock, MerchantInfo
from pricing_core.tokens import TokenPayloadError, TokenSet, token_set_from_payload

REQUIRED_SCOPES = ("offline_access", "products.read_write")


def with_required_scopes(scope: str) -> str:
    """``scope`` (space or comma separated) plus the scopes the optimizer cannot work without."""
    parts = scope.replace(",", " ").split()
    for required in REQUIRED_SCOPES:
        if required not in parts:
            parts.append(required)
    return " ".join(parts)


class SallaOAuthClient:
    """Authorize URL, code exchange, refresh and user info against ``accounts_url``."""

    def __init__(
        self,
        http: HttpClient,
        *,
        accounts_url: str,
        client_id: str,
        client_secret: str,
        clock: Clock | None = None,
    ) -> None:
        self._http = http
        self.accounts_url = accounts_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self._clock: Clock = clock or SystemClock()

    def authorize_url(self, *, state: str, redirect_uri: str, scope: str = DEFAULT_SCOPE) -> str:
        """Where to send the merchant; the scope always includes ``offline_access`` and ``products.read_write``."""
        query = urlencode({
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": with_required_scopes(scope),
            "state": state,
        })
        return f"{self.accounts_url}/oauth2/auth?{query}"

    def exchange_code(self, code: str, *, redirect_uri: str) -> TokenSet:
        """Trade a single-use code for tokens (a replayed code is ``TokenRevoked``)."""
        return self._token_request({
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
        })

    def refresh(self, refresh_token: str) -> TokenSet:
        """Rotate the tokens. Callers hold the store's refresh lock and persist both new tokens."""
        return self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def _token_request(self, fields: Mapping[str, str]) -> TokenSet:
        form = {**fields, "client_id": self.client_id, "client_secret": self._client_secret}
        url = f"{self.accounts_url}/oauth2/token"
        try:
            response = self._http.post(url, data=form, headers={"Accept": "application/json"})
        except TIMEOUT_ERRORS as exc:
            raise SallaUnavailable(f"token endpoint timed out ({type(exc).__name__})") from exc
        except TRANSPORT_ERRORS as exc:
            raise SallaUnavailable(f"token endpoint unreachable: {type(exc).__name__}") from exc
        body = _json_or_none(response)
        status = response.status_code
        error = body.get("error") if isinstance(body, Mapping) else None
        if status in (400, 401) and error == "invalid_grant":
            raise TokenRevoked(f"invalid_grant: {error_message(response)}", status=status)
        if status == 429:
            raise RateLimited("token endpoint rate limited", retry_after=_retry_after(response), status=429)
        if status >= 500:
            raise SallaUnavailable(f"token endpoint answered HTTP {status}", status=status)
        if status != 200:
            raise BadResponse(f"token endpoint answered HTTP {status}: {error_message(response)}", status=status)
        return self._token_set(body)

    def _token_set(self, body: object) -> TokenSet:
        if not isinstance(body, Mapping):
            raise BadResponse("token endpoint answered something that is not a JSON object")
        data: Mapping[str, Any] = body
        if isinstance(body.get("data"), Mapping) and "access_token" not in body:
            data = body["data"]  # tolerate an enveloped answer
        try:
            return token_set_from_payload(data, self._clock.now())
        except TokenPayloadError as exc:
            raise BadResponse(f"token answer with {exc}") from exc

    def user_info(self, access_token: str) -> MerchantInfo:
        """``/oauth2/user/info``: the store (``data.merchant``) and the installing user."""
        url = f"{self.accounts_url}/oauth2/user/info"
        try:
            response = self._http.get(
                url, headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
            )
        except TIMEOUT_ERRORS as exc:
            raise SallaUnavailable(f"user info timed out ({type(exc).__name__})") from exc
        except TRANSPORT_ERRORS as exc:
            raise SallaUnavailable(f"user info unreachable: {type(exc).__name__}") from exc
        status = response.status_code
        if status == 401:
            raise TokenRevoked(f"user info: {error_message(response)}", status=401)
        if status == 429:
            raise RateLimited("user info rate limited", retry_after=_retry_after(response), status=429)
        if status >= 500:
            raise SallaUnavailable(f"user info answered HTTP {status}", status=status)
        body = _json_or_none(response)
        if status != 200 or not isinstance(body, Mapping):
            raise BadResponse(f"user info answered HTTP {status}", status=status)
        return parse_user_info(body)


def parse_user_info(body: Mapping[str, Any]) -> MerchantInfo:
    """Read ``/oauth2/user/info`` with or without the ``data`` envelope (and the old ``store`` alias)."""
    enveloped = body.get("data")
    data: Mapping[str, Any] = enveloped if isinstance(enveloped, Mapping) else body
    merchant = data.get("merchant") if isinstance(data.get("merchant"), Mapping) else data.get("store")
    if not isinstance(merchant, Mapping) or merchant.get("id") is None:
        raise BadResponse("user info without a merchant id")
    return MerchantInfo(
        merchant_id=str(merchant["id"]),
        store_name=str(merchant.get("name") or merchant.get("username") or ""),
        plan=str(merchant.get("plan") or "plus"),
        currency=str(merchant.get("currency") or "SAR"),
        domain=str(merchant["domain"]) if merchant.get("domain") else None,
        email=str(data["email"]) if data.get("email") else None,
        user_name=str(data["name"]) if data.get("name") else None,
    )


def _json_or_none(response: HttpResponse) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _retry_after(response: HttpResponse) -> float:
    try:
        return max(0.0, float(response.headers.get("retry-after", "1")))
    except ValueError:
        return 1.0
