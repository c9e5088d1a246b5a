"""Row-level security on PostgreSQL: the second wall between tenants.

Every store-scoped table has ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` and one policy that lets
a row through only when its ``store_id`` equals the transaction's ``app.store_id`` setting, or
when the setting is ``*`` (an unscoped unit of work: sweep listings, retention, key rotation).
FORCE makes the policies apply to the table owner too, so the usual deployment (the
application's role owns its tables) is covered. A connection that sets nothing sees nothing
(fail closed). Superusers and BYPASSRLS roles always bypass RLS: never run the service as one
(``build_storage`` warns when it does).

The setting is transaction-local (``set_config(..., true)``), so a pooled connection never
carries one store's scope into another unit of work.
"""

from __future__ import annotations

SETTING = "app.store_id"
ALL_STORES = "*"

__all__ = ["ALL_STORES", "SETTING"]
