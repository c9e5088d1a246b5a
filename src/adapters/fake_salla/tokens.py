"""The fake accounts service's memory: codes, token chains, rotation and chain revocation.

Salla's tokens come from Ory fosite: auth codes are single-use, refresh tokens rotate, and
presenting a used refresh token revokes every token of its chain (RFC 6819 5.2.2.3). A
chain is everything issued from one authorization.
"""

from __future__ import annotations

import random
import string
from datetime import datetime, timedelta
from typing import Any

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

    # ------------------------------------------------------------------------------------
    # Persistence (see ``FakeSalla.snapshot``)

    def snapshot(self) -> dict[str, Any]:
        """Every chain, code and token as JSON-ready data; chains are referenced by id.

        The random generator's state is kept too: it is seeded identically on every start, so
        without it a restarted fake would issue the very token strings it issued before and
        overwrite live grants with new ones.
        """
        return {
            "chains": [
                {"id": c.id, "merchant_id": c.merchant_id, "scope": c.scope, "revoked": c.revoked}
                for c in self._chains
            ],
            "codes": {
                code: {
                    "merchant_id": g.merchant_id,
                    "client_id": g.client_id,
                    "redirect_uri": g.redirect_uri,
                    "scope": g.scope,
                    "expires_at": g.expires_at.isoformat(),
                    "chain": g.chain.id if g.chain is not None else None,
                }
                for code, g in self._codes.items()
            },
            "access": {
                token: {"chain": g.chain.id, "expires_at": g.expires_at.isoformat()}
                for token, g in self._access.items()
            },
            "refresh": {
                token: {"chain": g.chain.id, "expires_at": g.expires_at.isoformat(), "used": g.used}
                for token, g in self._refresh.items()
            },
            "random": rng_state_json(self._rng),
        }

    def restore(self, data: dict[str, Any]) -> None:
        """Replace every chain, code and token with ``data`` from :meth:`snapshot`.

        Everything is parsed before anything is replaced: malformed data raises ``ValueError``
        (or ``KeyError``/``TypeError``) and leaves the authority as it was.
        """
        chains: dict[int, Chain] = {}
        for raw in data["chains"]:
            chain = Chain(id=int(raw["id"]), merchant_id=int(raw["merchant_id"]), scope=str(raw["scope"]),
                          revoked=_bool(raw["revoked"]))
            chains[chain.id] = chain
        # Chain ids are positions in the list (``new_chain`` numbers them len + 1): keep it so.
        if sorted(chains) != list(range(1, len(chains) + 1)):
            raise ValueError("token chains must be numbered 1..n")

        def chain_of(chain_id: object) -> Chain:
            try:
                return chains[int(chain_id)]  # type: ignore[call-overload]
            except KeyError:
                raise ValueError(f"a token refers to unknown chain {chain_id!r}") from None

        codes = {
            str(code): CodeGrant(
                merchant_id=int(raw["merchant_id"]),
                client_id=str(raw["client_id"]),
                redirect_uri=str(raw["redirect_uri"]),
                scope=str(raw["scope"]),
                expires_at=_when(raw["expires_at"]),
                chain=chain_of(raw["chain"]) if raw["chain"] is not None else None,
            )
            for code, raw in data["codes"].items()
        }
        access = {
            str(token): AccessGrant(chain=chain_of(raw["chain"]), expires_at=_when(raw["expires_at"]))
            for token, raw in data["access"].items()
        }
        refresh = {
            str(token): RefreshGrant(chain=chain_of(raw["chain"]), expires_at=_when(raw["expires_at"]),
                                     used=_bool(raw["used"]))
            for token, raw in data["refresh"].items()
        }
        rng_state = rng_state_from_json(data["random"])
        self._chains = [chains[i] for i in sorted(chains)]
        self._codes, self._access, self._refresh = codes, access, refresh
        self._rng.setstate(rng_state)


def rng_state_json(rng: random.Random) -> list[Any]:
    """``random.Random.getstate()`` as JSON-ready lists."""
    version, internal, gauss_next = rng.getstate()
    return [version, list(internal), gauss_next]


def rng_state_from_json(data: object) -> tuple[Any, ...]:
    """The inverse of :func:`rng_state_json`, checked by a throwaway generator (``ValueError`` if unusable)."""
    if not isinstance(data, list) or len(data) != 3 or not isinstance(data[1], list):
        raise ValueError("malformed random generator state")
    state = (data[0], tuple(int(x) for x in data[1]), data[2])
    try:
        random.Random().setstate(state)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"malformed random generator state: {exc}") from None
    return state


def _when(value: object) -> datetime:
    """An aware datetime from ISO text (naive ones are refused: expiry compares with aware clocks)."""
    when = datetime.fromisoformat(str(value))
    if when.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {value!r}")
    return when


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value
