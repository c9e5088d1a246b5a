"""A store's OAuth tokens, in memory."""

from __future__ import annotations

from adapters.memory.storage.session import MemorySession
from adapters.memory.storage.state import State, require_store
from pricing_core.tokens import TokenSet


class MemoryTokens:
    """``TokenRepository`` in memory: one token set per store."""

    def __init__(self, uow: MemorySession, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def get(self) -> TokenSet | None:
        return self._uow.read().tokens.get(self._store_id)

    def save(self, tokens: TokenSet) -> None:
        require_store(self._uow.read(), self._store_id)

        def op(state: State) -> None:
            state.tokens[self._store_id] = tokens

        self._uow.write(op)


__all__ = ["MemoryTokens"]
