"""A store's own alert settings (``store_alert_settings``): the targets encrypted at rest."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from adapters.storage import models
from adapters.storage.bulk import Upsert, insert_rows
from adapters.storage.session import ScopedRepository
from pricing_core.alert_settings import StoreAlertSettings


class SqlAlertSettings(ScopedRepository):
    """``AlertSettingsRepository``: the list of targets as one Fernet token, the rest in the clear."""

    def get(self) -> StoreAlertSettings:
        t = models.store_alert_settings
        row = self._uow.conn.execute(select(t).where(t.c.store_id == self._store_id)).mappings().first()
        if row is None:
            return StoreAlertSettings()
        targets = json.loads(self._uow.secrets.decrypt(row["targets_encrypted"]))
        return StoreAlertSettings(targets=targets, language=row["language"], kinds=row["kinds"])

    def save(self, settings: StoreAlertSettings) -> None:
        self._uow.require_store(self._store_id)
        row = {
            "store_id": self._store_id,
            "targets_encrypted": self._uow.secrets.encrypt(json.dumps(list(settings.targets))),
            "language": settings.language.value,
            "kinds": sorted(k.value for k in settings.kinds),
            "updated_at": datetime.now(UTC),
        }
        update_cols = tuple(k for k in row if k != "store_id")
        insert_rows(self._uow.conn, models.store_alert_settings, [row], conflict=Upsert(("store_id",), update_cols))


__all__ = ["SqlAlertSettings"]
