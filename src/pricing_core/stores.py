"""A tenant: one installed Salla store."""

from __future__ import annotations

from datetime import datetime

import attrs


@attrs.frozen(kw_only=True)
class Store:
    """One installed store. ``store_id`` is the Salla merchant id, as a string.

    ``uninstalled_at`` is Salla's time (``created_at``) of the latest ``app.uninstalled`` we
    processed: an ``app.store.authorize`` created before it is a late retry of an earlier
    install and must not bring the store back.
    """

    store_id: str = attrs.field(converter=str)
    store_name: str = ""
    is_active: bool = True
    plan: str = "plus"
    currency: str = "SAR"
    domain: str | None = None
    email: str | None = None
    installed_at: datetime | None = None
    deactivated_at: datetime | None = None
    deactivation_reason: str | None = None
    last_run_at: datetime | None = None
    uninstalled_at: datetime | None = None


__all__ = ["Store"]
