"""Storage of a store's own alert settings (its targets, their language, the kinds it wants)."""

from __future__ import annotations

from typing import Protocol

from pricing_core.alert_settings import StoreAlertSettings


class AlertSettingsRepository(Protocol):
    """One store's ``StoreAlertSettings``; the real implementation keeps the targets encrypted at rest."""

    def get(self) -> StoreAlertSettings:
        """The store's alert settings (the defaults, with no target, when never saved)."""
        ...

    def save(self, settings: StoreAlertSettings) -> None:
        """Replace the store's alert settings (the store must exist)."""
        ...


__all__ = ["AlertSettingsRepository"]
