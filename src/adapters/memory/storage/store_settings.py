"""A store's pricing settings, in memory."""

from __future__ import annotations

from adapters.memory.storage.session import MemorySession
from adapters.memory.storage.state import State, require_store
from pricing_core.settings import TenantSettings


class MemorySettings:
    """``SettingsRepository`` in memory: the defaults until a store saves its own."""

    def __init__(self, uow: MemorySession, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def get(self) -> TenantSettings:
        return self._uow.read().settings.get(self._store_id, TenantSettings())

    def save(self, settings: TenantSettings) -> None:
        require_store(self._uow.read(), self._store_id)

        def op(state: State) -> None:
            state.settings[self._store_id] = settings

        self._uow.write(op)


__all__ = ["MemorySettings"]
