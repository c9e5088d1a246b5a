"""``StorageSession``: what a SQL repository needs from its unit of work.

The repositories (``cross_store`` and one module per store-scoped repository, gathered in
``scoped``) are written against this small protocol, and the unit of work
(``unit_of_work.SqlUnitOfWork``) builds them: the arrow points one way only.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Connection

from adapters.storage.crypto import SecretBox


class StorageSession(Protocol):
    """An open unit of work, as its repositories see it."""

    secrets: SecretBox
    bound_store: str | None

    @property
    def conn(self) -> Connection:
        """The transaction's connection (taken from the pool on first use)."""
        ...

    @property
    def dialect(self) -> str:
        """``"postgresql"`` or ``"sqlite"``."""
        ...

    def require_store(self, store_id: str) -> None:
        """Raise ``StoreNotFound`` unless the store exists (checked once per transaction)."""
        ...


class ScopedRepository:
    """Base of the store-scoped repositories: built for one store id, which every statement filters by."""

    def __init__(self, uow: StorageSession, store_id: str) -> None:
        self._uow = uow
        self._store_id = store_id


__all__ = ["ScopedRepository", "StorageSession"]
