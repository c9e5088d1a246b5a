"""A store's OAuth tokens, encrypted at rest (``store_tokens``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from adapters.storage import models
from adapters.storage.bulk import Upsert, insert_rows
from adapters.storage.session import ScopedRepository
from pricing_core.tokens import TokenSet


class SqlTokens(ScopedRepository):
    """``TokenRepository``: both tokens encrypted with the factory's ``SecretBox``."""

    def get(self) -> TokenSet | None:
        t = models.store_tokens
        row = self._uow.conn.execute(select(t).where(t.c.store_id == self._store_id)).mappings().first()
        if row is None:
            return None
        secrets = self._uow.secrets
        refresh = row["refresh_token_encrypted"]
        return TokenSet(
            access_token=secrets.decrypt(row["access_token_encrypted"]),
            refresh_token=None if refresh is None else secrets.decrypt(refresh),
            expires_at=row["expires_at"],
            scope=row["scope"],
            token_type=row["token_type"],
        )

    def save(self, tokens: TokenSet) -> None:
        self._uow.require_store(self._store_id)
        secrets = self._uow.secrets
        row = {
            "store_id": self._store_id,
            "access_token_encrypted": secrets.encrypt(tokens.access_token),
            "refresh_token_encrypted": None if tokens.refresh_token is None else secrets.encrypt(tokens.refresh_token),
            "expires_at": tokens.expires_at,
            "scope": tokens.scope,
            "token_type": tokens.token_type,
            "updated_at": datetime.now(UTC),
        }
        update_cols = tuple(k for k in row if k != "store_id")
        insert_rows(self._uow.conn, models.store_tokens, [row], conflict=Upsert(("store_id",), update_cols))


__all__ = ["SqlTokens"]
