"""A store's pricing settings (``store_settings``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, select

from adapters.storage import models, rows
from adapters.storage.bulk import Upsert, insert_rows
from adapters.storage.session import ScopedRepository
from pricing_core.settings import TenantSettings

# Built once: read by every webhook and every sweep; building it cost more than running it.
_SETTINGS_OF = select(models.store_settings.c.settings).where(
    models.store_settings.c.store_id == bindparam("store_id"))


class SqlSettings(ScopedRepository):
    """``SettingsRepository``: the settings as JSON (``model_dump(mode="json")``)."""

    def get(self) -> TenantSettings:
        raw = self._uow.conn.execute(_SETTINGS_OF, {"store_id": self._store_id}).scalar()
        return rows.settings_from(self._store_id, raw)

    def save(self, settings: TenantSettings) -> None:
        self._uow.require_store(self._store_id)
        row = {
            "store_id": self._store_id,
            "settings": settings.model_dump(mode="json"),
            "updated_at": datetime.now(UTC),
        }
        insert_rows(
            self._uow.conn, models.store_settings, [row], conflict=Upsert(("store_id",), ("settings", "updated_at"))
        )


__all__ = ["SqlSettings"]
