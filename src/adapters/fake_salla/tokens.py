"""The fake accounts service's memory: codes, token chains, rotation and chain revocation.

Salla's tokens come from Ory fosite: auth codes are single-use, refresh tokens rotate, and
presenting a used refresh token revokes every token of its chain (RFC 6819 5.2.2.3). A
chain is everything issued from one authorization.
"""

from __future__ import annotations

import random
import string
from datetime import datetime, timedelta

import attrs

ACCESS_TOKEN_SECONDS = 1_209_599  # Salla's "expires_in": 14 days minus a second
REFRESH_TOKEN_DAYS = 30
CODE_SECONDS = 600


class GrantError(Exception):
    """An OAuth error answer: ``error`` code and description (``invalid_grant``, ...)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


@attrs.define(kw_only=True)
class Chain:
    """Everything issued from one authorization of one store."""

    id: int
    merchant_id: int
    scope: str
    revoked: bool = False


@attrs.define(kw_only=True)
class AccessGrant:
    """An issued access token."""

    chain: Chain
    expires_at: datetime


@attrs.define(kw_only=True)
class RefreshGrant:
    """An issued refresh token; ``used`` once rotated."""

    chain: Chain
    expires_at: datetime
    used: bool = False


@attrs.define(kw_only=True)
class CodeGrant:
    """An authorization code waiting for its exchange."""

    merchant_id: int
    client_id: str
    redirect_uri: str
    scope: str
    expires_at: datetime
    chain: Chain | None = None  # set once exchanged, so a replay can revoke what it produced


@attrs.frozen(kw_only=True)
class IssuedTokens:
    """A fresh access/refresh pair."""

    access_token: str
    refresh_token: str
    expires_in: int
    expires_at: datetime
    scope: str


class TokenAuthority:
    """Issues, rotates, checks and revokes tokens. Callers hold the fake's lock."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._chains: list[Chain] = []
        self._codes: dict[str, CodeGrant] = {}
        self._access: dict[str, AccessGrant] = {}
        self._refresh: dict[str, RefreshGrant] = {}

    def _random(self, prefix: str) -> str:
        alphabet = string.ascii_letters + string.digits
        return prefix + "".join(self._rng.choice(alphabet) for _ in range(43))

    def _issue(self, chain: Chain, now: datetime) -> IssuedTokens:
        access = self._random("ory_at_")
        refresh = self._random("ory_rt_")
        expires_at = now + timedelta(seconds=ACCESS_TOKEN_SECONDS)
        self._access[access] = AccessGrant(chain=chain, expires_at=expires_at)
        self._refresh[refresh] = RefreshGrant(chain=chain, expires_at=now + timedelta(days=REFRESH_TOKEN_DAYS))
        return IssuedTokens(
            access_token=access,
            refresh_token=refresh,
            expires_in=ACCESS_TOKEN_SECONDS,
            expires_at=expires_at,
            scope=chain.scope,
        )

    def new_chain(self, merchant_id: int, scope: str, now: datetime) -> IssuedTokens:
        """Tokens for a new authorization (easy-mode install, or a test granting directly)."""
        chain = Chain(id=len(self._chains) + 1, merchant_id=merchant_id, scope=scope)
        self._chains.append(chain)
        return self._issue(chain, now)

    def new_code(self, *, merchant_id: int, client_id: str, redirect_uri: str, scope: str, now: datetime) -> str:
        """A single-use authorization code."""
        code = self._random("ory_ac_")
        self._codes[code] = CodeGrant(
            merchant_id=merchant_id,
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            expires_at=now + timedelta(seconds=CODE_SECONDS),
        )
        return code

    def exchange(self, code: str, *, client_id: str, redirect_uri: str, now: datetime) -> IssuedTokens:
        """Trade a code for tokens. A replayed code also revokes what its first use produced."""
        grant = self._codes.get(code)
        if grant is None or grant.expires_at <= now:
            raise GrantError("invalid_grant", "The authorization code is invalid or expired.")
        if grant.chain is not None:
            grant.chain.revoked = True
            raise GrantError("invalid_grant", "The authorization code has already been used.")
        if grant.client_id != client_id or grant.redirect_uri != redirect_uri:
            raise GrantError("invalid_grant", "The redirect_uri does not match the authorization request.")
        tokens = self.new_chain(grant.merchant_id, grant.scope, now)
        grant.chain = self._access[tokens.access_token].chain
        return tokens

    def rotate(self, refresh_token: str, now: datetime) -> IssuedTokens:
        """Trade a refresh token for a new pair; reuse revokes the chain."""
        grant = self._refresh.get(refresh_token)
        if grant is None or grant.expires_at <= now:
            raise GrantError("invalid_grant", "The refresh token is invalid or expired.")
        if grant.used:
            grant.chain.revoked = True
            raise GrantError("invalid_grant", "The refresh token was already used.")
        if grant.chain.revoked:
            raise GrantError("invalid_grant", "The refresh token has been revoked.")
        grant.used = True
        return self._issue(grant.chain, now)

    def check_access(self, access_token: str, now: datetime) -> Chain | None:
        """The chain of a live access token, or None (unknown, expired or revoked)."""
        grant = self._access.get(access_token)
        if grant is None or grant.chain.revoked or grant.expires_at <= now:
            return None
        return grant.chain

    def access_expiry(self, access_token: str) -> datetime:
        """When an issued access token expires (``KeyError`` for an unknown token)."""
        return self._access[access_token].expires_at

    def revoke_store(self, merchant_id: int) -> None:
        """Revoke every chain of a store (uninstall)."""
        for chain in self._chains:
            if chain.merchant_id == merchant_id:
                chain.revoked = True
