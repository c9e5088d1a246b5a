"""A store's own alert settings, in memory."""

from __future__ import annotations

from adapters.memory.storage.session import MemorySession
from adapters.memory.storage.state import State, require_store
from pricing_core.alert_settings import StoreAlertSettings


class MemoryAlertSettings:
    """``AlertSettingsRepository`` in memory (kept in the clear: nothing here outlives the process)."""

    def __init__(self, uow: MemorySession, store_id: str) -> None:
        self._uow, self._store_id = uow, store_id

    def get(self) -> StoreAlertSettings:
        return self._uow.read().alerts.get(self._store_id) or StoreAlertSettings()

    def save(self, settings: StoreAlertSettings) -> None:
        require_store(self._uow.read(), self._store_id)

        def op(state: State) -> None:
            state.alerts[self._store_id] = settings

        self._uow.write(op)


__all__ = ["MemoryAlertSettings"]
